package dev.sluice.autoscaler.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reading awsJson1_1 request members with AWS's error shapes: a missing required member is a ValidationException
 * worded as AWS words it, a member of the wrong JSON type is a SerializationException (what the real service answers
 * when its deserializer fails).
 */
public final class AwsJson {
    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AwsJson() {
    }

    public static SluiceException validation(String message) {
        return new SluiceException(ErrorCode.VALIDATION_EXCEPTION, message);
    }

    /** AWS's wording for a missing required member: the member name in lower camel case. */
    public static SluiceException missing(String member) {
        return validation("1 validation error detected: Value null at '" + lowerCamel(member)
                + "' failed to satisfy constraint: Member must not be null");
    }

    private static String lowerCamel(String member) {
        return Character.toLowerCase(member.charAt(0)) + member.substring(1);
    }

    private static SluiceException wrongType(String member, String expected, JsonNode value) {
        return new SluiceException(ErrorCode.SERIALIZATION, "member " + member + " must be " + expected + ", got: "
                + value);
    }

    private static JsonNode present(JsonNode body, String member) {
        JsonNode value = body == null ? null : body.get(member);
        return value == null || value.isNull() ? null : value;
    }

    public static String optString(JsonNode body, String member) {
        JsonNode value = present(body, member);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw wrongType(member, "a string", value);
        }
        return value.asText();
    }

    public static String requireString(JsonNode body, String member) {
        String value = optString(body, member);
        if (value == null) {
            throw missing(member);
        }
        return value;
    }

    public static Integer optInt(JsonNode body, String member) {
        JsonNode value = present(body, member);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw wrongType(member, "an integer", value);
        }
        return value.intValue();
    }

    public static Double optDouble(JsonNode body, String member) {
        JsonNode value = present(body, member);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()) {
            throw wrongType(member, "a number", value);
        }
        return value.doubleValue();
    }

    public static Boolean optBoolean(JsonNode body, String member) {
        JsonNode value = present(body, member);
        if (value == null) {
            return null;
        }
        if (!value.isBoolean()) {
            throw wrongType(member, "a boolean", value);
        }
        return value.booleanValue();
    }

    public static JsonNode optObject(JsonNode body, String member) {
        JsonNode value = present(body, member);
        if (value != null && !value.isObject()) {
            throw wrongType(member, "an object", value);
        }
        return value;
    }

    public static List<JsonNode> optArray(JsonNode body, String member) {
        JsonNode value = present(body, member);
        if (value == null) {
            return null;
        }
        if (!value.isArray()) {
            throw wrongType(member, "a list", value);
        }
        List<JsonNode> items = new ArrayList<>();
        value.forEach(items::add);
        return items;
    }

    public static List<String> optStringList(JsonNode body, String member) {
        List<JsonNode> items = optArray(body, member);
        if (items == null) {
            return null;
        }
        List<String> strings = new ArrayList<>();
        for (JsonNode item : items) {
            if (!item.isTextual()) {
                throw wrongType(member, "a list of strings", item);
            }
            strings.add(item.asText());
        }
        return strings;
    }

    /** awsJson1_1 timestamps: epoch seconds as a number, with milliseconds as the fraction. */
    public static void putTime(ObjectNode node, String member, Instant time) {
        if (time != null) {
            node.put(member, time.toEpochMilli() / 1000.0);
        }
    }

    /** One page of {@code items} from {@code NextToken}/{@code MaxResults} (1–50, default 50), with the next token. */
    public static <T> List<T> page(List<T> items, JsonNode body, ObjectNode response, String listMember,
                                   java.util.function.Function<T, JsonNode> render) {
        Integer max = optInt(body, "MaxResults");
        if (max != null && (max < 1 || max > 50)) {
            throw validation("1 validation error detected: Value " + max
                    + " at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50");
        }
        int size = max == null ? 50 : max;
        int from = 0;
        String token = optString(body, "NextToken");
        if (token != null) {
            try {
                from = Integer.parseInt(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                from = -1;
            }
            if (from < 0 || from > items.size()) {
                throw new SluiceException(ErrorCode.INVALID_NEXT_TOKEN, "Invalid token");
            }
        }
        int to = Math.min(items.size(), from + size);
        ArrayNode list = response.putArray(listMember);
        List<T> page = items.subList(from, to);
        page.forEach(item -> list.add(render.apply(item)));
        if (to < items.size()) {
            response.put("NextToken", Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(Integer.toString(to).getBytes(StandardCharsets.UTF_8)));
        }
        return page;
    }
}
