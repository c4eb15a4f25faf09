package dev.sluice.autoscaler;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One production variant of one endpoint: the unit that scales. Its Application Auto Scaling resource ID is
 * {@code endpoint/<EndpointName>/variant/<VariantName>}.
 */
public record VariantKey(String endpointName, String variantName) {
    private static final String RESOURCE_PREFIX = "endpoint/";
    /** SageMaker endpoint and variant names: {@code [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}}. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");
    private static final Pattern RESOURCE_ID = Pattern.compile("endpoint/([^/]+)/variant/([^/]+)");

    public VariantKey {
        requireName(endpointName, "endpointName");
        requireName(variantName, "variantName");
    }

    private static void requireName(String value, String field) {
        Objects.requireNonNull(value, field);
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must match [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}, got: '" + value + "'");
        }
    }

    /** The Application Auto Scaling resource ID, {@code endpoint/<EndpointName>/variant/<VariantName>}. */
    public String resourceId() {
        return RESOURCE_PREFIX + endpointName + "/variant/" + variantName;
    }

    /** Parses a resource ID; empty when it is not {@code endpoint/<EndpointName>/variant/<VariantName>} with valid names. */
    public static Optional<VariantKey> fromResourceId(String resourceId) {
        if (resourceId == null) {
            return Optional.empty();
        }
        Matcher m = RESOURCE_ID.matcher(resourceId);
        if (!m.matches() || !NAME.matcher(m.group(1)).matches() || !NAME.matcher(m.group(2)).matches()) {
            return Optional.empty();
        }
        return Optional.of(new VariantKey(m.group(1), m.group(2)));
    }

    @Override
    public String toString() {
        return resourceId();
    }
}
