package dev.sluice.modelhost.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The SDK's default credential chain, falling back to anonymous (unsigned) requests when the chain finds nothing, so
 * public buckets and unauthenticated stores (MinIO, s3proxy in tests) work without configuration.
 */
public final class StoreCredentials implements AwsCredentialsProvider, SdkAutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreCredentials.class);
    /**
     * How long "no credentials" is believed. Walking the chain off EC2 can wait on the instance metadata service for
     * seconds, which a prefix of many objects would pay per request; credentials that appear later (a mounted web
     * identity token, say) are still picked up after this.
     */
    private static final Duration NONE_FOUND_TTL = Duration.ofMinutes(5);

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
            anonymousUntilNanos = System.nanoTime() + NONE_FOUND_TTL.toNanos();
            anonymousKnown = true;
            if (told.compareAndSet(false, true)) {
                LOG.info("no AWS credentials found (" + e.getMessage() + "); S3 requests go unsigned");
            }
            return anonymous;
        }
    }

    @Override
    public void close() {
        chain.close();
    }

    @Override
    public String toString() {
        return "StoreCredentials[default chain, else anonymous]";
    }
}
