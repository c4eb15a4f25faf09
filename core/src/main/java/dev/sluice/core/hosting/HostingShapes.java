package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads SageMaker control-plane request bodies (awsJson1_1, PascalCase members as the AWS SDKs send them) into
 * the hosting records, failing with {@link dev.sluice.core.ErrorCode#VALIDATION_EXCEPTION} on the first violated
 * constraint and naming its member path ({@code ProductionVariants.2.InitialInstanceCount}, list members counted
 * from 1 as SageMaker does). Members Sluice does not use ({@code ExecutionRoleArn}, {@code Tags},
 * {@code VpcConfig}, {@code KmsKeyId}, ...) are ignored, so an SDK request written for SageMaker is accepted as is.
 * A member of the wrong JSON type is a ValidationException too (SageMaker would answer SerializationException;
 * one error type keeps the SDKs' retry and waiter logic simple, and the message still names the member).
 */
public final class HostingShapes {
    /** SageMaker's pattern for model, endpoint, endpoint-config and variant names and container hostnames. */
    public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9])*");
    public static final int MAX_NAME_LENGTH = 63;
    public static final int MAX_DESIRED_WEIGHTS_AND_CAPACITIES = 10;

    private static final List<String> SORT_ORDERS = List.of(ListRequest.SORT_ASCENDING, ListRequest.SORT_DESCENDING);

    private HostingShapes() {
    }

    /**
     * A required top-level name member, e.g. {@code requireName(body, "EndpointName")}: 1–63 characters matching
     * {@link #NAME}.
     */
    public static String requireName(JsonNode request, String field) {
        JsonNode body = Json.body(request);
        return Check.name(field, Json.string(body, "", field));
    }

    /** CreateModel. */
    public static ModelDefinition parseModel(JsonNode createModelRequest) {
        JsonNode body = Json.body(createModelRequest);
        String modelName = Check.name("ModelName", Json.string(body, "", "ModelName"));
        JsonNode primary = Json.object(body, "", "PrimaryContainer");
        JsonNode containersNode = Json.array(body, "", "Containers");
        if (primary != null && containersNode != null) {
            throw Check.rule("1 validation error detected: specify exactly one of 'PrimaryContainer' and 'Containers', "
                    + "not both");
        }
        if (primary == null && containersNode == null) {
            throw Check.rule("1 validation error detected: specify exactly one of 'PrimaryContainer' and 'Containers'");
        }
        List<ContainerDefinition> containers = new ArrayList<>();
        if (primary != null) {
            containers.add(ContainerDefinition.read(primary, "PrimaryContainer."));
        } else {
            Check.size("Containers", containersNode.size(), 1, ModelDefinition.MAX_CONTAINERS);
            for (int i = 0; i < containersNode.size(); i++) {
                JsonNode container = Json.objectElement(containersNode, "Containers", i);
                containers.add(ContainerDefinition.read(container, Check.index("Containers", i) + "."));
            }
        }
        String executionMode = null;
        JsonNode executionConfig = Json.object(body, "", "InferenceExecutionConfig");
        if (executionConfig != null) {
            executionMode = Check.required("InferenceExecutionConfig.Mode",
                    Json.string(executionConfig, "InferenceExecutionConfig.", "Mode"));
        }
        return new ModelDefinition(modelName, containers, primary != null, executionMode);
    }

    /** CreateEndpointConfig. */
    public static EndpointConfigDefinition parseEndpointConfig(JsonNode createEndpointConfigRequest) {
        return EndpointConfigDefinition.read(Json.body(createEndpointConfigRequest));
    }

    /**
     * The {@code DeploymentConfig} member of CreateEndpoint or UpdateEndpoint (pass
     * {@code body.get("DeploymentConfig")}); null, JSON null or a missing node give null (no deployment config).
     */
    public static DeploymentConfig parseDeploymentConfig(JsonNode deploymentConfigOrNull) {
        if (deploymentConfigOrNull == null || deploymentConfigOrNull.isNull() || deploymentConfigOrNull.isMissingNode()) {
            return null;
        }
        return DeploymentConfig.read(deploymentConfigOrNull);
    }

    /**
     * {@code DesiredWeightsAndCapacities} of an UpdateEndpointWeightsAndCapacities request: 1–10 entries with
     * distinct variant names. {@code EndpointName} is not read here: use {@link #requireName}.
     */
    public static List<DesiredWeightAndCapacity> parseDesiredWeightsAndCapacities(JsonNode updateRequest) {
        JsonNode body = Json.body(updateRequest);
        String path = "DesiredWeightsAndCapacities";
        JsonNode entries = Check.required(path, Json.array(body, "", path));
        Check.size(path, entries.size(), 1, MAX_DESIRED_WEIGHTS_AND_CAPACITIES);
        List<DesiredWeightAndCapacity> result = new ArrayList<>(entries.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String at = Check.index(path, i) + ".";
            DesiredWeightAndCapacity entry = DesiredWeightAndCapacity.read(Json.objectElement(entries, path, i), at);
            Integer first = seen.putIfAbsent(entry.variantName(), i);
            if (first != null) {
                // Two targets for one variant would make the outcome depend on the order they are applied in.
                throw Check.violation(at + "VariantName", entry.variantName(), "Member must be unique within "
                        + path + " (also used by " + Check.index(path, first) + ".VariantName)");
            }
            result.add(entry);
        }
        return List.copyOf(result);
    }

    /**
     * ListEndpoints, ListEndpointConfigs, ListModels. {@code allowedSortBy} is the operation's SortBy enum
     * (e.g. {@code Name}, {@code CreationTime}, {@code Status} for ListEndpoints). {@code StatusEquals} is only
     * checked to be a string; use {@link #parseList(JsonNode, Set, Set)} to check it against the operation's
     * statuses.
     */
    public static ListRequest parseList(JsonNode listRequest, Set<String> allowedSortBy) {
        return parseList(listRequest, allowedSortBy, null);
    }

    /** As {@link #parseList(JsonNode, Set)}, also checking {@code StatusEquals} when {@code allowedStatuses} is not null. */
    public static ListRequest parseList(JsonNode listRequest, Set<String> allowedSortBy, Set<String> allowedStatuses) {
        Objects.requireNonNull(allowedSortBy, "allowedSortBy");
        JsonNode body = Json.body(listRequest);
        String nameContains = Json.string(body, "", "NameContains");
        String statusEquals = Json.string(body, "", "StatusEquals");
        if (allowedStatuses != null) {
            Check.oneOf("StatusEquals", statusEquals, List.copyOf(new TreeSet<>(allowedStatuses)));
        }
        String sortBy = Json.string(body, "", "SortBy");
        // Sorted so the message lists the choices the same way every time, whatever Set the caller passed.
        Check.oneOf("SortBy", sortBy, List.copyOf(new TreeSet<>(allowedSortBy)));
        String sortOrder = Json.string(body, "", "SortOrder");
        Check.oneOf("SortOrder", sortOrder, SORT_ORDERS);
        String nextToken = Json.string(body, "", "NextToken");
        Integer maxResults = Json.integer(body, "", "MaxResults");
        return new ListRequest(nameContains, statusEquals, sortBy, !ListRequest.SORT_ASCENDING.equals(sortOrder),
                nextToken, maxResults == null ? ListRequest.DEFAULT_MAX_RESULTS : maxResults,
                Json.timestamp(body, "", "CreationTimeAfter"), Json.timestamp(body, "", "CreationTimeBefore"));
    }

    /**
     * A container {@code Environment} map at {@code fieldPath} (e.g. {@code Containers.2.Environment}): at most 100
     * entries, keys 1–1024 characters of {@code [a-zA-Z_][a-zA-Z0-9_]*}, string values up to 1024 characters.
     * Null, JSON null or a missing node give an empty map. The result is immutable and keeps the request's order.
     */
    public static Map<String, String> parseEnvironment(JsonNode environmentOrNull, String fieldPath) {
        if (environmentOrNull == null || environmentOrNull.isNull() || environmentOrNull.isMissingNode()) {
            return Map.of();
        }
        if (!environmentOrNull.isObject()) {
            throw Json.wrongType(fieldPath, environmentOrNull, "a map of strings (JSON object)");
        }
        Check.size(fieldPath, environmentOrNull.size(), 0, ContainerDefinition.MAX_ENVIRONMENT_ENTRIES);
        Map<String, String> environment = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : environmentOrNull.properties()) {
            ContainerDefinition.checkEnvironmentKey(fieldPath, entry.getKey());
            JsonNode value = entry.getValue();
            String valuePath = fieldPath + "." + entry.getKey();
            if (value.isNull()) {
                throw Check.violation(valuePath, null, "Member must not be null");
            }
            if (!value.isTextual()) {
                throw Json.wrongType(valuePath, value, "a string");
            }
            environment.put(entry.getKey(), value.textValue());
        }
        return ContainerDefinition.checkedEnvironment(fieldPath, environment);
    }
}
