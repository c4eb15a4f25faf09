package dev.sluice.autoscaler;

/**
 * Application Auto Scaling's {@code SuspendedState}: dynamic scaling (the policies) can be paused per direction.
 * Scheduled scaling is not implemented; its flag is kept and echoed.
 */
public record SuspendedState(boolean dynamicScalingInSuspended, boolean dynamicScalingOutSuspended,
                             boolean scheduledScalingSuspended) {
    public static final SuspendedState NONE = new SuspendedState(false, false, false);
}
