package dev.sluice.modelhost.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.modelhost.internal.StoreNames.S3Location;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The few S3 calls a model store makes (HEAD, LIST, GET), with S3's answers turned into messages an operator can act
 * on: a missing object or bucket and a refused request are configuration errors ({@link IllegalArgumentException});
 * an unreachable or failing S3 is an {@link ErrorCode#INTERNAL_DEPENDENCY} failure. The client is built on first use,
 * so hosts that never read S3 never load the SDK's machinery.
 */
public final class StoreS3 implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Between two reads of one response, not for a whole download: large models take minutes. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final int HTTP_NOT_FOUND = 404;
    private static final int HTTP_FORBIDDEN = 403;
    private static final int HTTP_PRECONDITION_FAILED = 412;
    /**
     * Attempts per read when the transport fails. The SDK retries HTTP errors itself, but its URL-connection client
     * (2.40) reports a reset or refused connection as an {@link UncheckedIOException} that its retry stage never sees
     * (fixed upstream in aws-sdk-java-v2#7347); HEAD, LIST and GET are idempotent, so they are retried here.
     */
    private static final int TRANSPORT_ATTEMPTS = 3;
    private static final Duration TRANSPORT_BACKOFF = Duration.ofMillis(200);
    private static final int COPY_BUFFER = 64 << 10;

    /** One object's version as S3 reports it. */
    public record ObjectVersion(String key, String eTag, long size) {
    }

    /** The object changed between the HEAD/LIST that named its version and the GET. */
    public static final class ChangedException extends RuntimeException {
        ChangedException(String message) {
            super(message, null, false, false);
        }
    }

    private final URI endpoint;
    private final boolean pathStyle;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private S3Client client;
    private boolean closed;

    public StoreS3(URI endpoint, boolean pathStyle, String region, AwsCredentialsProvider credentials) {
        this.endpoint = endpoint;
        this.pathStyle = pathStyle;
        this.region = Objects.requireNonNull(region, "region");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
    }

    private synchronized S3Client client() {
        if (closed) {
            throw new IllegalStateException("model stores are closed");
        }
        if (client == null) {
            S3ClientBuilder builder = S3Client.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .forcePathStyle(pathStyle)
                    .httpClientBuilder(UrlConnectionHttpClient.builder()
                            .connectionTimeout(CONNECT_TIMEOUT)
                            .socketTimeout(READ_TIMEOUT));
            if (endpoint != null) {
                builder.endpointOverride(endpoint);
            }
            client = builder.build();
        }
        return client;
    }

    /** The object's version, or empty when there is no object under exactly that key. */
    public Optional<ObjectVersion> head(S3Location location) {
        return retrying(location, () -> headOnce(location));
    }

    private Optional<ObjectVersion> headOnce(S3Location location) {
        try {
            HeadObjectResponse head = client().headObject(b -> b.bucket(location.bucket()).key(location.key()));
            return Optional.of(new ObjectVersion(location.key(), head.eTag(), head.contentLength()));
        } catch (S3Exception e) {
            // HEAD answers carry no body, so a missing bucket also reads 404 here; the caller lists to tell them apart.
            if (e.statusCode() == HTTP_NOT_FOUND) {
                return Optional.empty();
            }
            throw failure(location, e);
        } catch (SdkException e) {
            throw failure(location, e);
        }
    }

    /**
     * Every object under {@code location}'s key taken as a prefix, in key order; at most {@code limit + 1} (so the
     * caller can tell "too many"). Fails with "does not exist" when the bucket is missing, naming {@code asked}.
     */
    public List<ObjectVersion> list(S3Location location, S3Location asked, int limit) {
        return retrying(asked, () -> listOnce(location, asked, limit));
    }

    private List<ObjectVersion> listOnce(S3Location location, S3Location asked, int limit) {
        List<ObjectVersion> objects = new ArrayList<>();
        try {
            for (S3Object object : client().listObjectsV2Paginator(b -> b.bucket(location.bucket())
                    .prefix(location.key())).contents()) {
                objects.add(new ObjectVersion(object.key(), object.eTag(), object.size()));
                if (objects.size() > limit) {
                    break;
                }
            }
            return objects;
        } catch (SdkException e) {
            throw failure(asked, e);
        }
    }

    /**
     * Downloads one object version into {@code file} (which must not exist) and forces it to disk, so that the rename
     * publishing it can never outlive its content in a power loss.
     *
     * @throws ChangedException when the object no longer has {@code version}'s ETag
     */
    public long download(String bucket, ObjectVersion version, Path file) throws IOException {
        S3Location location = new S3Location(bucket, version.key());
        for (int attempt = 1; ; attempt++) {
            try {
                return downloadOnce(location, version, file);
            } catch (TransportException e) {
                Files.deleteIfExists(file);
                if (attempt >= TRANSPORT_ATTEMPTS) {
                    throw unreachable(location, e.getCause());
                }
                backOff(attempt);
            }
        }
    }

    private long downloadOnce(S3Location location, ObjectVersion version, Path file) throws IOException {
        long written = 0;
        try (ResponseInputStream<GetObjectResponse> in = client().getObject(b -> b.bucket(location.bucket())
                .key(version.key()).ifMatch(version.eTag()));
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = Channels.newOutputStream(channel);
            byte[] buffer = new byte[COPY_BUFFER];
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    // A failed read is the network's; a failed write (below) is the disk's and is not retried.
                    throw new TransportException(e);
                }
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
                written += n;
            }
            channel.force(true);
        } catch (S3Exception e) {
            Files.deleteIfExists(file);
            if (e.statusCode() == HTTP_PRECONDITION_FAILED) {
                throw new ChangedException(location + " changed while it was being downloaded");
            }
            throw failure(location, e);
        } catch (UncheckedIOException e) {
            throw new TransportException(e.getCause());
        } catch (SdkException e) {
            Files.deleteIfExists(file);
            throw failure(location, e);
        }
        if (written != version.size()) {
            throw new IOException(location + ": received " + written + " bytes, S3 announced " + version.size());
        }
        return written;
    }

    /** A transport failure worth another attempt. */
    private static final class TransportException extends RuntimeException {
        TransportException(Throwable cause) {
            super(cause);
        }
    }

    private <T> T retrying(S3Location location, Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (UncheckedIOException e) {
                if (attempt >= TRANSPORT_ATTEMPTS) {
                    throw unreachable(location, e.getCause());
                }
                backOff(attempt);
            }
        }
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(TRANSPORT_BACKOFF.toMillis() * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying an S3 read", e);
        }
    }

    private SluiceException unreachable(S3Location location, Throwable cause) {
        return new SluiceException(ErrorCode.INTERNAL_DEPENDENCY, "cannot read " + location + where() + " after "
                + TRANSPORT_ATTEMPTS + " attempts: " + cause, cause);
    }

    private RuntimeException failure(S3Location location, SdkException e) {
        if (e instanceof S3Exception s3) {
            String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            if (s3 instanceof NoSuchBucketException || "NoSuchBucket".equals(code)) {
                return new IllegalArgumentException(location + " does not exist: there is no bucket '"
                        + location.bucket() + "'" + where(), e);
            }
            if (s3.statusCode() == HTTP_NOT_FOUND) {
                return new IllegalArgumentException(location + " does not exist" + where(), e);
            }
            if (s3.statusCode() == HTTP_FORBIDDEN) {
                return new IllegalArgumentException("access to " + location + " was denied"
                        + (code == null ? "" : " (" + code + ")")
                        + where() + "; check the credentials and the bucket policy", e);
            }
            return new SluiceException(ErrorCode.INTERNAL_DEPENDENCY, "S3 answered " + s3.statusCode()
                    + (code == null ? "" : " " + code) + " for " + location + where(), e);
        }
        if (e instanceof SdkClientException) {
            return new SluiceException(ErrorCode.INTERNAL_DEPENDENCY, "cannot read " + location + where() + ": "
                    + e.getMessage(), e);
        }
        return new SluiceException(ErrorCode.INTERNAL_DEPENDENCY, "S3 failed for " + location + where() + ": "
                + e.getMessage(), e);
    }

    private String where() {
        return endpoint == null ? "" : " at " + endpoint;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
