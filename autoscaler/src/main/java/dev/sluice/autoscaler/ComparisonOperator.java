package dev.sluice.autoscaler;

import java.util.Optional;

/** CloudWatch's alarm comparisons, for a step policy's {@link StepAlarm}. */
public enum ComparisonOperator {
    GREATER_THAN_OR_EQUAL_TO_THRESHOLD("GreaterThanOrEqualToThreshold"),
    GREATER_THAN_THRESHOLD("GreaterThanThreshold"),
    LESS_THAN_THRESHOLD("LessThanThreshold"),
    LESS_THAN_OR_EQUAL_TO_THRESHOLD("LessThanOrEqualToThreshold");

    private final String awsName;

    ComparisonOperator(String awsName) {
        this.awsName = awsName;
    }

    public String awsName() {
        return awsName;
    }

    /** Whether {@code value} breaches {@code threshold}. */
    public boolean breaches(double value, double threshold) {
        return switch (this) {
            case GREATER_THAN_OR_EQUAL_TO_THRESHOLD -> value >= threshold;
            case GREATER_THAN_THRESHOLD -> value > threshold;
            case LESS_THAN_THRESHOLD -> value < threshold;
            case LESS_THAN_OR_EQUAL_TO_THRESHOLD -> value <= threshold;
        };
    }

    public static Optional<ComparisonOperator> fromAwsName(String name) {
        for (ComparisonOperator c : values()) {
            if (c.awsName.equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
