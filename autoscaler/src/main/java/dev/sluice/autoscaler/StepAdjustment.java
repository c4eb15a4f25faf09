package dev.sluice.autoscaler;

/**
 * One step: when {@code metric − threshold} falls in [{@code lowerBound}, {@code upperBound}), change capacity by
 * {@code scalingAdjustment}. A missing bound is infinite. Which end is inclusive follows AWS: above the threshold the
 * lower bound is inclusive and the upper exclusive, below it the other way round.
 */
public record StepAdjustment(double lowerBound, double upperBound, int scalingAdjustment) {
    public StepAdjustment {
        if (Double.isNaN(lowerBound) || Double.isNaN(upperBound) || lowerBound == Double.POSITIVE_INFINITY
                || upperBound == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("bounds must be numbers (a missing bound is infinite), got: ["
                    + lowerBound + ", " + upperBound + ")");
        }
        if (!(upperBound > lowerBound)) {
            throw new IllegalArgumentException("the upper bound must be greater than the lower bound, got: ["
                    + lowerBound + ", " + upperBound + ")");
        }
    }

    public boolean hasLowerBound() {
        return lowerBound != Double.NEGATIVE_INFINITY;
    }

    public boolean hasUpperBound() {
        return upperBound != Double.POSITIVE_INFINITY;
    }

    /** Whether {@code difference} (metric − threshold) falls in this step. */
    public boolean contains(double difference) {
        if (difference >= 0) {
            return difference >= lowerBound && difference < upperBound;
        }
        return difference > lowerBound && difference <= upperBound;
    }
}
