package dev.sluice.variants;

import java.util.Objects;

/**
 * A production variant as the router sees it: its traffic weight (share = weight / sum of the fleet's weights,
 * SageMaker's {@code CurrentWeight}) and the pool of instances that serves it.
 */
public record VariantRoute(String name, String modelName, double weight, InstancePool pool) {

    public VariantRoute {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(pool, "pool");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (!Double.isFinite(weight) || weight < 0) {
            throw new IllegalArgumentException("weight must be finite and >= 0, got: " + weight);
        }
    }

    public VariantRoute withWeight(double newWeight) {
        return new VariantRoute(name, modelName, newWeight, pool);
    }
}
