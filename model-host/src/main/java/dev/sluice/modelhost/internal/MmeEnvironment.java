package dev.sluice.modelhost.internal;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * What a multi-model host takes from its surroundings: a ticker for LRU order, a timer for the load-wait bound, the
 * executor that runs loads one at a time, and the resident-memory probe that sizes them. {@link #system(String)} is
 * the real one; tests pass a virtual ticker, a manual timer, a gated loader and a scripted probe, so LRU order, the
 * wait bound and footprints are exact instead of timed.
 */
public interface MmeEnvironment extends AutoCloseable {
    /** Monotonic nanoseconds; only differences and order matter. */
    long nanoTime();

    /**
     * Runs {@code task} once after {@code delay} on a timer thread (never the caller's).
     *
     * @return cancels the task if it has not run yet
     */
    Runnable schedule(Duration delay, Runnable task);

    /**
     * Runs the requests that waited for a load once it is done (their decode and hand-off to the model), so the loader
     * thread never runs pipeline code and moves on to the next load at once. Never blocks.
     */
    Executor waiters();

    /**
     * Runs load and unload steps. It must run them one at a time, in submission order: footprints are measured as
     * the change of resident memory across a load, which is only attributable when nothing else loads or unloads
     * meanwhile. Its tasks may block (they wait for ModelHost's loader threads).
     */
    Executor loader();

    /** Resident memory of this process in bytes, -1 if unknown. */
    long residentBytes();

    /** Stops what this environment started (threads); never waits for queued loads. */
    @Override
    void close();

    /**
     * The real clock, a named waiters thread (wait bounds and hand-offs), a named single loader thread and
     * {@code /proc/self/status}.
     */
    static MmeEnvironment system(String hostName) {
        return new MmeSystemEnvironment(hostName);
    }
}
