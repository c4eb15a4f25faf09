package dev.sluice.recommender;

import java.util.Objects;

/**
 * When a load step fails, and where a search stops (SageMaker's {@code StoppingConditions}). A step also fails when
 * its queue was still growing ({@link LoadStep#backlogGrew(double)}): that rate is above what the candidate sustains, even
 * if the step ended before the percentile crossed the threshold.
 *
 * @param latency                  the SLA: a step fails when this percentile of its latencies is above the value
 * @param maxInvocationsPerMinute  the load that is enough: a candidate that meets the SLA there is not pushed
 *                                 further (and InitialInstanceCount is sized for it); 0 for none
 * @param maxErrorRate             a step also fails when more than this share of its requests fail (non-2xx, timeout,
 *                                 or not started because the in-flight bound was reached)
 */
public record StoppingConditions(LatencyThreshold latency, long maxInvocationsPerMinute, double maxErrorRate) {
    /** With no SLA given: P99 ≤ 100 ms, a common interactive budget. */
    public static final LatencyThreshold DEFAULT_LATENCY = new LatencyThreshold(Percentile.P99, 100);
    /** One failed request in a thousand: above it a configuration is shedding load, not serving it. */
    public static final double DEFAULT_MAX_ERROR_RATE = 0.001;

    public StoppingConditions {
        latency = latency == null ? DEFAULT_LATENCY : latency;
        if (maxInvocationsPerMinute < 0) {
            throw new IllegalArgumentException("maxInvocationsPerMinute must be >= 0 (0 = none), got "
                    + maxInvocationsPerMinute);
        }
        if (!(maxErrorRate >= 0) || maxErrorRate >= 1) {
            throw new IllegalArgumentException("maxErrorRate must be in [0, 1), got " + maxErrorRate);
        }
    }

    public static StoppingConditions of(LatencyThreshold latency, long maxInvocationsPerMinute) {
        return new StoppingConditions(latency, maxInvocationsPerMinute, DEFAULT_MAX_ERROR_RATE);
    }

    /** The highest rate worth offering, per second; infinity when there is no maximum. */
    public double maxRatePerSecond() {
        return maxInvocationsPerMinute > 0 ? maxInvocationsPerMinute / 60.0 : Double.POSITIVE_INFINITY;
    }

    /** Whether a measured step meets the SLA. A step in which nothing was sent proves nothing and fails. */
    public boolean meets(LoadStep step) {
        return failure(step) == null;
    }

    /** Why a step misses the SLA, or null when it meets it. */
    public StopReason failure(LoadStep step) {
        Objects.requireNonNull(step, "step");
        if (step.requests() == 0) {
            return StopReason.ERRORS;
        }
        if (step.errorRate() > maxErrorRate) {
            return StopReason.ERRORS;
        }
        Double value = step.latencyAt(latency.percentile());
        if (value == null || value > latency.valueMillis()) {
            return StopReason.LATENCY_THRESHOLD;
        }
        if (step.backlogGrew(backlogSlackMillis())) {
            return StopReason.SATURATED;
        }
        return null;
    }

    /**
     * How much the median may rise within a step before the queue counts as growing: a tenth of the SLA (at least a
     * millisecond). Smaller drifts are scheduling noise on a shared machine; a rate a few percent over capacity still
     * grows the queue by more than that within a step.
     */
    public double backlogSlackMillis() {
        return Math.max(1, latency.valueMillis() / 10);
    }

    public enum Percentile {
        P50(50), P95(95), P99(99);

        private final double value;

        Percentile(double value) {
            this.value = value;
        }

        public double value() {
            return value;
        }
    }

    public record LatencyThreshold(Percentile percentile, double valueMillis) {
        public LatencyThreshold {
            Objects.requireNonNull(percentile, "percentile");
            if (!(valueMillis > 0) || valueMillis > 3_600_000) {
                throw new IllegalArgumentException("the latency threshold must be in (0, 3600000] ms, got "
                        + valueMillis);
            }
        }

        /** {@code P99 <= 100 ms}. */
        public String label() {
            return percentile + " <= " + Format.number(valueMillis) + " ms";
        }
    }
}
