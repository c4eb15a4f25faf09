package dev.sluice.recommender;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cost arithmetic and ranking, as SageMaker's Inference Recommender states them: CostPerInference is an instance's
 * hourly price over what it serves in an hour at MaxInvocations, so it compares configurations independently of how
 * many instances a given load needs; CostPerHour is the whole endpoint (InitialInstanceCount instances).
 */
public final class CostModel {
    private CostModel() {
    }

    /**
     * Instances needed to serve {@code maxRpm}: {@code ceil(maxRpm / maxInvocations)}. Without a target load it is 1;
     * a configuration that serves nothing within the SLA needs "no number" of them, written 0.
     */
    public static int initialInstanceCount(long maxRpm, long maxInvocationsPerInstance) {
        if (maxInvocationsPerInstance <= 0) {
            return 0;
        }
        if (maxRpm <= 0) {
            return 1;
        }
        long count = (maxRpm + maxInvocationsPerInstance - 1) / maxInvocationsPerInstance;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, count));
    }

    /** Price per inference in dollars at MaxInvocations; null when the instance serves nothing within the SLA. */
    public static Double costPerInference(double pricePerHour, long maxInvocationsPerMinute) {
        if (maxInvocationsPerMinute <= 0) {
            return null;
        }
        return pricePerHour / (maxInvocationsPerMinute * 60.0);
    }

    /** The endpoint's hourly price: InitialInstanceCount (at least one) instances. */
    public static double costPerHour(double pricePerHour, int instanceCount) {
        return pricePerHour * Math.max(1, instanceCount);
    }

    /**
     * Ranks rows of one kind (all measured or all estimated): those that meet the SLA by cost per inference, then
     * lower latency at the SLA percentile, then fewer instances, numbered from 1; the rest follow unranked, by
     * MaxInvocations descending.
     */
    public static List<Recommendation> rank(List<Recommendation> rows) {
        if (rows.stream().map(Recommendation::estimated).distinct().count() > 1) {
            throw new IllegalArgumentException("measured and estimated rows are ranked separately");
        }
        Comparator<Recommendation> byCost = Comparator
                .comparing((Recommendation r) -> r.metrics().costPerInference(),
                        Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(r -> r.metrics().modelLatencyMillis(), Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparingInt(Recommendation::initialInstanceCount)
                .thenComparing(Recommendation::recommendationId);
        List<Recommendation> meeting = rows.stream().filter(Recommendation::meetsSla).sorted(byCost).toList();
        List<Recommendation> rest = rows.stream().filter(r -> !r.meetsSla())
                .sorted(Comparator.comparingLong((Recommendation r) -> -r.metrics().maxInvocations())
                        .thenComparing(Recommendation::recommendationId))
                .toList();
        List<Recommendation> out = new ArrayList<>();
        for (int i = 0; i < meeting.size(); i++) {
            out.add(meeting.get(i).withRank(i + 1));
        }
        for (Recommendation r : rest) {
            out.add(r.withRank(null));
        }
        return out;
    }
}
