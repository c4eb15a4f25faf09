package dev.sluice.variants;

import dev.sluice.variants.internal.VariantMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A meter registry plus the leases on its per-variant meters. One per server: every {@link VariantMetrics} of that
 * server is created from it, so that owners with identical tags (the old and new fleet of a blue/green deployment)
 * share meters and only the last one to close removes them (see {@link VariantMeters}).
 */
public final class VariantMeterRegistry {
    private final MeterRegistry registry;
    /** Guarded by {@code this}; touched only when a variant is created or closed, never per request. */
    private final Map<List<String>, VariantMeters> leases = new HashMap<>();

    public VariantMeterRegistry(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public MeterRegistry registry() {
        return registry;
    }

    synchronized VariantMeters acquire(String endpoint, String variant, String model) {
        VariantMeters meters = leases.computeIfAbsent(List.of(endpoint, variant, model),
                key -> new VariantMeters(registry, key, this::released));
        meters.lease();
        return meters;
    }

    private synchronized void released(VariantMeters meters) {
        leases.remove(meters.key(), meters);
    }

    /** Lease operations must be atomic with acquire, so the meters' own release runs under this lock. */
    synchronized void release(VariantMeters meters) {
        meters.releaseLease();
    }
}
