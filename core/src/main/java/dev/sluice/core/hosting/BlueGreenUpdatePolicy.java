package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * {@code DeploymentConfig.BlueGreenUpdatePolicy}: how UpdateEndpoint (and CreateEndpoint) shift traffic from the
 * old fleet to the new one.
 *
 * @param trafficRoutingType                {@code TrafficRoutingConfiguration.Type}: {@link #ALL_AT_ONCE},
 *                                          {@link #CANARY} or {@link #LINEAR}
 * @param waitIntervalInSeconds             {@code TrafficRoutingConfiguration.WaitIntervalInSeconds}, 0–3600: the
 *                                          baking time between steps, watched by the rollback alarms
 * @param canarySize                        the first step for {@link #CANARY}, null otherwise
 * @param linearStepSize                    every step for {@link #LINEAR}, null otherwise
 * @param terminationWaitInSeconds          how long the old fleet is kept after the switch, 0–3600, default 0
 * @param maximumExecutionTimeoutInSeconds  600–28800, null for no limit
 */
public record BlueGreenUpdatePolicy(String trafficRoutingType, int waitIntervalInSeconds, CapacitySize canarySize,
                                    CapacitySize linearStepSize, int terminationWaitInSeconds,
                                    Integer maximumExecutionTimeoutInSeconds) {
    public static final String ALL_AT_ONCE = "ALL_AT_ONCE";
    public static final String CANARY = "CANARY";
    public static final String LINEAR = "LINEAR";
    public static final int MAX_WAIT_SECONDS = 3600;
    public static final int MIN_EXECUTION_TIMEOUT_SECONDS = 600;
    public static final int MAX_EXECUTION_TIMEOUT_SECONDS = 28800;
    /** SageMaker: a canary is at most half the fleet; a linear step is 10–50% of it. */
    public static final double MAX_CANARY_PERCENT = 50;
    public static final double MIN_LINEAR_STEP_PERCENT = 10;
    public static final double MAX_LINEAR_STEP_PERCENT = 50;
    private static final List<String> TYPES = List.of(ALL_AT_ONCE, CANARY, LINEAR);

    public BlueGreenUpdatePolicy {
        validate("", trafficRoutingType, waitIntervalInSeconds, canarySize, linearStepSize, terminationWaitInSeconds,
                maximumExecutionTimeoutInSeconds);
    }

    static BlueGreenUpdatePolicy read(JsonNode node, String at) {
        String routingAt = at + "TrafficRoutingConfiguration.";
        JsonNode routing = Check.required(at + "TrafficRoutingConfiguration",
                Json.object(node, at, "TrafficRoutingConfiguration"));
        String type = Check.required(routingAt + "Type", Json.string(routing, routingAt, "Type"));
        int wait = Check.required(routingAt + "WaitIntervalInSeconds",
                Json.integer(routing, routingAt, "WaitIntervalInSeconds"));
        JsonNode canaryNode = Json.object(routing, routingAt, "CanarySize");
        CapacitySize canary = canaryNode == null ? null : CapacitySize.read(canaryNode, routingAt + "CanarySize.");
        JsonNode linearNode = Json.object(routing, routingAt, "LinearStepSize");
        CapacitySize linear = linearNode == null ? null : CapacitySize.read(linearNode, routingAt + "LinearStepSize.");
        Integer termination = Json.integer(node, at, "TerminationWaitInSeconds");
        Integer timeout = Json.integer(node, at, "MaximumExecutionTimeoutInSeconds");
        int terminationWait = termination == null ? 0 : termination;
        validate(at, type, wait, canary, linear, terminationWait, timeout);
        return new BlueGreenUpdatePolicy(type, wait, canary, linear, terminationWait, timeout);
    }

    private static void validate(String at, String type, int wait, CapacitySize canary, CapacitySize linear,
                                 int terminationWait, Integer timeout) {
        String routingAt = at + "TrafficRoutingConfiguration.";
        Check.required(routingAt + "Type", type);
        Check.oneOf(routingAt + "Type", type, TYPES);
        Check.range(routingAt + "WaitIntervalInSeconds", wait, 0, MAX_WAIT_SECONDS);
        requiredIff(routingAt + "CanarySize", canary, CANARY.equals(type), type);
        requiredIff(routingAt + "LinearStepSize", linear, LINEAR.equals(type), type);
        if (canary != null && canary.isPercent() && canary.value() > MAX_CANARY_PERCENT) {
            throw Check.violation(routingAt + "CanarySize.Value", canary.value(),
                    "Member must have value less than or equal to 50 (a canary is at most half the fleet)");
        }
        if (linear != null && linear.isPercent()
                && (linear.value() < MIN_LINEAR_STEP_PERCENT || linear.value() > MAX_LINEAR_STEP_PERCENT)) {
            throw Check.violation(routingAt + "LinearStepSize.Value", linear.value(),
                    "Member must have value between 10 and 50 (a linear step is 10-50% of the fleet)");
        }
        Check.range(at + "TerminationWaitInSeconds", terminationWait, 0, MAX_WAIT_SECONDS);
        if (timeout != null) {
            Check.range(at + "MaximumExecutionTimeoutInSeconds", timeout, MIN_EXECUTION_TIMEOUT_SECONDS,
                    MAX_EXECUTION_TIMEOUT_SECONDS);
            // SageMaker: the timeout must exceed the waiting the policy itself asks for, or no deployment could finish.
            if (timeout <= wait + terminationWait) {
                throw Check.violation(at + "MaximumExecutionTimeoutInSeconds", timeout, "Member must be greater than "
                        + routingAt + "WaitIntervalInSeconds + " + at + "TerminationWaitInSeconds ("
                        + (wait + terminationWait) + ")");
            }
        }
    }

    private static void requiredIff(String path, CapacitySize size, boolean required, String type) {
        if (required && size == null) {
            throw Check.violation(path, null, "Member must not be null when Type is " + type);
        }
        if (!required && size != null) {
            throw Check.described(path, "{...}", "Member must not be given when Type is " + type);
        }
    }
}
