package dev.sluice.variants;

import dev.sluice.core.InferenceResponse;
import dev.sluice.variants.internal.LatencyWindow;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a shadow test has shown so far: how many requests were copied, how the shadow fared, how often its answer
 * differed from production's, and both sides' latencies. Thread-safe: counts are LongAdders and latencies go into
 * lock-free windows, so recording never blocks the threads that complete responses.
 */
public final class ShadowReport {
    private final String productionVariant;
    private final String shadowVariant;
    private final double tolerance;
    private final LongAdder sampled = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder shadowErrors = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder compared = new LongAdder();
    private final LongAdder differing = new LongAdder();
    private final LatencyWindow productionLatency = new LatencyWindow();
    private final LatencyWindow shadowLatency = new LatencyWindow();

    public ShadowReport(String productionVariant, String shadowVariant, double tolerance) {
        this.productionVariant = Objects.requireNonNull(productionVariant, "productionVariant");
        this.shadowVariant = Objects.requireNonNull(shadowVariant, "shadowVariant");
        if (!Double.isFinite(tolerance) || tolerance < 0) {
            throw new IllegalArgumentException("tolerance must be finite and >= 0, got: " + tolerance);
        }
        this.tolerance = tolerance;
    }

    public String productionVariant() {
        return productionVariant;
    }

    public String shadowVariant() {
        return shadowVariant;
    }

    public double tolerance() {
        return tolerance;
    }

    /** A request was selected for copying. */
    public void recordSampled() {
        sampled.increment();
    }

    /** A selected copy was not sent because too many shadow requests were in flight. */
    public void recordDropped() {
        dropped.increment();
    }

    /**
     * Both sides of a copied request have finished: exactly one of response and failure is non-null per side.
     * A failed shadow counts as a shadow error; a pair is compared only when both sides succeeded.
     */
    public void recordOutcome(InferenceResponse production, Throwable productionFailure, long productionNanos,
                              InferenceResponse shadow, Throwable shadowFailure, long shadowNanos) {
        completed.increment();
        boolean productionOk = productionFailure == null && production != null;
        boolean shadowOk = shadowFailure == null && shadow != null;
        if (productionOk) {
            productionLatency.record(productionNanos);
        }
        if (!shadowOk) {
            shadowErrors.increment();
            return;
        }
        shadowLatency.record(shadowNanos);
        if (!productionOk) {
            return;
        }
        compared.increment();
        if (!ResponseComparator.equivalent(production.body(), shadow.body(), tolerance)) {
            differing.increment();
        }
    }

    public Snapshot snapshot() {
        long comparedNow = compared.sum();
        long differingNow = differing.sum();
        return new Snapshot(productionVariant, shadowVariant, sampled.sum(), completed.sum(), shadowErrors.sum(),
                dropped.sum(), comparedNow, differingNow,
                comparedNow == 0 ? 0.0 : (double) differingNow / comparedNow, tolerance,
                LatencySummary.of(productionLatency), LatencySummary.of(shadowLatency));
    }

    /**
     * @param sampled        requests selected for copying (dropped ones included)
     * @param completed      copies whose shadow and production sides have both finished
     * @param shadowErrors   copies the shadow failed
     * @param dropped        selected copies not sent because of the in-flight bound
     * @param compared       copies where both sides succeeded and were compared
     * @param differing      compared copies whose answers differ beyond the tolerance
     * @param differingShare differing / compared, 0 before the first comparison
     */
    public record Snapshot(String productionVariant, String shadowVariant, long sampled, long completed,
                           long shadowErrors, long dropped, long compared, long differing, double differingShare,
                           double tolerance, LatencySummary production, LatencySummary shadow) {
        public Snapshot {
            Objects.requireNonNull(productionVariant, "productionVariant");
            Objects.requireNonNull(shadowVariant, "shadowVariant");
            Objects.requireNonNull(production, "production");
            Objects.requireNonNull(shadow, "shadow");
        }
    }

    /**
     * @param count total samples ever recorded; the percentiles and max cover the most recent 4096 of them
     */
    public record LatencySummary(long count, double p50Millis, double p90Millis, double p99Millis, double maxMillis) {
        public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0);

        public LatencySummary {
            if (count < 0) {
                throw new IllegalArgumentException("count must be >= 0, got: " + count);
            }
        }

        static LatencySummary of(LatencyWindow window) {
            long[] sorted = window.sortedSnapshot();
            return new LatencySummary(window.count(),
                    LatencyWindow.percentileMillis(sorted, 0.50),
                    LatencyWindow.percentileMillis(sorted, 0.90),
                    LatencyWindow.percentileMillis(sorted, 0.99),
                    LatencyWindow.percentileMillis(sorted, 1.0));
        }
    }
}
