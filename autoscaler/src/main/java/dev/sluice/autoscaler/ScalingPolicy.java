package dev.sluice.autoscaler;

/** A scaling policy attached to a scalable target; its name is unique per target. */
public sealed interface ScalingPolicy permits TargetTrackingPolicy, StepScalingPolicy {
    String name();

    /** The {@code PolicyType}: {@code TargetTrackingScaling} or {@code StepScaling}. */
    String policyType();

    /**
     * The names of the alarms that trigger this policy on {@code variant}, as {@code PutScalingPolicy} reports them
     * and scaling activities cite them in their cause. Sluice evaluates these alarms itself; no CloudWatch is involved.
     */
    java.util.List<String> alarmNames(VariantKey variant);

    static String requireName(String name) {
        java.util.Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.length() > 256) {
            throw new IllegalArgumentException("name must be 1 to 256 characters, got: '" + name + "'");
        }
        return name;
    }

    static java.time.Duration requireCooldown(java.time.Duration cooldown, String field) {
        java.util.Objects.requireNonNull(cooldown, field);
        if (cooldown.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, got: " + cooldown);
        }
        return cooldown;
    }
}
