package dev.sluice.recommender.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The control-plane requests that deploy a configuration, built in one place: the load tests send them and the report
 * prints the same documents for the user to deploy the recommendation with.
 */
public final class HostingRequests {
    public static final String VARIANT_NAME = "AllTraffic";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HostingRequests() {
    }

    public static ObjectNode createModel(String modelName, String image, String modelDataUrl, Map<String, String> env) {
        ObjectNode request = JSON.createObjectNode().put("ModelName", modelName);
        ObjectNode container = request.putObject("PrimaryContainer").put("Image", image);
        if (modelDataUrl != null) {
            container.put("ModelDataUrl", modelDataUrl);
        }
        ObjectNode environment = container.putObject("Environment");
        env.forEach(environment::put);
        return request;
    }

    public static ObjectNode createEndpointConfig(String configName, String modelName, String instanceType,
                                                  int instanceCount) {
        ObjectNode request = JSON.createObjectNode().put("EndpointConfigName", configName);
        request.putArray("ProductionVariants").addObject()
                .put("VariantName", VARIANT_NAME)
                .put("ModelName", modelName)
                .put("InitialInstanceCount", instanceCount)
                .put("InstanceType", instanceType)
                .put("InitialVariantWeight", 1.0);
        return request;
    }

    public static ObjectNode createEndpoint(String endpointName, String configName) {
        return JSON.createObjectNode().put("EndpointName", endpointName).put("EndpointConfigName", configName);
    }
}
