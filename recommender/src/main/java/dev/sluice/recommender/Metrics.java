package dev.sluice.recommender;

/**
 * A recommendation's numbers (SageMaker's {@code RecommendationMetrics}, plus the percentiles and the per-instance
 * price that explain them). Latencies are as a client of the gateway saw them, in milliseconds, at
 * {@link #maxInvocations}.
 *
 * @param instanceCostPerHour one instance's price per hour
 * @param costPerHour         the endpoint's price per hour: InitialInstanceCount instances
 * @param costPerInference    one instance's price per hour over the invocations it serves in an hour at
 *                            MaxInvocations; null when it serves none within the SLA
 * @param maxInvocations      invocations per minute one instance is sized for: the highest rate confirmed within the
 *                            SLA less the headroom ({@link RecommendRequest.Options#headroom()})
 * @param maxInvocationsMeasured the highest rate per minute confirmed within the SLA, before the headroom
 * @param modelLatencyMillis  latency at the SLA's percentile
 * @param cpuUtilization      the gateway's CPU at MaxInvocations, percent of all vCPUs
 * @param memoryUtilization   the gateway's memory at MaxInvocations, percent of the instance type's memory
 * @param memoryBytes         that memory in bytes (resident set for a local gateway, JVM memory for a remote one)
 * @param modelSetupTimeMillis CreateEndpoint to InService
 */
public record Metrics(double instanceCostPerHour, double costPerHour, Double costPerInference, long maxInvocations,
                      long maxInvocationsMeasured, Double modelLatencyMillis, Double p50Millis, Double p95Millis, Double p99Millis,
                      Double cpuUtilization, Double memoryUtilization, Long memoryBytes, Long modelSetupTimeMillis) {

    /** Invocations one dollar buys at MaxInvocations (0 when none within the SLA). */
    public double invocationsPerDollar() {
        return costPerInference == null || costPerInference <= 0 ? 0 : 1 / costPerInference;
    }
}
