package dev.sluice.autoscaler;

/**
 * A variant's live numbers, read once per evaluation tick from the autoscaler's scheduler thread (so cheap and
 * non-blocking: meter reads, not queries). The gateway implements it from its meters.
 */
public interface MetricsSource {

    /** Invocations of the variant since start: monotonic (a decrease is taken as a restart and resets the window). */
    long invocations();

    /**
     * Requests in flight on the variant now, summed over its instances. An implementation may instead return the
     * average over the last tick for a smoother concurrency metric.
     */
    double concurrentRequests();

    /** Instances in routing now: what per-instance metrics are normalised by. */
    int instances();
}
