package dev.sluice.autoscaler;

import java.util.Optional;

/**
 * A step policy's {@code MetricAggregationType}. Kept and echoed for AWS compatibility; Sluice's alarm evaluates
 * one value per tick (the metric's own window), so the three read the same.
 */
public enum MetricAggregationType {
    AVERAGE("Average"),
    MINIMUM("Minimum"),
    MAXIMUM("Maximum");

    private final String awsName;

    MetricAggregationType(String awsName) {
        this.awsName = awsName;
    }

    public String awsName() {
        return awsName;
    }

    public static Optional<MetricAggregationType> fromAwsName(String name) {
        for (MetricAggregationType t : values()) {
            if (t.awsName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
