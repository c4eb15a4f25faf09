package dev.sluice.variants;

import java.util.Objects;

/**
 * A shadow variant: it receives a copy of {@code samplingFraction} of the endpoint's requests; its responses are
 * compared with production's and discarded, never returned to a client.
 */
public record ShadowRoute(String name, String modelName, double samplingFraction, InstancePool pool) {

    public ShadowRoute {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(pool, "pool");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (!(samplingFraction >= 0.0 && samplingFraction <= 1.0)) {
            throw new IllegalArgumentException("samplingFraction must be in [0, 1], got: " + samplingFraction);
        }
    }
}
