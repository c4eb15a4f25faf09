package dev.sluice.autoscaler;

import java.time.Duration;
import java.util.Objects;

/**
 * What triggers a step policy. In AWS a step policy does nothing until a CloudWatch alarm names it in its actions;
 * Sluice has no CloudWatch, so the alarm travels with the policy (the {@code Alarm} member of
 * {@code StepScalingPolicyConfiguration}, a Sluice extension). The alarm is in ALARM once {@code comparison} of the
 * metric against {@code threshold} has held for {@code evaluationPeriods} consecutive periods; while it stays there
 * the policy fires on every evaluation that its cooldown allows, as AWS re-invokes a policy while its alarm stays in
 * ALARM.
 */
public record StepAlarm(PredefinedMetric metric, ComparisonOperator comparison, double threshold,
                        int evaluationPeriods, Duration period) {
    public static final int DEFAULT_EVALUATION_PERIODS = 1;

    public StepAlarm {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(comparison, "comparison");
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold must be a finite number, got: " + threshold);
        }
        if (evaluationPeriods < 1) {
            throw new IllegalArgumentException("evaluationPeriods must be at least 1, got: " + evaluationPeriods);
        }
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, got: " + period);
        }
    }

    /** An alarm over one datapoint of the metric's own period. */
    public static StepAlarm of(PredefinedMetric metric, ComparisonOperator comparison, double threshold) {
        return new StepAlarm(metric, comparison, threshold, DEFAULT_EVALUATION_PERIODS, metric.period());
    }
}
