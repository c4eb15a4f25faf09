package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A blue/green step size ({@code CanarySize}, {@code LinearStepSize}).
 *
 * @param type   {@link #INSTANCE_COUNT} or {@link #CAPACITY_PERCENT}
 * @param value  greater than 0; a whole number of instances, or a percentage of the fleet up to 100
 */
public record CapacitySize(String type, double value) {
    public static final String INSTANCE_COUNT = "INSTANCE_COUNT";
    public static final String CAPACITY_PERCENT = "CAPACITY_PERCENT";
    private static final List<String> TYPES = List.of(INSTANCE_COUNT, CAPACITY_PERCENT);

    public CapacitySize {
        validate("", type, value);
    }

    public boolean isPercent() {
        return CAPACITY_PERCENT.equals(type);
    }

    static CapacitySize read(JsonNode node, String at) {
        String type = Check.required(at + "Type", Json.string(node, at, "Type"));
        double value = Check.required(at + "Value", Json.number(node, at, "Value"));
        validate(at, type, value);
        return new CapacitySize(type, value);
    }

    private static void validate(String at, String type, double value) {
        Check.required(at + "Type", type);
        Check.oneOf(at + "Type", type, TYPES);
        if (!Double.isFinite(value) || value <= 0) {
            throw Check.violation(at + "Value", value, "Member must have value greater than 0");
        }
        if (CAPACITY_PERCENT.equals(type) && value > 100) {
            throw Check.violation(at + "Value", value, "Member must have value less than or equal to 100 when Type is "
                    + CAPACITY_PERCENT);
        }
        // Half an instance cannot take traffic; SageMaker models this Value as an integer.
        if (INSTANCE_COUNT.equals(type) && value != Math.rint(value)) {
            throw Check.violation(at + "Value", value, "Member must be a whole number when Type is " + INSTANCE_COUNT);
        }
    }
}
