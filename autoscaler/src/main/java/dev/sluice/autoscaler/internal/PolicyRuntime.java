package dev.sluice.autoscaler.internal;

import dev.sluice.autoscaler.ScalingPolicy;
import dev.sluice.autoscaler.StepAdjustment;
import dev.sluice.autoscaler.StepAlarm;
import dev.sluice.autoscaler.StepScalingPolicy;
import dev.sluice.autoscaler.TargetTrackingPolicy;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A policy plus the alarm state it accumulates between evaluations. Guarded by the autoscaler's lock. */
public sealed interface PolicyRuntime permits PolicyRuntime.TargetTracking, PolicyRuntime.Step {

    ScalingPolicy policy();

    Decision evaluate(EvaluationInput in);

    static PolicyRuntime of(ScalingPolicy policy) {
        return switch (policy) {
            case TargetTrackingPolicy p -> new TargetTracking(p);
            case StepScalingPolicy p -> new Step(p);
        };
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.4g", value);
    }

    final class TargetTracking implements PolicyRuntime {
        private final TargetTrackingPolicy policy;
        private final Streak high = new Streak();
        private final Streak low = new Streak();

        TargetTracking(TargetTrackingPolicy policy) {
            this.policy = policy;
        }

        @Override
        public ScalingPolicy policy() {
            return policy;
        }

        @Override
        public Decision evaluate(EvaluationInput in) {
            double value = in.value(policy.metric());
            Decision quiet = policy.disableScaleIn() ? Decision.ABSTAIN : Decision.HOLD;
            if (Double.isNaN(value)) {
                // CloudWatch's INSUFFICIENT_DATA: neither alarm fires and both start over.
                high.reset();
                low.reset();
                return quiet;
            }
            double target = policy.targetValue();
            boolean isHigh = high.update(value > target, in.now());
            boolean isLow = low.update(value < target * in.settings().scaleInRatio(), in.now());
            List<String> alarms = policy.alarmNames(in.variant());
            String detail = policy.metric().awsName() + " = " + format(value) + " (target " + format(target) + ")";
            int current = in.currentCapacity();
            if (isHigh && high.heldFor(in.settings().scaleOutDatapoints(), policy.metric().period(), in.now())) {
                // From zero the metric is normalised by one instance, so the first instance comes with traffic.
                int desired = policy.desiredCapacity(Math.max(current, 1), value);
                if (desired > current) {
                    return new Decision(Decision.Kind.OUT, desired, policy.name(), "monitor alarm " + alarms.get(0)
                            + " in state ALARM triggered policy " + policy.name(), detail, policy.scaleOutCooldown());
                }
            }
            if (policy.disableScaleIn()) {
                return Decision.ABSTAIN;
            }
            if (isLow && low.heldFor(in.settings().scaleInDatapoints(), policy.metric().period(), in.now())) {
                int desired = policy.desiredCapacity(current, value);
                if (desired < current) {
                    return new Decision(Decision.Kind.IN, desired, policy.name(), "monitor alarm " + alarms.get(1)
                            + " in state ALARM triggered policy " + policy.name(), detail, policy.scaleInCooldown());
                }
            }
            return Decision.HOLD;
        }
    }

    final class Step implements PolicyRuntime {
        private final StepScalingPolicy policy;
        private final Streak breach = new Streak();

        Step(StepScalingPolicy policy) {
            this.policy = policy;
        }

        @Override
        public ScalingPolicy policy() {
            return policy;
        }

        @Override
        public Decision evaluate(EvaluationInput in) {
            StepAlarm alarm = policy.alarm();
            if (alarm == null) {
                return Decision.ABSTAIN;
            }
            double value = in.value(alarm.metric());
            if (Double.isNaN(value)) {
                breach.reset();
                return Decision.ABSTAIN;
            }
            boolean breaching = breach.update(alarm.comparison().breaches(value, alarm.threshold()), in.now());
            if (!breaching || !breach.heldFor(alarm.evaluationPeriods(), alarm.period(), in.now())) {
                return Decision.ABSTAIN;
            }
            Optional<StepAdjustment> step = policy.stepFor(value - alarm.threshold());
            if (step.isEmpty()) {
                return Decision.ABSTAIN;
            }
            int current = in.currentCapacity();
            int desired = policy.apply(current, step.get());
            if (desired == current) {
                return Decision.ABSTAIN;
            }
            String detail = alarm.metric().awsName() + " = " + format(value) + " ("
                    + alarm.comparison().awsName() + " " + format(alarm.threshold()) + ", step "
                    + policy.adjustmentType().awsName() + " " + step.get().scalingAdjustment() + ")";
            String cause = "monitor alarm " + policy.alarmNames(in.variant()).get(0)
                    + " in state ALARM triggered policy " + policy.name();
            return new Decision(desired > current ? Decision.Kind.OUT : Decision.Kind.IN, desired, policy.name(), cause,
                    detail, policy.cooldown());
        }
    }
}
