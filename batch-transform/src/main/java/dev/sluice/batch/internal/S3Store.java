package dev.sluice.batch.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 prefix. Outputs are spooled to a local temporary file and uploaded to the final key only once complete, so a
 * reader of the output prefix never sees a partial {@code .out} (S3 has no rename).
 */
final class S3Store implements Store {
    private final S3Client client;
    private final String bucket;
    private final String prefix;
    private final String otherPrefix;

    S3Store(String location, String other, S3Client client) {
        this.client = client;
        String rest = location.substring(5);
        int slash = rest.indexOf('/');
        this.bucket = slash < 0 ? rest : rest.substring(0, slash);
        this.prefix = slash < 0 ? "" : rest.substring(slash + 1);
        String otherPrefix = null;
        if (other != null && Store.isS3(other)) {
            String o = other.substring(5);
            int s = o.indexOf('/');
            if ((s < 0 ? o : o.substring(0, s)).equals(bucket)) {
                otherPrefix = s < 0 ? "" : directory(o.substring(s + 1));
            }
        }
        this.otherPrefix = otherPrefix;
    }

    private static String directory(String prefix) {
        return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    }

    @Override
    public List<Item> list() throws IOException {
        List<Item> items = new ArrayList<>();
        try {
            for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
                String key = o.key();
                String name = key.substring(key.lastIndexOf('/') + 1);
                if (key.endsWith("/") || name.equals(MANIFEST) || name.contains(LocalStore.TEMP_MARKER)) {
                    continue;
                }
                // Outputs written under the input prefix must not become inputs of a re-run.
                if (otherPrefix != null && !directory(prefix).equals(otherPrefix) && key.startsWith(otherPrefix)) {
                    continue;
                }
                if (otherPrefix != null && directory(prefix).equals(otherPrefix) && key.endsWith(".out")) {
                    continue;
                }
                items.add(new Item(relative(key), "s3://" + bucket + "/" + key, o.size()));
            }
        } catch (SdkException e) {
            throw new IOException("cannot list s3://" + bucket + "/" + prefix + ": " + e.getMessage(), e);
        }
        items.sort(Comparator.comparing(Item::relativePath));
        return items;
    }

    /**
     * SageMaker's S3Prefix is a plain key prefix: {@code data/} and {@code data} both cover {@code data/a.csv}
     * (relative {@code a.csv}); {@code data/part} covers {@code data/part-1.csv}, named relative to {@code data/}.
     */
    private String relative(String key) {
        if (prefix.isEmpty() || prefix.endsWith("/")) {
            return key.substring(prefix.length());
        }
        if (key.startsWith(prefix + "/")) {
            return key.substring(prefix.length() + 1);
        }
        int slash = prefix.lastIndexOf('/');
        return key.substring(slash + 1);
    }

    private String key(String relativePath) {
        return directory(prefix) + relativePath;
    }

    @Override
    public InputStream open(Item item) throws IOException {
        String key = item.display().substring(("s3://" + bucket + "/").length());
        try {
            return client.getObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new IOException("cannot read " + item.display() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public PendingOutput create(String relativePath) throws IOException {
        String key = key(Store.checkRelative(relativePath));
        Path temp = Files.createTempFile("sluice-transform-", ".out");
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 64 * 1024);
        return new PendingOutput() {
            @Override
            public OutputStream stream() {
                return out;
            }

            @Override
            public void commit() throws IOException {
                out.close();
                try {
                    client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(temp));
                } catch (SdkException e) {
                    throw new IOException("cannot upload s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
                } finally {
                    Files.deleteIfExists(temp);
                }
            }

            @Override
            public void abort() {
                try {
                    out.close();
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a temporary file the OS cleans up
                }
            }
        };
    }

    @Override
    public boolean exists(String relativePath) throws IOException {
        try {
            client.headObject(b -> b.bucket(bucket).key(key(relativePath)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw new IOException(e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public Optional<byte[]> readManifest() throws IOException {
        try {
            return Optional.of(client.getObjectAsBytes(b -> b.bucket(bucket).key(key(MANIFEST))).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new IOException("cannot read the manifest: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("cannot read the manifest: " + e.getMessage(), e);
        }
    }

    @Override
    public void writeManifest(byte[] content) throws IOException {
        try {
            client.putObject(b -> b.bucket(bucket).key(key(MANIFEST)), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw new IOException("cannot write the manifest: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // the client belongs to S3Clients
    }
}
