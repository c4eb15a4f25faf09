package dev.sluice.autoscaler;

import java.time.Duration;
import java.util.Objects;

/**
 * Keeps a metric at {@code targetValue} by resizing the fleet proportionally, as Application Auto Scaling does:
 * desired capacity = ⌈current × metric / target⌉. It scales out when the metric is above the target and in when it
 * is below {@code scaleInRatio × target} (see {@link AutoscalerSettings}), each condition held for a number of the
 * metric's datapoints; never scales in when {@code disableScaleIn}.
 *
 * @param scaleOutCooldown after a scale-out this policy caused completes, how long before the target scales out again
 * @param scaleInCooldown after a scale-in completes, how long before the target scales in again (a scale-out is never held back by it)
 */
public record TargetTrackingPolicy(String name, PredefinedMetric metric, double targetValue, Duration scaleOutCooldown,
                                   Duration scaleInCooldown, boolean disableScaleIn) implements ScalingPolicy {
    /** Application Auto Scaling's default for both cooldowns of a SageMaker variant. */
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(300);
    /** Application Auto Scaling's own bounds on {@code TargetValue}. */
    static final double MIN_TARGET = 8.515920e-109;
    static final double MAX_TARGET = 6.666662e+108;

    public TargetTrackingPolicy {
        ScalingPolicy.requireName(name);
        Objects.requireNonNull(metric, "metric");
        if (!(targetValue > MIN_TARGET && targetValue < MAX_TARGET)) {
            throw new IllegalArgumentException("targetValue must be greater than " + MIN_TARGET + " and less than "
                    + MAX_TARGET + ", got: " + targetValue);
        }
        ScalingPolicy.requireCooldown(scaleOutCooldown, "scaleOutCooldown");
        ScalingPolicy.requireCooldown(scaleInCooldown, "scaleInCooldown");
    }

    /** A policy with the default cooldowns and scale-in enabled. */
    public static TargetTrackingPolicy of(String name, PredefinedMetric metric, double targetValue) {
        return new TargetTrackingPolicy(name, metric, targetValue, DEFAULT_COOLDOWN, DEFAULT_COOLDOWN, false);
    }

    @Override
    public String policyType() {
        return "TargetTrackingScaling";
    }

    /** AWS's naming for the two alarms a target-tracking policy owns: {@code [AlarmHigh, AlarmLow]}. */
    @Override
    public java.util.List<String> alarmNames(VariantKey variant) {
        String id = java.util.UUID.nameUUIDFromBytes((variant.resourceId() + "/" + name)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
        String prefix = "TargetTracking-" + variant.resourceId();
        return java.util.List.of(prefix + "-AlarmHigh-" + id, prefix + "-AlarmLow-" + id);
    }

    /**
     * ⌈current × metric / target⌉, the capacity that would bring the metric to the target if load stays as it is.
     * A tiny tolerance keeps 2 × 70 / 70 at 2 despite floating point.
     */
    public int desiredCapacity(int current, double metricValue) {
        double exact = current * metricValue / targetValue;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, Math.ceil(exact - 1e-9)));
    }
}
