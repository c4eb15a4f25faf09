package dev.sluice.recommender;

/**
 * Dynamic batching of one candidate. On: a runner gathers queued requests into one run of up to
 * {@code maxBatchSize} rows, waiting at most {@code maxDelayMillis} for the batch to fill.
 */
public record BatchingChoice(boolean enabled, int maxBatchSize, double maxDelayMillis) {
    public static final BatchingChoice OFF = new BatchingChoice(false, 1, 0);
    /**
     * The grid's default "on": 8 rows, 2 ms. Under load requests queue while the runners are busy, so batches fill
     * without waiting; the delay only matters at low load, where it adds at most 2 ms to a lone request.
     */
    public static final BatchingChoice DEFAULT_ON = new BatchingChoice(true, 8, 2);

    public BatchingChoice {
        if (!enabled) {
            maxBatchSize = 1;
            maxDelayMillis = 0;
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
        }
        if (!(maxDelayMillis >= 0) || maxDelayMillis > 60_000) {
            throw new IllegalArgumentException("maxDelayMillis must be in [0, 60000], got " + maxDelayMillis);
        }
    }

    public static BatchingChoice on(int maxBatchSize, double maxDelayMillis) {
        return new BatchingChoice(true, maxBatchSize, maxDelayMillis);
    }

    /** {@code off} or {@code 8@2ms}. */
    public String label() {
        return enabled ? maxBatchSize + "@" + Format.number(maxDelayMillis) + "ms" : "off";
    }
}
