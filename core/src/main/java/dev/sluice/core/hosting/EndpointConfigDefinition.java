package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CreateEndpointConfig request. {@code DataCaptureConfig} and {@code AsyncInferenceConfig} are checked for shape
 * and otherwise not kept: Sluice neither captures data nor runs async inference from an endpoint config.
 *
 * @param endpointConfigName        the config's name
 * @param productionVariants        1–10 variants, in request order
 * @param shadowProductionVariants  empty when the request has none; otherwise exactly one, beside exactly one
 *                                  production variant (a shadow gets a copy of its traffic)
 */
public record EndpointConfigDefinition(String endpointConfigName, List<ProductionVariant> productionVariants,
                                       List<ProductionVariant> shadowProductionVariants) {
    public static final int MAX_VARIANTS = 10;

    private static final List<String> CAPTURE_MODES = List.of("Input", "Output", "InputAndOutput");

    public EndpointConfigDefinition {
        Check.name("EndpointConfigName", endpointConfigName);
        productionVariants = Check.elements("ProductionVariants", productionVariants);
        Check.size("ProductionVariants", productionVariants.size(), 1, MAX_VARIANTS);
        shadowProductionVariants = shadowProductionVariants == null ? List.of()
                : Check.elements("ShadowProductionVariants", shadowProductionVariants);
        if (!shadowProductionVariants.isEmpty()) {
            // SageMaker's shadow testing compares one production variant with one shadow, nothing wider.
            if (productionVariants.size() != 1) {
                throw Check.rule("1 validation error detected: with 'ShadowProductionVariants', 'ProductionVariants' "
                        + "must have exactly one variant, got " + productionVariants.size());
            }
            if (shadowProductionVariants.size() != 1) {
                throw Check.rule("1 validation error detected: 'ShadowProductionVariants' must have exactly one "
                        + "variant, got " + shadowProductionVariants.size());
            }
        }
        checkUniqueNames(productionVariants, shadowProductionVariants);
    }

    public boolean hasShadow() {
        return !shadowProductionVariants.isEmpty();
    }

    static EndpointConfigDefinition read(JsonNode body) {
        String name = Check.name("EndpointConfigName", Json.string(body, "", "EndpointConfigName"));
        JsonNode production = Check.required("ProductionVariants", Json.array(body, "", "ProductionVariants"));
        List<ProductionVariant> productionVariants = readVariants(production, "ProductionVariants");
        JsonNode shadow = Json.array(body, "", "ShadowProductionVariants");
        List<ProductionVariant> shadowVariants = shadow == null ? List.of()
                : readVariants(shadow, "ShadowProductionVariants");
        JsonNode dataCapture = Json.object(body, "", "DataCaptureConfig");
        if (dataCapture != null) {
            checkDataCapture(dataCapture, "DataCaptureConfig.");
        }
        JsonNode async = Json.object(body, "", "AsyncInferenceConfig");
        if (async != null) {
            checkAsyncInference(async, "AsyncInferenceConfig.");
        }
        return new EndpointConfigDefinition(name, productionVariants, shadowVariants);
    }

    private static List<ProductionVariant> readVariants(JsonNode array, String path) {
        // Sized before reading, so an absurdly long list costs nothing.
        Check.size(path, array.size(), 1, MAX_VARIANTS);
        List<ProductionVariant> variants = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            variants.add(ProductionVariant.read(Json.objectElement(array, path, i), Check.index(path, i) + "."));
        }
        return variants;
    }

    /** Variant names address traffic ({@code X-Amzn-SageMaker-Target-Variant}) and metrics, shadows included. */
    private static void checkUniqueNames(List<ProductionVariant> production, List<ProductionVariant> shadow) {
        Map<String, String> seen = new HashMap<>();
        List<ProductionVariant> all = new ArrayList<>(production);
        all.addAll(shadow);
        for (int i = 0; i < all.size(); i++) {
            String path = i < production.size() ? Check.index("ProductionVariants", i)
                    : Check.index("ShadowProductionVariants", i - production.size());
            String first = seen.putIfAbsent(all.get(i).variantName(), path);
            if (first != null) {
                throw Check.violation(path + ".VariantName", all.get(i).variantName(),
                        "Member must be unique across ProductionVariants and ShadowProductionVariants (also used by "
                                + first + ".VariantName)");
            }
        }
    }

    private static void checkDataCapture(JsonNode node, String at) {
        Json.bool(node, at, "EnableCapture");
        Integer sampling = Json.integer(node, at, "InitialSamplingPercentage");
        if (sampling != null) {
            Check.range(at + "InitialSamplingPercentage", sampling, 0, 100);
        }
        Json.string(node, at, "DestinationS3Uri");
        Json.string(node, at, "KmsKeyId");
        JsonNode options = Json.array(node, at, "CaptureOptions");
        if (options != null) {
            String path = at + "CaptureOptions";
            Check.size(path, options.size(), 1, CAPTURE_MODES.size());
            for (int i = 0; i < options.size(); i++) {
                String optionAt = Check.index(path, i) + ".";
                JsonNode option = Json.objectElement(options, path, i);
                String mode = Check.required(optionAt + "CaptureMode", Json.string(option, optionAt, "CaptureMode"));
                Check.oneOf(optionAt + "CaptureMode", mode, CAPTURE_MODES);
            }
        }
        JsonNode header = Json.object(node, at, "CaptureContentTypeHeader");
        if (header != null) {
            checkStrings(header, at + "CaptureContentTypeHeader.", "CsvContentTypes");
            checkStrings(header, at + "CaptureContentTypeHeader.", "JsonContentTypes");
        }
    }

    private static void checkAsyncInference(JsonNode node, String at) {
        JsonNode client = Json.object(node, at, "ClientConfig");
        if (client != null) {
            String clientAt = at + "ClientConfig.";
            Integer perInstance = Json.integer(client, clientAt, "MaxConcurrentInvocationsPerInstance");
            if (perInstance != null) {
                Check.range(clientAt + "MaxConcurrentInvocationsPerInstance", perInstance, 1, 1000);
            }
        }
        JsonNode output = Json.object(node, at, "OutputConfig");
        if (output != null) {
            String outputAt = at + "OutputConfig.";
            Json.string(output, outputAt, "KmsKeyId");
            Json.string(output, outputAt, "S3OutputPath");
            Json.string(output, outputAt, "S3FailurePath");
            JsonNode notification = Json.object(output, outputAt, "NotificationConfig");
            if (notification != null) {
                String notificationAt = outputAt + "NotificationConfig.";
                Json.string(notification, notificationAt, "SuccessTopic");
                Json.string(notification, notificationAt, "ErrorTopic");
                checkStrings(notification, notificationAt, "IncludeInferenceResponseIn");
            }
        }
    }

    private static void checkStrings(JsonNode parent, String at, String field) {
        JsonNode list = Json.array(parent, at, field);
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                Json.stringElement(list, at + field, i);
            }
        }
    }
}
