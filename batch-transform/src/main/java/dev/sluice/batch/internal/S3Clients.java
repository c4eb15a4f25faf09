package dev.sluice.batch.internal;

import dev.sluice.core.config.S3Config;
import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The job's S3 client, built lazily as model-host's ModelStores builds its own: the blocking client over
 * HttpURLConnection, the default credential chain falling back to anonymous requests (public buckets, MinIO and
 * s3proxy without auth), path-style and endpoint override from {@link S3Config}. One per job, closed with it.
 */
public final class S3Clients implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(S3Clients.class);
    private static final String DEFAULT_REGION = "us-east-1";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private final AwsCredentialsProvider credentials;
    private S3Client client;

    public S3Clients() {
        this(new DefaultElseAnonymous());
    }

    public S3Clients(AwsCredentialsProvider credentials) {
        this.credentials = credentials;
    }

    synchronized S3Client client(S3Config config) {
        if (client == null) {
            S3ClientBuilder builder = S3Client.builder()
                    .region(Region.of(config.region() == null ? DEFAULT_REGION : config.region()))
                    .credentialsProvider(credentials)
                    .forcePathStyle(config.pathStyle())
                    .httpClientBuilder(UrlConnectionHttpClient.builder()
                            .connectionTimeout(CONNECT_TIMEOUT)
                            .socketTimeout(READ_TIMEOUT));
            if (config.endpoint() != null) {
                builder.endpointOverride(config.endpoint());
            }
            client = builder.build();
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
        if (credentials instanceof DefaultElseAnonymous d) {
            d.chain.close();
        }
    }

    /** The SDK's default chain; when it finds nothing, unsigned requests (remembered for 5 minutes: the probe is slow). */
    static final class DefaultElseAnonymous implements AwsCredentialsProvider {
        private final DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
        private final AwsCredentials anonymous = AnonymousCredentialsProvider.create().resolveCredentials();
        private final AtomicBoolean told = new AtomicBoolean();
        private volatile long anonymousUntilNanos;
        private volatile boolean anonymousKnown;

        @Override
        public AwsCredentials resolveCredentials() {
            if (anonymousKnown && System.nanoTime() - anonymousUntilNanos < 0) {
                return anonymous;
            }
            try {
                AwsCredentials found = chain.resolveCredentials();
                anonymousKnown = false;
                return found;
            } catch (SdkClientException e) {
                anonymousUntilNanos = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                anonymousKnown = true;
                if (told.compareAndSet(false, true)) {
                    LOG.info("no AWS credentials found ({}); S3 requests go unsigned", e.getMessage());
                }
                return anonymous;
            }
        }
    }
}
