package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;

/**
 * Reading the members of a job request (CreateTransformJob, CreateCompilationJob) the way AWS validates them: a
 * member of the wrong JSON type, out of range or missing is a ValidationException that names its dotted path.
 */
final class JobRequests {
    private JobRequests() {
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
}
