package dev.sluice.variants.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The registry meters of one (endpoint, variant, model), shared by every {@code VariantMetrics} with those tags.
 *
 * <p>Sharing is not optional: Micrometer hands every registration of the same name and tags the same meter, and
 * during a blue/green deployment the old and the new fleet often carry identical tags (same variant name, same
 * model, other instances). Were each owner to remove "its" meters on close, retiring the old fleet would take the
 * new fleet's meters off {@code /metrics} while the new fleet keeps counting into detached objects. So the meters
 * are leased: the last owner to close removes them. The lease table is keyed by registry (weakly, so a registry
 * nobody references is not kept alive) and touched only when a variant is created or closed, never per request.
 */
public final class VariantMeters {
    private static final Map<MeterRegistry, Map<List<String>, VariantMeters>> LEASES = new WeakHashMap<>();

    private final MeterRegistry registry;
    private final List<String> key;
    private final Tags tags;
    private final Counter invocations;
    private final Counter errors4xx;
    private final Counter errors5xx;
    private final Counter modelErrors;
    private final Timer modelLatency;
    private final Timer overheadLatency;
    private final List<Meter> variantMeters;
    private final AtomicLong weightBits = new AtomicLong(Double.doubleToLongBits(0.0));
    private final AtomicInteger instances = new AtomicInteger();
    /** Guarded by {@code this}. */
    private final Map<String, InstanceLease> instanceCounters = new HashMap<>();
    /** Guarded by {@link #LEASES}. */
    private int owners;

    private VariantMeters(MeterRegistry registry, List<String> key) {
        this.registry = registry;
        this.key = key;
        this.tags = Tags.of("endpoint", key.get(0), "variant", key.get(1), "model", key.get(2));
        this.invocations = Counter.builder("sluice.invocations")
                .description("Invocations (SageMaker Invocations)").tags(tags).register(registry);
        this.errors4xx = Counter.builder("sluice.invocation.4xx.errors")
                .description("Invocations answered 4xx, model errors included (SageMaker Invocation4XXErrors)")
                .tags(tags).register(registry);
        this.errors5xx = Counter.builder("sluice.invocation.5xx.errors")
                .description("Invocations answered 5xx (SageMaker Invocation5XXErrors)").tags(tags).register(registry);
        this.modelErrors = Counter.builder("sluice.invocation.model.errors")
                .description("Invocations the model failed (SageMaker InvocationModelErrors)").tags(tags)
                .register(registry);
        this.modelLatency = Timer.builder("sluice.model.latency")
                .description("Time in model stages incl. queueing (SageMaker ModelLatency)").tags(tags)
                .publishPercentileHistogram().register(registry);
        this.overheadLatency = Timer.builder("sluice.overhead.latency")
                .description("Time outside the model (SageMaker OverheadLatency)").tags(tags)
                .publishPercentileHistogram().register(registry);
        Gauge weight = Gauge.builder("sluice.variant.weight", weightBits, bits -> Double.longBitsToDouble(bits.get()))
                .description("Current traffic weight (SageMaker CurrentWeight)").tags(tags).strongReference(true)
                .register(registry);
        Gauge instanceCount = Gauge.builder("sluice.variant.instances", instances, AtomicInteger::get)
                .description("Instances in service (SageMaker CurrentInstanceCount)").tags(tags)
                .strongReference(true).register(registry);
        this.variantMeters = List.of(invocations, errors4xx, errors5xx, modelErrors, modelLatency, overheadLatency,
                weight, instanceCount);
    }

    /** Takes a lease on the meters for these tags, registering them if nobody holds them yet. */
    public static VariantMeters acquire(MeterRegistry registry, String endpoint, String variant, String model) {
        Objects.requireNonNull(registry, "registry");
        List<String> key = List.of(endpoint, variant, model);
        synchronized (LEASES) {
            VariantMeters meters = LEASES.computeIfAbsent(registry, r -> new HashMap<>())
                    .computeIfAbsent(key, k -> new VariantMeters(registry, k));
            meters.owners++;
            return meters;
        }
    }

    /** Gives a lease back; the last one out removes every meter, per-instance counters included. */
    public void release() {
        // Removal happens under the lease lock so that an owner acquiring the same tags meanwhile registers fresh
        // meters instead of being handed ones about to be removed.
        synchronized (LEASES) {
            if (--owners > 0) {
                return;
            }
            Map<List<String>, VariantMeters> byKey = LEASES.get(registry);
            if (byKey != null) {
                byKey.remove(key, this);
                if (byKey.isEmpty()) {
                    LEASES.remove(registry);
                }
            }
            List<Meter> toRemove = new ArrayList<>(variantMeters);
            synchronized (this) {
                instanceCounters.values().forEach(lease -> toRemove.add(lease.counter));
                instanceCounters.clear();
            }
            toRemove.forEach(registry::remove);
        }
    }

    public Counter invocations() {
        return invocations;
    }

    public Counter errors4xx() {
        return errors4xx;
    }

    public Counter errors5xx() {
        return errors5xx;
    }

    public Counter modelErrors() {
        return modelErrors;
    }

    public Timer modelLatency() {
        return modelLatency;
    }

    public Timer overheadLatency() {
        return overheadLatency;
    }

    /** Last writer wins: when two fleets share the tags, the gauge shows the most recent routing decision. */
    public void setWeight(double weight) {
        weightBits.set(Double.doubleToLongBits(weight));
    }

    /** Owners add their own deltas, so the gauge shows every instance behind these tags. */
    public void addInstances(int delta) {
        instances.addAndGet(delta);
    }

    public synchronized Counter acquireInstance(String instanceId) {
        InstanceLease lease = instanceCounters.computeIfAbsent(instanceId, id -> new InstanceLease(
                Counter.builder("sluice.instance.invocations")
                        .description("Invocations sent to one instance (SageMaker InvocationsPerInstance)")
                        .tags(tags).tag("instance", id).register(registry)));
        lease.owners++;
        return lease.counter;
    }

    public synchronized void releaseInstance(String instanceId) {
        InstanceLease lease = instanceCounters.get(instanceId);
        if (lease != null && --lease.owners == 0) {
            instanceCounters.remove(instanceId);
            registry.remove(lease.counter);
        }
    }

    private static final class InstanceLease {
        final Counter counter;
        int owners;

        InstanceLease(Counter counter) {
            this.counter = counter;
        }
    }
}
