package dev.sluice.variants;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a variant spreads requests over its instances: SageMaker's {@code RoutingConfig.RoutingStrategy}. SageMaker's
 * default is {@link #RANDOM} on its own fleet, but least-outstanding-requests is what a gateway that sees every
 * in-flight request can do well, so Sluice defaults to it when the configuration says nothing.
 */
public enum RoutingStrategy {
    LEAST_OUTSTANDING_REQUESTS,
    RANDOM;

    /**
     * Parses the SageMaker spelling, ignoring case and surrounding blanks; null or blank means the default.
     *
     * @throws IllegalArgumentException naming the allowed values when {@code value} is none of them
     */
    public static RoutingStrategy parse(String value) {
        if (value == null || value.isBlank()) {
            return LEAST_OUTSTANDING_REQUESTS;
        }
        String normalized = value.strip().toUpperCase(Locale.ROOT);
        for (RoutingStrategy strategy : values()) {
            if (strategy.name().equals(normalized)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("RoutingStrategy must be one of "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ", got: " + value);
    }
}
