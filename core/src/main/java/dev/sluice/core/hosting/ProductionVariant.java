package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One entry of {@code ProductionVariants} or {@code ShadowProductionVariants}.
 *
 * @param variantName           unique within the endpoint config (production and shadow together)
 * @param modelName             the model this variant serves
 * @param initialInstanceCount  at least 1 for an instance-backed variant; 0 for a serverless one
 * @param instanceType          kept as given ({@code ml.m5.xlarge}); Sluice does not price or size by it; null
 *                              when not given (always null for serverless)
 * @param initialVariantWeight  at least 0, default {@value #DEFAULT_WEIGHT}; a variant's traffic share is its
 *                              weight over the sum of weights
 * @param routingStrategy       {@code RoutingConfig.RoutingStrategy}: {@link #ROUTING_LEAST_OUTSTANDING_REQUESTS}
 *                              (default) or {@link #ROUTING_RANDOM}
 * @param serverless            null for an instance-backed variant
 */
public record ProductionVariant(String variantName, String modelName, int initialInstanceCount, String instanceType,
                                double initialVariantWeight, String routingStrategy, ServerlessConfig serverless) {
    public static final double DEFAULT_WEIGHT = 1.0;
    public static final String ROUTING_LEAST_OUTSTANDING_REQUESTS = "LEAST_OUTSTANDING_REQUESTS";
    public static final String ROUTING_RANDOM = "RANDOM";
    public static final int MAX_INSTANCE_TYPE_LENGTH = 64;
    private static final List<String> ROUTING_STRATEGIES = List.of(ROUTING_LEAST_OUTSTANDING_REQUESTS, ROUTING_RANDOM);

    public ProductionVariant {
        routingStrategy = routingStrategy == null ? ROUTING_LEAST_OUTSTANDING_REQUESTS : routingStrategy;
        validate("", variantName, modelName, serverless == null || initialInstanceCount != 0 ? initialInstanceCount : null,
                instanceType, initialVariantWeight, routingStrategy, serverless);
    }

    public boolean isServerless() {
        return serverless != null;
    }

    static ProductionVariant read(JsonNode node, String at) {
        String variantName = Json.string(node, at, "VariantName");
        String modelName = Json.string(node, at, "ModelName");
        Integer instanceCount = Json.integer(node, at, "InitialInstanceCount");
        String instanceType = Json.string(node, at, "InstanceType");
        Double weight = Json.number(node, at, "InitialVariantWeight");
        JsonNode routingConfig = Json.object(node, at, "RoutingConfig");
        String routingStrategy = null;
        if (routingConfig != null) {
            String routingAt = at + "RoutingConfig.";
            routingStrategy = Check.required(routingAt + "RoutingStrategy",
                    Json.string(routingConfig, routingAt, "RoutingStrategy"));
        }
        JsonNode serverlessNode = Json.object(node, at, "ServerlessConfig");
        ServerlessConfig serverless = serverlessNode == null ? null
                : ServerlessConfig.read(serverlessNode, at + "ServerlessConfig.");
        double initialWeight = weight == null ? DEFAULT_WEIGHT : weight;
        validate(at, variantName, modelName, instanceCount, instanceType, initialWeight, routingStrategy, serverless);
        return new ProductionVariant(variantName, modelName, instanceCount == null ? 0 : instanceCount, instanceType,
                initialWeight, routingStrategy, serverless);
    }

    /** {@code instanceCount} is null when the request did not give one. */
    private static void validate(String at, String variantName, String modelName, Integer instanceCount,
                                 String instanceType, double weight, String routingStrategy, ServerlessConfig serverless) {
        Check.name(at + "VariantName", variantName);
        Check.name(at + "ModelName", modelName);
        if (serverless == null) {
            Check.required(at + "InitialInstanceCount", instanceCount);
            Check.range(at + "InitialInstanceCount", instanceCount, 1, Integer.MAX_VALUE);
        } else {
            // SageMaker sizes serverless variants itself; instance settings beside ServerlessConfig are a mistake.
            if (instanceCount != null) {
                throw Check.rule("1 validation error detected: '" + at + "InitialInstanceCount' must not be given "
                        + "for a serverless variant ('" + at + "ServerlessConfig' is set)");
            }
            if (instanceType != null) {
                throw Check.rule("1 validation error detected: '" + at + "InstanceType' must not be given "
                        + "for a serverless variant ('" + at + "ServerlessConfig' is set)");
            }
        }
        Check.length(at + "InstanceType", instanceType, 1, MAX_INSTANCE_TYPE_LENGTH);
        Check.atLeast(at + "InitialVariantWeight", weight, 0);
        Check.oneOf(at + "RoutingConfig.RoutingStrategy", routingStrategy, ROUTING_STRATEGIES);
    }
}
