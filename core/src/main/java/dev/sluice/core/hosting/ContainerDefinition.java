package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One container of a CreateModel request ({@code PrimaryContainer} or an entry of {@code Containers}).
 *
 * @param containerHostname  optional; names the container for Direct invocation
 *                           ({@code X-Amzn-SageMaker-Target-Container-Hostname}) and in pipelines
 * @param image              optional image reference, kept as given
 * @param mode               {@link #MODE_SINGLE_MODEL} (default) or {@link #MODE_MULTI_MODEL}
 * @param modelDataUrl       the artifact, from {@code ModelDataUrl} or {@code ModelDataSource.S3DataSource.S3Uri};
 *                           for multi-model containers the prefix a {@code TargetModel} is joined to; may be null
 *                           for single-model containers whose image carries the model
 * @param environment        container environment, in request order, never null
 * @param modelCacheSetting  {@code MultiModelConfig.ModelCacheSetting}: {@link #CACHE_ENABLED} (default) or
 *                           {@link #CACHE_DISABLED} (unload after every call)
 */
public record ContainerDefinition(String containerHostname, String image, String mode, String modelDataUrl,
                                  Map<String, String> environment, String modelCacheSetting) {
    public static final String MODE_SINGLE_MODEL = "SingleModel";
    public static final String MODE_MULTI_MODEL = "MultiModel";
    public static final String CACHE_ENABLED = "Enabled";
    public static final String CACHE_DISABLED = "Disabled";
    public static final int MAX_IMAGE_LENGTH = 255;
    public static final int MAX_MODEL_DATA_URL_LENGTH = 1024;
    public static final int MAX_ENVIRONMENT_ENTRIES = 100;
    public static final int MAX_ENVIRONMENT_KEY_LENGTH = 1024;
    public static final int MAX_ENVIRONMENT_VALUE_LENGTH = 1024;
    public static final Pattern ENVIRONMENT_KEY = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private static final List<String> MODES = List.of(MODE_SINGLE_MODEL, MODE_MULTI_MODEL);
    private static final List<String> CACHE_SETTINGS = List.of(CACHE_ENABLED, CACHE_DISABLED);
    private static final List<String> S3_DATA_TYPES = List.of("S3Prefix", "S3Object");
    private static final List<String> COMPRESSION_TYPES = List.of("None", "Gzip");
    /** SageMaker's pattern for Image: any run of non-whitespace. */
    private static final Pattern IMAGE = Pattern.compile("[\\S]+");

    public ContainerDefinition {
        mode = mode == null ? MODE_SINGLE_MODEL : mode;
        modelCacheSetting = modelCacheSetting == null ? CACHE_ENABLED : modelCacheSetting;
        environment = checkedEnvironment("Environment", environment == null ? Map.of() : environment);
        validate("", containerHostname, image, mode, modelDataUrl, modelCacheSetting);
    }

    public boolean multiModel() {
        return MODE_MULTI_MODEL.equals(mode);
    }

    static ContainerDefinition read(JsonNode container, String at) {
        String hostname = Json.string(container, at, "ContainerHostname");
        String image = Json.string(container, at, "Image");
        String mode = Json.string(container, at, "Mode");
        String modelDataUrl = Json.string(container, at, "ModelDataUrl");
        JsonNode source = Json.object(container, at, "ModelDataSource");
        if (source != null) {
            if (modelDataUrl != null) {
                throw Check.rule("1 validation error detected: specify only one of '" + at + "ModelDataUrl' and '"
                        + at + "ModelDataSource'");
            }
            modelDataUrl = readS3Uri(source, at + "ModelDataSource.");
        }
        Map<String, String> environment = HostingShapes.parseEnvironment(Json.member(container, "Environment"),
                at + "Environment");
        JsonNode multiModelConfig = Json.object(container, at, "MultiModelConfig");
        String cacheSetting = multiModelConfig == null ? null
                : Json.string(multiModelConfig, at + "MultiModelConfig.", "ModelCacheSetting");
        validate(at, hostname, image, mode, modelDataUrl, cacheSetting);
        return new ContainerDefinition(hostname, image, mode, modelDataUrl, environment, cacheSetting);
    }

    /**
     * {@code ModelDataSource.S3DataSource}: only the URI reaches the record. The data and compression types are
     * checked when given so a typo is caught, but a Sluice host tells a {@code .tar.gz} from a prefix by itself.
     */
    private static String readS3Uri(JsonNode source, String at) {
        JsonNode s3 = Check.required(at + "S3DataSource", Json.object(source, at, "S3DataSource"));
        String s3At = at + "S3DataSource.";
        String uri = Check.required(s3At + "S3Uri", Json.string(s3, s3At, "S3Uri"));
        Check.length(s3At + "S3Uri", uri, 1, MAX_MODEL_DATA_URL_LENGTH);
        Check.oneOf(s3At + "S3DataType", Json.string(s3, s3At, "S3DataType"), S3_DATA_TYPES);
        Check.oneOf(s3At + "CompressionType", Json.string(s3, s3At, "CompressionType"), COMPRESSION_TYPES);
        return uri;
    }

    /** Null mode and cache setting mean the defaults; {@code at} prefixes every path. */
    private static void validate(String at, String hostname, String image, String mode, String modelDataUrl,
                                 String cacheSetting) {
        Check.length(at + "ContainerHostname", hostname, 1, HostingShapes.MAX_NAME_LENGTH);
        Check.pattern(at + "ContainerHostname", hostname, HostingShapes.NAME);
        Check.length(at + "Image", image, 1, MAX_IMAGE_LENGTH);
        Check.pattern(at + "Image", image, IMAGE);
        Check.oneOf(at + "Mode", mode, MODES);
        Check.length(at + "ModelDataUrl", modelDataUrl, 1, MAX_MODEL_DATA_URL_LENGTH);
        Check.oneOf(at + "MultiModelConfig.ModelCacheSetting", cacheSetting, CACHE_SETTINGS);
        // A multi-model host resolves each TargetModel against this prefix; without one it could load nothing.
        if (MODE_MULTI_MODEL.equals(mode) && modelDataUrl == null) {
            throw Check.violation(at + "ModelDataUrl", null, "Member must not be null when Mode is MultiModel");
        }
    }

    /**
     * Checks an environment and returns an immutable copy that keeps the request's order (DescribeModel echoes it).
     * {@code path} names the map, e.g. {@code Containers.2.Environment}.
     */
    static Map<String, String> checkedEnvironment(String path, Map<String, String> environment) {
        Check.size(path, environment.size(), 0, MAX_ENVIRONMENT_ENTRIES);
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : environment.entrySet()) {
            checkEnvironmentKey(path, entry.getKey());
            String valuePath = path + "." + entry.getKey();
            Check.required(valuePath, entry.getValue());
            Check.length(valuePath, entry.getValue(), 0, MAX_ENVIRONMENT_VALUE_LENGTH);
            copy.put(entry.getKey(), entry.getValue());
        }
        return Collections.unmodifiableMap(copy);
    }

    /** Keys are checked before they are used in a path, so a message never carries an unbounded key. */
    static void checkEnvironmentKey(String path, String key) {
        if (key == null) {
            throw Check.violation(path, null, "Map keys must satisfy constraint: [Member must not be null]");
        }
        if (key.isEmpty() || key.length() > MAX_ENVIRONMENT_KEY_LENGTH) {
            throw Check.violation(path, key, "Map keys must satisfy constraint: [Member must have length between 1 and "
                    + MAX_ENVIRONMENT_KEY_LENGTH + "]");
        }
        if (!ENVIRONMENT_KEY.matcher(key).matches()) {
            throw Check.violation(path, key, "Map keys must satisfy constraint: [Member must satisfy regular "
                    + "expression pattern: " + ENVIRONMENT_KEY.pattern() + "]");
        }
    }
}
