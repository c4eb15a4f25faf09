package dev.sluice.autoscaler;

import java.util.Objects;

/**
 * A registered scalable target: a variant's {@code DesiredInstanceCount} kept within [{@code minCapacity},
 * {@code maxCapacity}]. A minimum of 0 lets a variant scale to zero.
 */
public record ScalableTarget(VariantKey variant, int minCapacity, int maxCapacity, SuspendedState suspendedState) {
    public ScalableTarget {
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(suspendedState, "suspendedState");
        if (minCapacity < 0) {
            throw new IllegalArgumentException("minCapacity must not be negative, got: " + minCapacity);
        }
        if (maxCapacity < 0) {
            throw new IllegalArgumentException("maxCapacity must not be negative, got: " + maxCapacity);
        }
        if (minCapacity > maxCapacity) {
            throw new IllegalArgumentException("minCapacity (" + minCapacity + ") must not be greater than maxCapacity ("
                    + maxCapacity + ")");
        }
    }

    public ScalableTarget(VariantKey variant, int minCapacity, int maxCapacity) {
        this(variant, minCapacity, maxCapacity, SuspendedState.NONE);
    }

    public int clamp(int capacity) {
        return Math.max(minCapacity, Math.min(maxCapacity, capacity));
    }
}
