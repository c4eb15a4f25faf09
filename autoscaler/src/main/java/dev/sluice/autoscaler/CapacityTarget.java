package dev.sluice.autoscaler;

import java.util.concurrent.CompletableFuture;

/**
 * The scalable thing behind one registered target: a variant's fleet. The gateway implements it (or uses
 * {@link ProvisionedCapacity} over a {@link CapacityProvider}). Called from the autoscaler's scheduler thread, so
 * neither method may block.
 */
public interface CapacityTarget {

    /** The capacity now: the instance count the fleet is settled at (Application Auto Scaling's current capacity). */
    int currentCapacity();

    /**
     * Moves the fleet to {@code desired} instances; completes when it got there (new instances admitted, removed ones
     * drained and stopped), fails with a message that becomes the scaling activity's {@code StatusMessage}.
     * {@code cause} is the activity's cause, for logs. Scale-in must take an instance out of routing before stopping
     * it, so that no request fails.
     */
    CompletableFuture<Void> setDesiredCapacity(int desired, String cause);
}
