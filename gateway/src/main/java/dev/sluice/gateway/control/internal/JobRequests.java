package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reading the members of a job request (CreateTransformJob, CreateCompilationJob) the way AWS validates them: a
 * member of the wrong JSON type, out of range or missing is a ValidationException that names its dotted path.
 */
final class JobRequests {
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");

    private JobRequests() {
    }

    /**
     * The required {@code RoleArn}, checked for shape only: Sluice reads and writes with the server's own settings, so
     * the role is never assumed, but a request AWS would refuse is refused here too.
     */
    static String roleArn(JsonNode request) {
        String role = string(request, "RoleArn");
        if (role == null) {
            throw invalid("RoleArn is required.");
        }
        if (role.length() < 20 || role.length() > 2048 || !ROLE_ARN.matcher(role).matches()) {
            throw invalid("Value '" + role + "' at 'RoleArn' failed to satisfy constraint: Member must satisfy regular"
                    + " expression pattern: ^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$");
        }
        return role;
    }

    static String string(JsonNode parent, String field) {
        JsonNode node = member(parent, field);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw invalid(field + " must be a string.");
        }
        return node.asText();
    }

    static Integer integer(JsonNode parent, String field, int min, int max) {
        JsonNode node = member(parent, field);
        if (node == null) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
            throw invalid(field + " must be an integer.");
        }
        int value = node.asInt();
        if (value < min || value > max) {
            throw invalid("Value " + value + " at '" + field + "' failed to satisfy constraint: Member must be between "
                    + min + " and " + max + ".");
        }
        return value;
    }

    static JsonNode requireObject(JsonNode parent, String field) {
        JsonNode node = object(parent, field);
        if (node == null) {
            throw invalid(field + " is required.");
        }
        return node;
    }

    static JsonNode object(JsonNode parent, String field) {
        JsonNode node = member(parent, field);
        if (node != null && !node.isObject()) {
            throw invalid(field + " must be an object.");
        }
        return node;
    }

    /** The member named by the last segment of a dotted field path; null when absent or JSON null. */
    static JsonNode member(JsonNode parent, String field) {
        if (parent == null) {
            return null;
        }
        JsonNode node = parent.get(field.substring(field.lastIndexOf('.') + 1));
        return node == null || node.isNull() ? null : node;
    }

    static SluiceException invalid(String message) {
        return new SluiceException(ErrorCode.VALIDATION_EXCEPTION, message);
    }

    static String choice(JsonNode parent, String field, List<String> allowed, boolean required) {
        String value = string(parent, field);
        if (value == null) {
            if (required) {
                throw invalid(field + " is required.");
            }
            return null;
        }
        if (!allowed.contains(value)) {
            throw enumViolation(value, field, allowed);
        }
        return value;
    }

    static SluiceException enumViolation(String value, String field, List<String> allowed) {
        return invalid("1 validation error detected: Value '" + value + "' at '" + field + "' failed to satisfy"
                + " constraint: Member must satisfy enum value set: " + allowed);
    }

    /** An epoch-seconds timestamp member (a list filter such as LastModifiedTimeAfter); null when absent. */
    static Instant timestamp(JsonNode request, String field) {
        JsonNode value = request == null ? null : request.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, field + " must be a timestamp (epoch seconds).");
        }
        BigDecimal millis = value.decimalValue().movePointRight(3);
        try {
            return Instant.ofEpochMilli(millis.longValueExact());
        } catch (ArithmeticException e) {
            return Instant.ofEpochMilli(millis.longValue());
        }
    }
}
