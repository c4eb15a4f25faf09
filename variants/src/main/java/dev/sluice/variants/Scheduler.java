package dev.sluice.variants;

import dev.sluice.variants.internal.SystemScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Time as deployments see it: a clock and delayed tasks. Production passes {@link #system}; tests pass a
 * {@link ManualScheduler} and move time by hand, so a 10-minute bake is tested in microseconds and without
 * timing races.
 */
public interface Scheduler {
    Instant now();

    /** Runs {@code task} once after {@code delay} (a negative delay counts as zero). */
    Cancellable schedule(Runnable task, Duration delay);

    /** Wall-clock time, tasks on the given executor (which the caller names and shuts down). */
    static Scheduler system(ScheduledExecutorService executor) {
        return new SystemScheduler(executor, Clock.systemUTC());
    }
}
