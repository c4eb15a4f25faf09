package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.AlarmRule;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * How control-plane resources are written: ARNs, awsJson1_1 timestamps, DescribeEndpoint's variant summaries, the
 * documents kept in the state store, and list pagination tokens.
 */
public final class Resources {
    private final String region;
    private final String account;
    private final ObjectMapper json;

    public Resources(String region, String account, ObjectMapper json) {
        this.region = region;
        this.account = account;
        this.json = json;
    }

    /** SageMaker ARNs carry the resource name in lower case. */
    public String arn(String type, String name) {
        return "arn:aws:sagemaker:" + region + ":" + account + ":" + type + "/" + name.toLowerCase(Locale.ROOT);
    }

    /** awsJson1_1 timestamps are epoch seconds as a JSON number (fractional for sub-second precision). */
    public static JsonNode time(Instant instant) {
        return DecimalNode.valueOf(BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3));
    }

    /** The {@code CreationTime} of a stored document. */
    public static Instant time(JsonNode doc) {
        JsonNode t = doc.path("CreationTime");
        return t.isNumber() ? Instant.ofEpochMilli(Math.round(t.asDouble() * 1000)) : Instant.EPOCH;
    }

    public static JsonNode stored(JsonNode request, Instant createdAt, ObjectMapper json) {
        ObjectNode doc = json.createObjectNode();
        doc.set("CreationTime", time(createdAt));
        doc.set("Request", request);
        return doc;
    }

    public ArrayNode variants(List<LiveVariant> variants, String status, Instant since) {
        ArrayNode list = json.createArrayNode();
        for (LiveVariant v : variants) {
            ObjectNode row = list.addObject();
            row.put("VariantName", v.name());
            String image = v.model.containers().get(0).image();
            ObjectNode deployed = row.putArray("DeployedImages").addObject();
            deployed.put("SpecifiedImage", image);
            deployed.put("ResolvedImage", image);
            row.put("CurrentWeight", v.weight);
            row.put("DesiredWeight", v.weight);
            row.put("CurrentInstanceCount", v.instanceCount());
            row.put("DesiredInstanceCount", v.desiredInstances);
            if (v.definition.isServerless()) {
                dev.sluice.core.hosting.ServerlessConfig serverless = v.definition.serverless();
                for (String field : List.of("CurrentServerlessConfig", "DesiredServerlessConfig")) {
                    ObjectNode config = row.putObject(field);
                    config.put("MemorySizeInMB", serverless.memorySizeInMb());
                    config.put("MaxConcurrency", serverless.maxConcurrency());
                    if (serverless.provisionedConcurrency() != null) {
                        config.put("ProvisionedConcurrency", serverless.provisionedConcurrency());
                    }
                }
            }
            ArrayNode statuses = row.putArray("VariantStatus");
            String variantStatus = status != null ? status : v.status;
            if (variantStatus != null) {
                ObjectNode s = statuses.addObject();
                s.put("Status", variantStatus);
                Instant start = status != null && since != null ? since : v.statusSince;
                if (start != null) {
                    s.set("StartTime", time(start));
                }
            }
        }
        return list;
    }

    public JsonNode endpointDocument(LiveEndpoint e) {
        ObjectNode doc = json.createObjectNode();
        doc.put("EndpointName", e.name);
        doc.put("EndpointConfigName", e.configName);
        doc.put("EndpointStatus", e.status);
        if (e.failureReason != null) {
            doc.put("FailureReason", e.failureReason);
        }
        doc.set("CreationTime", time(e.createdAt));
        doc.set("LastModifiedTime", time(e.modifiedAt));
        if (e.deploymentConfig != null) {
            doc.set("DeploymentConfig", e.deploymentConfig);
        }
        doc.set("EndpointConfig", e.configRequest);
        ObjectNode models = doc.putObject("Models");
        e.modelRequests.forEach(models::set);
        if (e.fleet != null) {
            ObjectNode variants = doc.putObject("Variants");
            for (LiveVariant v : e.fleet.all()) {
                ObjectNode row = variants.putObject(v.name());
                row.put("Weight", v.weight);
                row.put("InstanceCount", v.desiredInstances);
            }
        }
        return doc;
    }

    public static AlarmRule alarmFrom(String name, JsonNode doc) {
        if (doc == null || !doc.isObject()) {
            throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "an alarm is a JSON object with Metric, "
                    + "Threshold and optionally MinInvocations");
        }
        try {
            JsonNode metric = doc.get("Metric");
            JsonNode threshold = doc.get("Threshold");
            if (metric == null || !metric.isTextual()) {
                throw new IllegalArgumentException("Metric is required, one of " + metricNames());
            }
            if (threshold == null || !threshold.isNumber()) {
                throw new IllegalArgumentException("Threshold is required and must be a number");
            }
            JsonNode min = doc.get("MinInvocations");
            if (min != null && !min.canConvertToLong()) {
                throw new IllegalArgumentException("MinInvocations must be a whole number");
            }
            return new AlarmRule(name, AlarmRule.Metric.parse(metric.asText()), threshold.asDouble(),
                    min == null ? 1 : min.asLong());
        } catch (IllegalArgumentException e) {
            throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "alarm " + name + ": " + e.getMessage());
        }
    }

    private static List<String> metricNames() {
        return java.util.Arrays.stream(AlarmRule.Metric.values()).map(AlarmRule.Metric::metricName).toList();
    }

    public static JsonNode alarmDocument(AlarmRule rule, ObjectMapper json) {
        ObjectNode doc = json.createObjectNode();
        doc.put("AlarmName", rule.name());
        doc.put("Metric", rule.metric().metricName());
        doc.put("Threshold", rule.threshold());
        doc.put("MinInvocations", rule.minInvocations());
        return doc;
    }

    public static String encodeToken(int offset) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("o:" + offset)
                .getBytes(StandardCharsets.US_ASCII));
    }

    public static int decodeToken(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
            if (text.startsWith("o:")) {
                int offset = Integer.parseInt(text.substring(2));
                if (offset >= 0) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException e) {
            // fall through to the error below
        }
        throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "Invalid pagination token: NextToken '" + token
                + "' was not issued by this server.");
    }
}
