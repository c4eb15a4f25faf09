package dev.sluice.autoscaler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Changes capacity by the step that the alarm's breach size falls in (Application Auto Scaling's
 * {@code StepScalingPolicyConfiguration}).
 *
 * @param minAdjustmentMagnitude for {@link AdjustmentType#PERCENT_CHANGE_IN_CAPACITY}: the smallest change applied,
 *                               0 when unset
 * @param cooldown               after a scaling activity this policy caused completes, how long before the target
 *                               scales again in the same direction
 * @param alarm                  what triggers the policy; null leaves it dormant, as an AWS step policy is until an
 *                               alarm invokes it
 */
public record StepScalingPolicy(String name, AdjustmentType adjustmentType, List<StepAdjustment> stepAdjustments,
                                int minAdjustmentMagnitude, Duration cooldown,
                                MetricAggregationType metricAggregationType, StepAlarm alarm) implements ScalingPolicy {
    /** The cooldown when {@code Cooldown} is not given: the same 300 s SageMaker's target tracking uses. */
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(300);

    public StepScalingPolicy {
        ScalingPolicy.requireName(name);
        Objects.requireNonNull(adjustmentType, "adjustmentType");
        Objects.requireNonNull(stepAdjustments, "stepAdjustments");
        if (stepAdjustments.isEmpty()) {
            throw new IllegalArgumentException("stepAdjustments must hold at least one step");
        }
        List<StepAdjustment> sorted = new ArrayList<>(stepAdjustments);
        sorted.sort(Comparator.comparingDouble(StepAdjustment::lowerBound));
        for (int i = 1; i < sorted.size(); i++) {
            StepAdjustment previous = sorted.get(i - 1);
            StepAdjustment next = sorted.get(i);
            if (next.lowerBound() < previous.upperBound()) {
                throw new IllegalArgumentException("step adjustments overlap: [" + previous.lowerBound() + ", "
                        + previous.upperBound() + ") and [" + next.lowerBound() + ", " + next.upperBound() + ")");
            }
            if (next.lowerBound() > previous.upperBound()) {
                throw new IllegalArgumentException("there is a gap between step adjustments: ["
                        + previous.lowerBound() + ", " + previous.upperBound() + ") and [" + next.lowerBound() + ", "
                        + next.upperBound() + ")");
            }
        }
        stepAdjustments = List.copyOf(sorted);
        if (adjustmentType == AdjustmentType.EXACT_CAPACITY) {
            for (StepAdjustment step : stepAdjustments) {
                if (step.scalingAdjustment() < 0) {
                    throw new IllegalArgumentException("an ExactCapacity scaling adjustment must not be negative, got: "
                            + step.scalingAdjustment());
                }
            }
        }
        if (minAdjustmentMagnitude < 0) {
            throw new IllegalArgumentException("minAdjustmentMagnitude must not be negative, got: "
                    + minAdjustmentMagnitude);
        }
        if (minAdjustmentMagnitude > 0 && adjustmentType != AdjustmentType.PERCENT_CHANGE_IN_CAPACITY) {
            throw new IllegalArgumentException("minAdjustmentMagnitude applies only to PercentChangeInCapacity");
        }
        ScalingPolicy.requireCooldown(cooldown, "cooldown");
        Objects.requireNonNull(metricAggregationType, "metricAggregationType");
    }

    @Override
    public String policyType() {
        return "StepScaling";
    }

    @Override
    public List<String> alarmNames(VariantKey variant) {
        return alarm == null ? List.of() : List.of("StepScaling-" + variant.resourceId() + "-" + name);
    }

    /** The step that {@code difference} (metric − threshold) falls in, if any. */
    public Optional<StepAdjustment> stepFor(double difference) {
        return stepAdjustments.stream().filter(step -> step.contains(difference)).findFirst();
    }

    /**
     * The capacity after applying {@code step} to {@code current} (before the target's min/max clamp). A percentage
     * that is not whole is rounded as AWS does: above 1 down, between 0 and 1 to 1, between −1 and 0 to −1, below
     * −1 up (toward zero); then {@code minAdjustmentMagnitude} raises the magnitude of the change.
     */
    public int apply(int current, StepAdjustment step) {
        int adjustment = step.scalingAdjustment();
        long result = switch (adjustmentType) {
            case EXACT_CAPACITY -> adjustment;
            case CHANGE_IN_CAPACITY -> (long) current + adjustment;
            case PERCENT_CHANGE_IN_CAPACITY -> {
                double raw = current * adjustment / 100.0;
                long change;
                if (raw > 1) {
                    change = (long) Math.floor(raw);
                } else if (raw > 0) {
                    change = 1;
                } else if (raw < -1) {
                    change = (long) Math.ceil(raw);
                } else if (raw < 0) {
                    change = -1;
                } else {
                    change = 0;
                }
                if (minAdjustmentMagnitude > 0 && adjustment != 0 && Math.abs(change) < minAdjustmentMagnitude) {
                    change = (long) Integer.signum(adjustment) * minAdjustmentMagnitude;
                }
                yield current + change;
            }
        };
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, result));
    }
}
