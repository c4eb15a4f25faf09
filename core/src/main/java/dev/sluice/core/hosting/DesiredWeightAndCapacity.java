package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of UpdateEndpointWeightsAndCapacities' {@code DesiredWeightsAndCapacities}. At least one of the two
 * targets is given; a null one leaves that property of the variant as it is.
 *
 * @param variantName           the variant to change
 * @param desiredWeight         the new weight, at least 0; null to keep the current one
 * @param desiredInstanceCount  the new instance count, at least 0; null to keep the current one
 */
public record DesiredWeightAndCapacity(String variantName, Double desiredWeight, Integer desiredInstanceCount) {

    public DesiredWeightAndCapacity {
        validate("", variantName, desiredWeight, desiredInstanceCount);
    }

    static DesiredWeightAndCapacity read(JsonNode node, String at) {
        String variantName = Json.string(node, at, "VariantName");
        Double weight = Json.number(node, at, "DesiredWeight");
        Integer instanceCount = Json.integer(node, at, "DesiredInstanceCount");
        if (weight == null && instanceCount == null && Json.member(node, "ServerlessUpdateConfig") != null) {
            // Serverless capacity is fixed by the endpoint config in Sluice; say so rather than "nothing to do".
            throw Check.rule("1 validation error detected: '" + at + "ServerlessUpdateConfig' is not supported by "
                    + "Sluice; give '" + at + "DesiredWeight' or '" + at + "DesiredInstanceCount'");
        }
        validate(at, variantName, weight, instanceCount);
        return new DesiredWeightAndCapacity(variantName, weight, instanceCount);
    }

    private static void validate(String at, String variantName, Double weight, Integer instanceCount) {
        Check.name(at + "VariantName", variantName);
        if (weight == null && instanceCount == null) {
            throw Check.rule("1 validation error detected: at least one of '" + at + "DesiredWeight' and '" + at
                    + "DesiredInstanceCount' must be given");
        }
        if (weight != null) {
            Check.atLeast(at + "DesiredWeight", weight, 0);
        }
        if (instanceCount != null) {
            Check.range(at + "DesiredInstanceCount", instanceCount, 0, Integer.MAX_VALUE);
        }
    }
}
