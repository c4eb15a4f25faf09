package dev.sluice.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Dynamic batching for one model. A runner that picks up a request keeps gathering compatible queued requests
 * (same input types and non-batch dimensions) until it has {@code maxBatchSize} rows or {@code maxQueueDelay} has
 * passed since the oldest was enqueued, then runs them as one batch. With {@code preferredBatchSizes} it stops early
 * when it reaches one of them and nothing more is queued. A zero delay batches only what is already waiting, which
 * adds no latency when idle. Never applied to models whose first dimension is fixed.
 */
public record BatchingConfig(boolean enabled, int maxBatchSize, Duration maxQueueDelay, List<Integer> preferredBatchSizes) {
    public static final int DEFAULT_MAX_BATCH_SIZE = 32;
    /**
     * Zero: batch only what is already queued. Measured with wrk on a 2-core machine, a 1 ms delay held a lone
     * client of a small MLP at ~800 req/s (p50 1.16 ms, the delay itself); under load requests queue while the runners
     * are busy, so batches fill without waiting.
     */
    public static final Duration DEFAULT_MAX_QUEUE_DELAY = Duration.ZERO;

    public BatchingConfig {
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        preferredBatchSizes = List.copyOf(Objects.requireNonNull(preferredBatchSizes, "preferredBatchSizes"));
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
        }
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("maxQueueDelay must not be negative, got " + maxQueueDelay);
        }
        for (int size : preferredBatchSizes) {
            if (size < 1 || size > maxBatchSize) {
                throw new IllegalArgumentException("preferredBatchSizes entries must be in [1, maxBatchSize="
                        + maxBatchSize + "], got " + size);
            }
        }
    }

    public static BatchingConfig defaults() {
        return new BatchingConfig(true, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_QUEUE_DELAY, List.of());
    }

    public static BatchingConfig disabled() {
        return new BatchingConfig(false, 1, Duration.ZERO, List.of());
    }
}
