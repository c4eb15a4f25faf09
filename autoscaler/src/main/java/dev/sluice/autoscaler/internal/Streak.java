package dev.sluice.autoscaler.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * How long a condition has held without a break: the datapoint count of a CloudWatch alarm, measured in time so
 * that it does not depend on how often the autoscaler evaluates.
 */
public final class Streak {
    private Instant since;

    /** Records the condition at {@code now}; returns it. */
    public boolean update(boolean condition, Instant now) {
        if (!condition) {
            since = null;
        } else if (since == null) {
            since = now;
        }
        return condition;
    }

    /**
     * Whether the condition has held for {@code datapoints} consecutive periods of length {@code period}: the first
     * observation is the first datapoint, so it needs {@code (datapoints − 1) × period} since then.
     */
    public boolean heldFor(int datapoints, Duration period, Instant now) {
        return since != null && !Duration.between(since, now).minus(period.multipliedBy(datapoints - 1L)).isNegative();
    }

    public void reset() {
        since = null;
    }
}
