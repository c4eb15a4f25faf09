package dev.sluice.modelhost;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * An in-process S3 (s3proxy over an in-memory blob store) on 127.0.0.1, port 0, started once per test class. Tests
 * put objects with a real AWS SDK client ({@link #client()}) and read how often each object was fetched
 * ({@link #gets}), which is what the cache tests count. Buckets from {@link #newBucket()} keep tests apart.
 */
final class S3TestServer implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
    private final Map<String, String> listedAs = new ConcurrentHashMap<>();
    private final Map<String, Long> getDelays = new ConcurrentHashMap<>();
    private final AtomicInteger buckets = new AtomicInteger();
    private S3Proxy proxy;
    private URI endpoint;
    private S3Client client;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        BlobStore counting = new ForwardingBlobStore(new TransientNio2BlobStore()) {
            @Override
            public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
                String name = request.bucket() + "/" + request.key();
                gets.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                Long delay = getDelays.get(name);
                if (delay != null) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.getBlob(request);
            }

            @Override
            public ListObjectsV2Response list(ListObjectsV2Request request) {
                ListObjectsV2Response listed = super.list(request);
                if (listedAs.isEmpty() || !listed.hasContents()) {
                    return listed;
                }
                return listed.toBuilder().contents(listed.contents().stream()
                        .map(o -> o.toBuilder().key(listedAs.getOrDefault(request.bucket() + "/" + o.key(), o.key()))
                                .build())
                        .toList()).build();
            }
        };
        proxy = S3Proxy.builder()
                .blobStore(counting)
                .awsAuthentication(AuthenticationType.NONE, null, null)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(5);
        }
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        client = S3Client.builder()
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.stop();
        }
    }

    URI endpoint() {
        return endpoint;
    }

    S3Client client() {
        return client;
    }

    /** A fresh, empty bucket. */
    String newBucket() {
        String bucket = "models-" + buckets.incrementAndGet();
        client.createBucket(b -> b.bucket(bucket));
        return bucket;
    }

    void put(String bucket, String key, byte[] content) {
        try {
            client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
        } catch (UncheckedIOException e) {
            // The JDK retries a stale keep-alive connection for GET and HEAD, not for a streamed PUT, and the SDK's
            // URL-connection client (2.40) does not retry what escapes as UncheckedIOException: once is enough here.
            client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
        }
    }

    /**
     * Lists {@code storedKey} as {@code listedKey}: names the file-backed store cannot hold (".." segments, "//"),
     * as a hostile or broken S3 could answer them.
     */
    void listAs(String bucket, String storedKey, String listedKey) {
        listedAs.put(bucket + "/" + storedKey, listedKey);
    }

    /** Answers GETs of the object this late, so that concurrent readers surely overlap. */
    void delayGets(String bucket, String key, long millis) {
        getDelays.put(bucket + "/" + key, millis);
    }

    /** How many GETs the object has served (HEADs and LISTs not counted). */
    int gets(String bucket, String key) {
        AtomicInteger count = gets.get(bucket + "/" + key);
        return count == null ? 0 : count.get();
    }

    /** Path-style settings for this server, with the cache at {@code cacheDir}. */
    ModelStores.Settings settings(Path cacheDir, long diskCacheBytes) {
        return new ModelStores.Settings(endpoint, true, null, cacheDir, diskCacheBytes);
    }

    /** Stores reading this server without credentials (it checks none). */
    ModelStores stores(Path cacheDir, long diskCacheBytes) {
        return new ModelStores(settings(cacheDir, diskCacheBytes), AnonymousCredentialsProvider.create());
    }
}
