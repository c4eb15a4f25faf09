package dev.sluice.autoscaler.internal;

import dev.sluice.autoscaler.AutoscalerSettings;
import dev.sluice.autoscaler.PredefinedMetric;
import dev.sluice.autoscaler.VariantKey;
import java.time.Instant;

/** One target's numbers at one tick; metric values are NaN while there is no data yet. */
public record EvaluationInput(VariantKey variant, Instant now, int currentCapacity, double invocationsPerInstance,
                              double concurrentRequestsPerInstance, AutoscalerSettings settings) {
    public double value(PredefinedMetric metric) {
        return switch (metric) {
            case INVOCATIONS_PER_INSTANCE -> invocationsPerInstance;
            case CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION -> concurrentRequestsPerInstance;
        };
    }
}
