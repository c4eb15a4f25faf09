package dev.sluice.autoscaler;

import java.time.Duration;
import java.util.Optional;

/**
 * The metrics policies can track (SAGEMAKER-CONTRACT.md §6). Each has the period its CloudWatch datapoints have in
 * AWS, which sets how long an alarm condition must hold before a policy acts.
 */
public enum PredefinedMetric {
    /** Invocations per instance per minute, over the last minute (CloudWatch {@code InvocationsPerInstance}, Sum/60 s). */
    INVOCATIONS_PER_INSTANCE("SageMakerVariantInvocationsPerInstance", "InvocationsPerInstance", Duration.ofMinutes(1)),
    /** Requests in flight per instance (CloudWatch {@code ConcurrentRequestsPerModel}, 10-second high-resolution datapoints). */
    CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION("SageMakerVariantConcurrentRequestsPerModelHighResolution",
            "ConcurrentRequestsPerModel", Duration.ofSeconds(10));

    private final String awsName;
    private final String cloudWatchName;
    private final Duration period;

    PredefinedMetric(String awsName, String cloudWatchName, Duration period) {
        this.awsName = awsName;
        this.cloudWatchName = cloudWatchName;
        this.period = period;
    }

    /** The {@code PredefinedMetricType} value. */
    public String awsName() {
        return awsName;
    }

    /** The CloudWatch metric name in the {@code AWS/SageMaker} namespace. */
    public String cloudWatchName() {
        return cloudWatchName;
    }

    /** The length of one datapoint. */
    public Duration period() {
        return period;
    }

    /** Looks a metric up by its {@code PredefinedMetricType} or its CloudWatch name. */
    public static Optional<PredefinedMetric> fromName(String name) {
        for (PredefinedMetric m : values()) {
            if (m.awsName.equals(name) || m.cloudWatchName.equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
