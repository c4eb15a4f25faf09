package dev.sluice.recommender;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One row of the result: a configuration on an instance type, measured or estimated, and what it costs.
 *
 * @param recommendationId    {@code <instance type>/<candidate label>}
 * @param rank                1 for the cheapest per inference among the rows of its kind (measured or estimated)
 *                            that meet the SLA; null for rows that do not
 * @param estimated           scaled from a measurement on another type by {@link Estimator}, not measured
 * @param estimatedFrom       the measured row an estimate was scaled from
 * @param environment         the container environment that deploys it
 * @param initialInstanceCount instances needed for the requested maximum load (1 without one; 0 when the row serves
 *                            nothing within the SLA)
 * @param steps               the load steps measured (empty for estimated rows)
 * @param gateway             the admin URL of the gateway it was measured on; null for estimated rows
 * @param error               why it could not be measured, or null
 */
public record Recommendation(String recommendationId, Integer rank, boolean estimated, String estimatedFrom,
                             boolean meetsSla, Candidate candidate, Map<String, String> environment,
                             int initialInstanceCount, Metrics metrics, List<LoadStep> steps, StopReason stoppedBy,
                             String gateway, String error) {
    public Recommendation {
        Objects.requireNonNull(recommendationId, "recommendationId");
        Objects.requireNonNull(candidate, "candidate");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(metrics, "metrics");
        steps = List.copyOf(steps);
        Objects.requireNonNull(stoppedBy, "stoppedBy");
    }

    public InstanceType instanceType() {
        return candidate.instanceType();
    }

    public Recommendation withRank(Integer value) {
        return new Recommendation(recommendationId, value, estimated, estimatedFrom, meetsSla, candidate, environment,
                initialInstanceCount, metrics, steps, stoppedBy, gateway, error);
    }
}
