package dev.sluice.loadtests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts which production variant answered (the {@code x-Amzn-Invoked-Production-Variant} header) from Gatling's
 * many virtual users at once, and judges the observed shares against the expected weights.
 */
final class VariantSplit {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void record(String variant) {
        counts.computeIfAbsent(variant, v -> new LongAdder()).increment();
    }

    /** Observed counts by variant name, sorted by name. */
    Map<String, Long> counts() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((variant, count) -> snapshot.put(variant, count.sum()));
        return snapshot;
    }

    /**
     * What is wrong with the split, one line per problem; empty when every expected variant's share is within
     * {@code tolerance} (absolute, in shares: 0.05 = five points) of weight / sum of weights, no variant answered that
     * was not expected, and at least {@code minRequests} answers were counted (fewer cannot tell a split apart).
     */
    static List<String> problems(Map<String, Long> observed, Map<String, Double> expectedWeights, double tolerance,
                                 long minRequests) {
        List<String> problems = new ArrayList<>();
        long total = observed.values().stream().mapToLong(Long::longValue).sum();
        if (total < minRequests) {
            problems.add("only " + total + " answers counted, fewer than the " + minRequests
                    + " needed to judge a split");
            return problems;
        }
        double weightSum = expectedWeights.values().stream().mapToDouble(Double::doubleValue).sum();
        for (Map.Entry<String, Double> e : expectedWeights.entrySet()) {
            double expected = e.getValue() / weightSum;
            double actual = observed.getOrDefault(e.getKey(), 0L) / (double) total;
            if (Math.abs(actual - expected) > tolerance) {
                problems.add(String.format("variant %s got %.4f of %d requests, expected %.4f ± %.4f", e.getKey(),
                        actual, total, expected, tolerance));
            }
        }
        for (String variant : observed.keySet()) {
            if (!expectedWeights.containsKey(variant)) {
                problems.add("variant " + variant + " answered " + observed.get(variant)
                        + " requests but is not expected");
            }
        }
        return problems;
    }
}
