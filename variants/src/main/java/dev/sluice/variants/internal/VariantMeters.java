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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The registry meters of one (endpoint, variant, model), shared by every {@code VariantMetrics} with those tags.
 *
 * <p>Sharing is not optional: Micrometer hands every registration of the same name and tags the same meter, and
 * during a blue/green deployment the old and the new fleet often carry identical tags (same variant name, same
 * model, other instances). Were each owner to remove "its" meters on close, retiring the old fleet would take the
 * new fleet's meters off {@code /metrics} while the new fleet keeps counting into detached objects. So the meters
 * are leased: the last owner to close removes them. The lease table lives in the server's
 * {@code VariantMeterRegistry}, which serialises leasing; nothing here is touched per request except the meters.
 */
public final class VariantMeters {

    private final MeterRegistry registry;
    private final List<String> key;
    private final Tags tags;
    private final Counter invocations;
    private final Counter errors4xx;
    private final Counter errors5xx;
    private final Counter modelErrors;
    private final Counter retries;
    private final Timer modelLatency;
    private final Timer overheadLatency;
    private final List<Meter> variantMeters;
    private final AtomicLong weightBits = new AtomicLong(Double.doubleToLongBits(0.0));
    private final AtomicInteger instances = new AtomicInteger();
    /** Guarded by {@code this}. */
    private final Map<String, InstanceLease> instanceCounters = new HashMap<>();
    private final java.util.function.Consumer<VariantMeters> onLastRelease;
    /** Guarded by the owning VariantMeterRegistry. */
    private int owners;

    public VariantMeters(MeterRegistry registry, List<String> key,
                         java.util.function.Consumer<VariantMeters> onLastRelease) {
        this.registry = registry;
        this.key = List.copyOf(key);
        this.onLastRelease = onLastRelease;
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
        // No SageMaker metric to mirror (§10 lists none); operators need it to see instances refusing work (host
        // down, queue full) before a health check takes them out.
        this.retries = Counter.builder("sluice.instance.retries")
                .description("Requests re-sent to another instance after one answered ServiceUnavailable without"
                        + " executing them").tags(tags).register(registry);
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
        this.variantMeters = List.of(invocations, errors4xx, errors5xx, modelErrors, retries, modelLatency,
                overheadLatency, weight, instanceCount);
    }

    public List<String> key() {
        return key;
    }

    /** Called by the owning VariantMeterRegistry under its lock. */
    public void lease() {
        owners++;
    }

    /** Called by the owning VariantMeterRegistry under its lock; the last one out removes every meter. */
    public void releaseLease() {
        if (--owners > 0) {
            return;
        }
        onLastRelease.accept(this);
        List<Meter> toRemove = new ArrayList<>(variantMeters);
        synchronized (this) {
            instanceCounters.values().forEach(lease -> toRemove.add(lease.counter));
            instanceCounters.clear();
        }
        toRemove.forEach(registry::remove);
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

    public Counter retries() {
        return retries;
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
