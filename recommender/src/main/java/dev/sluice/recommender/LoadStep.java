package dev.sluice.recommender;

import dev.sluice.recommender.StoppingConditions.Percentile;

/**
 * One measured load step: a rate offered for a duration, and what came back. Latencies are in milliseconds from each
 * request's scheduled start (so time spent waiting to be sent counts), over the requests that succeeded.
 *
 * @param kind                 {@code warmup}, {@code stairs}, {@code refine}, {@code confirm}, {@code phase} or
 *                             {@code verify}
 * @param ratePerSecond        the offered rate
 * @param requests             requests scheduled in the step
 * @param errors               of which failed: non-2xx answers, timeouts, connection errors, and requests that could
 *                             not start because the in-flight bound was reached
 * @param throughputPerSecond  successful answers per second of the step
 * @param cpuUtilization       the gateway process's CPU over the step, percent of all its vCPUs; null if unknown
 * @param memoryUtilization    the gateway process's memory at the end of the step, percent of the instance type's
 *                             memory; null if unknown
 * @param maxScheduleLagMillis how late the generator itself sent a request, at worst (it is part of the latencies)
 * @param earlyP50Millis       median latency of the step's first third of requests (by schedule), or null
 * @param lateP50Millis        median latency of its last third, or null
 * @param passed               whether the step met the SLA
 */
public record LoadStep(String kind, double ratePerSecond, double durationSeconds, long requests, long errors,
                       double throughputPerSecond, Double p50Millis, Double p95Millis, Double p99Millis,
                       Double maxMillis, Double cpuUtilization, Double memoryUtilization, Long memoryBytes,
                       double maxScheduleLagMillis, Double earlyP50Millis, Double lateP50Millis, boolean passed) {
    /**
     * Whether requests waited longer as the step went on: the last third's median latency above twice the first
     * third's plus {@code slackMillis}. At a sustainable rate the queue stays level, so the two are alike; above it
     * the backlog grows for as long as the rate is offered, and a step that ends before the percentile crosses the
     * SLA would otherwise pass a rate that no longer run can hold.
     */
    public boolean backlogGrew(double slackMillis) {
        return earlyP50Millis != null && lateP50Millis != null
                && lateP50Millis > 2 * earlyP50Millis + slackMillis;
    }

    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }

    public Double latencyAt(Percentile percentile) {
        return switch (percentile) {
            case P50 -> p50Millis;
            case P95 -> p95Millis;
            case P99 -> p99Millis;
        };
    }

    public LoadStep withPassed(boolean value) {
        return new LoadStep(kind, ratePerSecond, durationSeconds, requests, errors, throughputPerSecond, p50Millis,
                p95Millis, p99Millis, maxMillis, cpuUtilization, memoryUtilization, memoryBytes, maxScheduleLagMillis,
                earlyP50Millis, lateP50Millis, value);
    }

    public LoadStep withKind(String value) {
        return new LoadStep(value, ratePerSecond, durationSeconds, requests, errors, throughputPerSecond, p50Millis,
                p95Millis, p99Millis, maxMillis, cpuUtilization, memoryUtilization, memoryBytes, maxScheduleLagMillis,
                earlyP50Millis, lateP50Millis, passed);
    }
}
