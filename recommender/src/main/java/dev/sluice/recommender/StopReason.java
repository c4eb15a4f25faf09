package dev.sluice.recommender;

/** Why measuring a candidate stopped where it did. */
public enum StopReason {
    /** A step's latency percentile went over the SLA. */
    LATENCY_THRESHOLD("LatencyThreshold"),
    /** A step's queue kept growing: the rate is above what the candidate sustains. */
    SATURATED("Saturated"),
    /** A step failed too many requests. */
    ERRORS("ErrorRate"),
    /** The candidate met the SLA at the maximum invocations per minute; more was not asked for. */
    MAX_INVOCATIONS("MaxInvocations"),
    /** The step budget ran out before the SLA was crossed (the candidate may do more). */
    STEP_LIMIT("StepLimit"),
    /** The job's time budget ran out. */
    TIME_LIMIT("TimeLimit"),
    /** Every phase of a PHASES pattern met the SLA. */
    PHASES_COMPLETED("PhasesCompleted"),
    /** The candidate could not be deployed or its requests were refused. */
    FAILED("Failed"),
    /** Not measured: the time budget did not leave room for it. */
    SKIPPED("Skipped");

    private final String wireName;

    StopReason(String wireName) {
        this.wireName = wireName;
    }

    /** The name in recommendations.json. */
    public String wireName() {
        return wireName;
    }
}
