package dev.sluice.loadtests;

import java.util.Arrays;

/**
 * Ranks 1..n with P(k) proportional to 1 / k^exponent (Zipf), drawn by inverting the cumulative distribution with a
 * binary search: O(n) memory once, O(log n) per draw, exact for any exponent (including 0, the uniform mix), unlike
 * rejection samplers that only suit exponents above 1. Immutable, so any number of threads may share it.
 */
final class ZipfSampler {
    private final double[] cumulative;

    ZipfSampler(int n, double exponent) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive, got " + n);
        }
        if (!(exponent >= 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException("exponent must be a non-negative number, got " + exponent);
        }
        cumulative = new double[n];
        double sum = 0;
        for (int k = 1; k <= n; k++) {
            sum += 1 / Math.pow(k, exponent);
            cumulative[k - 1] = sum;
        }
        for (int i = 0; i < n; i++) {
            cumulative[i] /= sum;
        }
        // Rounding can leave the last entry a hair under 1; a draw of 0.9999999999 must still land on rank n.
        cumulative[n - 1] = 1.0;
    }

    int size() {
        return cumulative.length;
    }

    /** P(rank). */
    double probability(int rank) {
        if (rank < 1 || rank > cumulative.length) {
            throw new IllegalArgumentException("rank must be in 1.." + cumulative.length + ", got " + rank);
        }
        return cumulative[rank - 1] - (rank == 1 ? 0 : cumulative[rank - 2]);
    }

    /** The rank (1-based) for a uniform draw {@code u} in [0, 1). */
    int rank(double u) {
        if (!(u >= 0 && u < 1)) {
            throw new IllegalArgumentException("u must be in [0, 1), got " + u);
        }
        int i = Arrays.binarySearch(cumulative, u);
        // An exact hit on a boundary belongs to the next rank: rank k covers [cumulative[k-2], cumulative[k-1]).
        int index = i >= 0 ? i + 1 : -i - 1;
        return Math.min(index, cumulative.length - 1) + 1;
    }
}
