package dev.sluice.autoscaler;

import java.util.Optional;

/** How a step's {@code ScalingAdjustment} is applied to the current capacity. */
public enum AdjustmentType {
    CHANGE_IN_CAPACITY("ChangeInCapacity"),
    PERCENT_CHANGE_IN_CAPACITY("PercentChangeInCapacity"),
    EXACT_CAPACITY("ExactCapacity");

    private final String awsName;

    AdjustmentType(String awsName) {
        this.awsName = awsName;
    }

    public String awsName() {
        return awsName;
    }

    public static Optional<AdjustmentType> fromAwsName(String name) {
        for (AdjustmentType t : values()) {
            if (t.awsName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
