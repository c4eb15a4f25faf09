package dev.sluice.recommender;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a recommendation job found (SageMaker's DescribeInferenceRecommendationsJob answer, plus the load steps).
 *
 * @param status             {@code COMPLETED}, or {@code STOPPED} when cancelled part way (measured rows so far)
 * @param localInstanceType  the type the local gateway stood for
 * @param instanceTypeSource why it stood for that type
 * @param measured           measured rows, ranked ({@link CostModel#rank})
 * @param estimated          estimated rows, ranked among themselves, never mixed with measured ones
 * @param recommended        the measured rank-1 row, or null when no configuration met the SLA
 * @param verification       the re-deployed recommendation measured again, or null when not performed
 * @param notes              caveats of this run that a reader should know (shown in every report)
 */
public record RecommendationReport(String jobName, String status, Instant creationTime, Instant completionTime,
                                   RecommendRequest request, InstanceType localInstanceType, String instanceTypeSource,
                                   List<Recommendation> measured, List<Recommendation> estimated,
                                   Recommendation recommended, Verification verification, List<String> notes) {
    public static final String COMPLETED = "COMPLETED";
    public static final String STOPPED = "STOPPED";

    public RecommendationReport {
        Objects.requireNonNull(jobName, "jobName");
        Objects.requireNonNull(request, "request");
        measured = List.copyOf(measured);
        estimated = List.copyOf(estimated);
        notes = List.copyOf(notes);
        if (measured.stream().anyMatch(Recommendation::estimated)
                || estimated.stream().anyMatch(r -> !r.estimated())) {
            throw new IllegalArgumentException("measured and estimated rows must not be mixed");
        }
    }

    /** Every candidate of the plan was measured and a configuration met the SLA (and held up when verified). */
    public boolean succeeded() {
        return recommended != null && (verification == null || verification.meetsSla());
    }
}
