package dev.sluice.core.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.SluiceException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Locale;

/**
 * Typed reads of awsJson1_1 request members. {@code at} is the path of the enclosing object with a trailing dot
 * ({@code ""} at the top, {@code "ProductionVariants.1."} below), so every error names the full member path.
 * Absent members and explicit JSON nulls both read as null: the AWS SDKs never send null, and treating it as
 * "not given" is what a hand-written client means by it.
 */
final class Json {
    private static final BigDecimal MIN_EPOCH_SECOND = BigDecimal.valueOf(Instant.MIN.getEpochSecond());
    private static final BigDecimal MAX_EPOCH_SECOND = BigDecimal.valueOf(Instant.MAX.getEpochSecond());

    private Json() {
    }

    static JsonNode body(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw Check.rule("1 validation error detected: the request body must be a JSON object");
        }
        return body;
    }

    static JsonNode member(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        return value == null || value.isNull() || value.isMissingNode() ? null : value;
    }

    static String string(JsonNode parent, String at, String field) {
        JsonNode value = member(parent, field);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw wrongType(at + field, value, "a string");
        }
        return value.textValue();
    }

    static Integer integer(JsonNode parent, String at, String field) {
        JsonNode value = member(parent, field);
        if (value == null) {
            return null;
        }
        // 3.0 is accepted as 3: some JSON writers (JavaScript's among them) do not keep the distinction.
        if (!value.isNumber() || !value.canConvertToExactIntegral()) {
            throw wrongType(at + field, value, "an integer");
        }
        if (!value.canConvertToInt()) {
            throw Check.violation(at + field, value.asText(), "Member must be a 32-bit integer");
        }
        return value.intValue();
    }

    static Double number(JsonNode parent, String at, String field) {
        JsonNode value = member(parent, field);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()) {
            throw wrongType(at + field, value, "a number");
        }
        double d = value.doubleValue();
        if (!Double.isFinite(d)) {
            throw Check.violation(at + field, value.asText(), "Member must be a finite number");
        }
        return d;
    }

    static Boolean bool(JsonNode parent, String at, String field) {
        JsonNode value = member(parent, field);
        if (value == null) {
            return null;
        }
        if (!value.isBoolean()) {
            throw wrongType(at + field, value, "a boolean");
        }
        return value.booleanValue();
    }

    static JsonNode object(JsonNode parent, String at, String field) {
        JsonNode value = member(parent, field);
        if (value != null && !value.isObject()) {
            throw wrongType(at + field, value, "a structure (JSON object)");
        }
        return value;
    }

    static JsonNode array(JsonNode parent, String at, String field) {
        JsonNode value = member(parent, field);
        if (value != null && !value.isArray()) {
            throw wrongType(at + field, value, "a list (JSON array)");
        }
        return value;
    }

    /** Element {@code i} of a list of structures; {@code path} is the list's path. */
    static JsonNode objectElement(JsonNode array, String path, int i) {
        JsonNode element = array.get(i);
        if (element == null || element.isNull()) {
            throw Check.violation(Check.index(path, i), null, "Member must not be null");
        }
        if (!element.isObject()) {
            throw wrongType(Check.index(path, i), element, "a structure (JSON object)");
        }
        return element;
    }

    /** Element {@code i} of a list of strings; {@code path} is the list's path. */
    static String stringElement(JsonNode array, String path, int i) {
        JsonNode element = array.get(i);
        if (element == null || element.isNull()) {
            throw Check.violation(Check.index(path, i), null, "Member must not be null");
        }
        if (!element.isTextual()) {
            throw wrongType(Check.index(path, i), element, "a string");
        }
        return element.textValue();
    }

    /**
     * awsJson1_1 sends timestamps as epoch seconds in a JSON number, with a fraction when there are sub-second
     * digits (the Java SDK writes {@code 1700000000.123}). ISO strings are what rest-json uses, not this protocol.
     */
    static Instant timestamp(JsonNode parent, String at, String field) {
        JsonNode value = member(parent, field);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()) {
            throw wrongType(at + field, value, "a timestamp (epoch seconds as a JSON number)");
        }
        if (value.isFloatingPointNumber() && !Double.isFinite(value.doubleValue()) && !value.isBigDecimal()) {
            throw Check.violation(at + field, value.asText(), "Member must be a finite number");
        }
        BigDecimal seconds = value.decimalValue();
        // Compared before any scaling: a BigDecimal such as 1E+999999999 would take unbounded memory to round.
        if (seconds.compareTo(MIN_EPOCH_SECOND) < 0 || seconds.compareTo(MAX_EPOCH_SECOND) > 0) {
            throw Check.violation(at + field, value.asText(), "Member must be a timestamp between "
                    + Instant.MIN + " and " + Instant.MAX);
        }
        // Below a tenth of a nanosecond from zero (1E-999999999, say): the epoch. Rounding such a value would
        // first build 10^scale, unbounded work for a short JSON number.
        if (seconds.signum() == 0 || seconds.precision() - seconds.scale() < -9) {
            return Instant.EPOCH;
        }
        BigDecimal rounded = seconds.setScale(9, RoundingMode.HALF_EVEN);
        BigDecimal whole = rounded.setScale(0, RoundingMode.FLOOR);
        long nanos = rounded.subtract(whole).movePointRight(9).longValue();
        try {
            return Instant.ofEpochSecond(whole.longValueExact(), nanos);
        } catch (DateTimeException | ArithmeticException e) {
            throw Check.violation(at + field, value.asText(), "Member must be a timestamp between "
                    + Instant.MIN + " and " + Instant.MAX);
        }
    }

    static SluiceException wrongType(String path, JsonNode value, String expected) {
        String echo = value.isObject() ? "{...}" : value.isArray() ? "[...]" : Check.echo(value.asText());
        return Check.described(path, echo, "Member must be " + expected + ", not a JSON "
                + value.getNodeType().name().toLowerCase(Locale.ROOT));
    }
}
