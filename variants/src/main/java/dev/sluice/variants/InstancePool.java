package dev.sluice.variants;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import io.micrometer.core.instrument.Counter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The instances of one variant and the choice among them per request. Membership is a copy-on-write array: the
 * request path reads one volatile snapshot and never takes a lock, while add and remove (rare: scaling, draining)
 * serialize among themselves. Every invocation, failed ones included, is recorded in the variant's metrics.
 */
public final class InstancePool implements InferenceService {
    private final String variantName;
    private final RoutingStrategy strategy;
    private final VariantMetrics metrics;
    private final Object membershipLock = new Object();
    private volatile Slot[] slots = new Slot[0];
    private final LongAdder outstanding = new LongAdder();

    public InstancePool(String variantName, RoutingStrategy strategy, VariantMetrics metrics) {
        this.variantName = Objects.requireNonNull(variantName, "variantName");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    public String variantName() {
        return variantName;
    }

    public RoutingStrategy strategy() {
        return strategy;
    }

    public VariantMetrics metrics() {
        return metrics;
    }

    /** @throws IllegalArgumentException when an instance with the same id is already in service */
    public void add(VariantInstance instance) {
        Objects.requireNonNull(instance, "instance");
        synchronized (membershipLock) {
            Slot[] current = slots;
            for (Slot slot : current) {
                if (slot.instance.id().equals(instance.id())) {
                    throw new IllegalArgumentException(
                            "instance " + instance.id() + " is already in variant " + variantName);
                }
            }
            Slot[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = new Slot(instance, metrics.addInstance(instance.id()));
            slots = grown;
            metrics.setInstances(grown.length);
        }
    }

    /**
     * Takes the instance out of routing at once; requests already dispatched to it run to completion. The future
     * completes with the instance when the last of them has finished (at once when none is in flight), so the
     * caller knows when it may stop the instance. An unknown id fails the future with IllegalArgumentException.
     */
    public CompletableFuture<VariantInstance> remove(String instanceId) {
        Objects.requireNonNull(instanceId, "instanceId");
        Slot removed = null;
        synchronized (membershipLock) {
            Slot[] current = slots;
            for (int i = 0; i < current.length; i++) {
                if (current[i].instance.id().equals(instanceId)) {
                    removed = current[i];
                    Slot[] shrunk = new Slot[current.length - 1];
                    System.arraycopy(current, 0, shrunk, 0, i);
                    System.arraycopy(current, i + 1, shrunk, i, current.length - i - 1);
                    slots = shrunk;
                    metrics.removeInstance(instanceId);
                    metrics.setInstances(shrunk.length);
                    break;
                }
            }
        }
        if (removed == null) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("variant " + variantName + " has no instance " + instanceId));
        }
        removed.retire();
        // A copy, so a caller cancelling its future cannot mark the instance drained.
        return removed.drained.copy();
    }

    public List<VariantInstance> instances() {
        Slot[] current = slots;
        List<VariantInstance> result = new ArrayList<>(current.length);
        for (Slot slot : current) {
            result.add(slot.instance);
        }
        return List.copyOf(result);
    }

    public int size() {
        return slots.length;
    }

    /** Requests dispatched by this pool and not yet finished, those on instances being drained included. */
    public long outstanding() {
        return outstanding.sum();
    }

    /** Requests in flight on one instance in service; 0 for an id not in service. */
    public long outstanding(String instanceId) {
        for (Slot slot : slots) {
            if (slot.instance.id().equals(instanceId)) {
                return slot.outstanding.get();
            }
        }
        return 0L;
    }

    @Override
    public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
        Slot slot = acquireSlot();
        if (slot == null) {
            SluiceException unavailable = new SluiceException(ErrorCode.SERVICE_UNAVAILABLE,
                    "variant " + variantName + " has no instance in service");
            metrics.record(request, null, unavailable);
            return CompletableFuture.failedFuture(unavailable);
        }
        slot.invocations.increment();
        outstanding.increment();
        CompletionStage<InferenceResponse> stage;
        try {
            stage = slot.instance.service().invoke(request);
            if (stage == null) {
                stage = CompletableFuture.failedFuture(new SluiceException(ErrorCode.INTERNAL_FAILURE,
                        "instance " + slot.instance.id() + " of variant " + variantName + " returned no result"));
            }
        } catch (Throwable thrown) {
            // A synchronous throw must still release the slot below, or the instance looks busy forever.
            stage = CompletableFuture.failedFuture(thrown);
        }
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        stage.whenComplete((response, failure) -> {
            slot.release();
            outstanding.decrement();
            SluiceException error = failure != null ? SluiceException.from(failure)
                    : response == null ? new SluiceException(ErrorCode.INTERNAL_FAILURE,
                            "instance " + slot.instance.id() + " of variant " + variantName + " returned null")
                    : null;
            try {
                metrics.record(request, error == null ? response : null, error);
            } finally {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(response);
                }
            }
        });
        return result;
    }

    private Slot acquireSlot() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (true) {
            Slot[] snapshot = slots;
            if (snapshot.length == 0) {
                return null;
            }
            Slot chosen = strategy == RoutingStrategy.RANDOM
                    ? snapshot[random.nextInt(snapshot.length)]
                    : leastOutstanding(snapshot, random);
            // Fails only when the slot was removed after this snapshot was read; the next read no longer has it.
            if (chosen.acquire()) {
                return chosen;
            }
        }
    }

    /**
     * A full scan: variants have at most tens of instances, where reading every counter costs less than the
     * extra imbalance of sampling two. Ties go to a uniformly random one of the least loaded, so an idle pool
     * spreads its load instead of piling onto the first instance.
     */
    private static Slot leastOutstanding(Slot[] snapshot, ThreadLocalRandom random) {
        Slot best = null;
        long bestLoad = Long.MAX_VALUE;
        int ties = 0;
        for (Slot slot : snapshot) {
            long load = slot.outstanding.get();
            if (load < bestLoad) {
                best = slot;
                bestLoad = load;
                ties = 1;
            } else if (load == bestLoad && random.nextInt(++ties) == 0) {
                best = slot;
            }
        }
        return best;
    }

    private static final class Slot {
        final VariantInstance instance;
        final Counter invocations;
        final AtomicLong outstanding = new AtomicLong();
        final CompletableFuture<VariantInstance> drained = new CompletableFuture<>();
        volatile boolean retired;

        Slot(VariantInstance instance, Counter invocations) {
            this.instance = instance;
            this.invocations = invocations;
        }

        /**
         * Increment first, then check {@code retired}; {@link #retire()} does the mirror image. With both sides
         * atomic, either the request sees the removal and backs off, or the removal sees the request and waits
         * for it: the drained future can never complete while a request is still being dispatched here.
         */
        boolean acquire() {
            outstanding.incrementAndGet();
            if (retired) {
                release();
                return false;
            }
            return true;
        }

        void release() {
            if (outstanding.decrementAndGet() == 0 && retired) {
                drained.complete(instance);
            }
        }

        void retire() {
            retired = true;
            if (outstanding.get() == 0) {
                drained.complete(instance);
            }
        }
    }
}
