package dev.sluice.core.hosting;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Constraint checks that fail with SageMaker's ValidationException wording ("1 validation error detected: Value 'x'
 * at 'Path' failed to satisfy constraint: Member must ..."). SageMaker reports every violated constraint at once;
 * Sluice stops at the first, which is why the count is always 1. Every check takes the full JSON path, so the same
 * rule gives {@code InitialInstanceCount} when a record is built directly and
 * {@code ProductionVariants.2.InitialInstanceCount} when it is parsed from a request.
 */
final class Check {
    /** Echoed values are cut here: a 1 MiB environment value must not come back in full in an error body. */
    static final int MAX_ECHO = 100;

    private Check() {
    }

    static SluiceException violation(String path, Object value, String constraint) {
        return described(path, echo(value), constraint);
    }

    /** For values SageMaker itself describes rather than echoes (lists, maps, JSON objects). */
    static SluiceException described(String path, String valueDescription, String constraint) {
        return new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value " + valueDescription
                + " at '" + path + "' failed to satisfy constraint: " + constraint);
    }

    /** A rule across members (exactly-one-of, uniqueness across lists): a sentence naming the members involved. */
    static SluiceException rule(String message) {
        return new SluiceException(ErrorCode.VALIDATION_EXCEPTION, message);
    }

    static String echo(Object value) {
        if (value == null) {
            return "null";
        }
        String text = String.valueOf(value);
        if (text.length() > MAX_ECHO) {
            int cut = Character.isHighSurrogate(text.charAt(MAX_ECHO - 1)) ? MAX_ECHO - 1 : MAX_ECHO;
            text = text.substring(0, cut) + "... (" + text.length() + " characters)";
        }
        return "'" + text + "'";
    }

    static <T> T required(String path, T value) {
        if (value == null) {
            throw violation(path, null, "Member must not be null");
        }
        return value;
    }

    /** Null passes: optional members are checked only when given. */
    static void length(String path, String value, int min, int max) {
        if (value == null) {
            return;
        }
        if (value.length() < min) {
            throw violation(path, value, "Member must have length greater than or equal to " + min);
        }
        if (value.length() > max) {
            throw violation(path, value, "Member must have length less than or equal to " + max);
        }
    }

    /** Call after {@link #length}: the length bound keeps the regex input small. Null passes. */
    static void pattern(String path, String value, Pattern pattern) {
        if (value != null && !pattern.matcher(value).matches()) {
            throw violation(path, value, "Member must satisfy regular expression pattern: " + pattern.pattern());
        }
    }

    /** A required SageMaker resource or variant name: 1–63 characters of {@link HostingShapes#NAME}. */
    static String name(String path, String value) {
        required(path, value);
        length(path, value, 1, HostingShapes.MAX_NAME_LENGTH);
        pattern(path, value, HostingShapes.NAME);
        return value;
    }

    static void range(String path, long value, long min, long max) {
        if (value < min) {
            throw violation(path, value, "Member must have value greater than or equal to " + min);
        }
        if (value > max) {
            throw violation(path, value, "Member must have value less than or equal to " + max);
        }
    }

    static void atLeast(String path, double value, double min) {
        if (!Double.isFinite(value)) {
            throw violation(path, value, "Member must be a finite number");
        }
        if (value < min) {
            throw violation(path, value, "Member must have value greater than or equal to " + min);
        }
    }

    /** Null passes (the caller applies the default). */
    static void oneOf(String path, String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw violation(path, value, "Member must satisfy enum value set: " + allowed);
        }
    }

    /** List and map sizes; SageMaker words these as lengths too. */
    static void size(String path, int size, int min, int max) {
        if (size < min) {
            throw described(path, "with " + size + " entries", "Member must have length greater than or equal to " + min);
        }
        if (size > max) {
            throw described(path, "with " + size + " entries", "Member must have length less than or equal to " + max);
        }
    }

    /** Records hold immutable lists; a null element would otherwise surface as a bare NullPointerException. */
    static <T> List<T> elements(String path, List<T> list) {
        required(path, list);
        for (int i = 0; i < list.size(); i++) {
            required(index(path, i), list.get(i));
        }
        return List.copyOf(list);
    }

    /** SageMaker numbers list members from 1 in its messages ({@code productionVariants.1.member...}). */
    static String index(String path, int zeroBased) {
        return path + "." + (zeroBased + 1);
    }
}
