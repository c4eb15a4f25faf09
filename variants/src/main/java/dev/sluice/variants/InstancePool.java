package dev.sluice.variants;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.internal.Rendezvous;
import io.micrometer.core.instrument.Counter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instances of one variant and the choice among them per request. Membership is a copy-on-write array: the
 * request path reads one volatile snapshot and never takes a lock, while add and remove (rare: scaling, draining)
 * serialize among themselves. Every invocation, failed ones included, is recorded in the variant's metrics once,
 * with its final outcome.
 *
 * <p><b>Choosing an instance.</b> Only healthy instances are candidates ({@link #setHealthy}, usually driven by a
 * {@link HealthChecker}). A request naming a target model ({@code X-Amzn-SageMaker-Target-Model}) goes where that
 * model is likely loaded already: see {@link #HOT_MODEL_SPREAD_THRESHOLD} for the rule. Any other request follows the
 * pool's {@link RoutingStrategy}. Either way an instance that has just answered ServiceUnavailable is passed over
 * for a short while when another healthy instance is available (see {@link #SUSPECT_NANOS}).
 *
 * <p><b>Retrying.</b> In Sluice, ServiceUnavailable (503) from an instance means the request was not executed: a
 * remote host could not be reached before the request was written, or an in-process queue was full. Such a request
 * is sent once to each other healthy instance, fewest outstanding requests first, until one takes it; when all
 * refuse, the last refusal is the answer. Every other failure (a ModelError, 530 after the request was written, a
 * 4xx) is passed on as it is: the model may have run, and running it twice is not ours to decide.
 */
public final class InstancePool implements InferenceService {
    /**
     * How much busier (in outstanding requests) the instance a target model hashes to must be than the model's
     * second-ranked instance before a request for that model goes to the second one.
     *
     * <p>The rule: rank the healthy instances by rendezvous hash of (target model, instance id) and take the top
     * two, A and B. The request goes to B when {@code outstanding(A) - outstanding(B) >= threshold}, else to A.
     * Outstanding counts every request on the instance, other models' included: what matters is how long the
     * request would queue. A model therefore stays on one instance while it is cool, and a hot model spreads over
     * two, the same two for as long as membership and health stay put, so it is loaded on at most two instances
     * (every gateway replica computes the same ranking from the ids). Why 4, a judgement to revisit with
     * measurements: a spill costs a model load on B the first time (hundreds of milliseconds to seconds for a real
     * model) and memory there while it stays hot, whereas a queue a few requests deep on A is largely absorbed by
     * dynamic batching. Much lower, a momentary burst copies a model for nothing; much higher, A's queue grows long
     * before B helps. B is also the instance that inherits the model when A turns unhealthy or leaves, so a copy
     * made for a hot spell pays off again in a failover.
     */
    public static final int HOT_MODEL_SPREAD_THRESHOLD = 4;

    /**
     * How long an instance that answered ServiceUnavailable ranks behind every other healthy instance. Without it,
     * least-outstanding-requests is drawn to a host that fails fast (connection refused): it always has the fewest
     * requests in flight, so nearly every request would try it first and pay a failed attempt before its retry,
     * until the health checker, several probe intervals later, takes it out. One second limits that to the requests
     * of one instant per second, which doubles as an in-band probe, while a success on the instance ends it at once
     * (an in-process queue that was full a moment ago drains in milliseconds). It is a preference, never an
     * exclusion: a pool whose instances are all suspect still uses them.
     */
    static final long SUSPECT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Ranks suspect instances behind every healthy one in a single long comparison; loads never come near it. */
    private static final long SUSPECT_PENALTY = 1L << 62;

    private static final Logger log = LoggerFactory.getLogger(InstancePool.class);

    private final String variantName;
    private final RoutingStrategy strategy;
    private final VariantMetrics metrics;
    private final LongSupplier nanoClock;
    private final Object membershipLock = new Object();
    private volatile Slot[] slots = new Slot[0];
    private volatile ServerlessGate gate;
    private final LongAdder outstanding = new LongAdder();

    public InstancePool(String variantName, RoutingStrategy strategy, VariantMetrics metrics) {
        this(variantName, strategy, metrics, System::nanoTime);
    }

    /** @param nanoClock {@link System#nanoTime()} or a stand-in, so tests can step over the suspect period */
    InstancePool(String variantName, RoutingStrategy strategy, VariantMetrics metrics, LongSupplier nanoClock) {
        this.variantName = Objects.requireNonNull(variantName, "variantName");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
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

    /**
     * Puts the instance into routing, healthy.
     *
     * @throws IllegalArgumentException when an instance with the same id is already in service
     */
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
        ServerlessGate serverless = gate;
        if (serverless != null) {
            serverless.instanceAdded();
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

    /**
     * Marks an instance in service healthy or not. An unhealthy instance stays a member (it still counts in
     * {@link #size()} and {@link #instances()}) but gets no new requests; requests already on it finish. The flag is
     * read without a lock, so a request choosing at the very moment it flips may still land on the instance: a
     * health flag is advice about the near future, not a fence.
     *
     * @throws IllegalArgumentException when no instance with that id is in service
     */
    public void setHealthy(String instanceId, boolean healthy) {
        Objects.requireNonNull(instanceId, "instanceId");
        Slot slot = find(instanceId);
        if (slot == null) {
            throw new IllegalArgumentException("variant " + variantName + " has no instance " + instanceId);
        }
        slot.healthy = healthy;
    }

    /** Whether the instance may get new requests; false for an id not in service. */
    public boolean isHealthy(String instanceId) {
        Slot slot = find(instanceId);
        return slot != null && slot.healthy;
    }

    /** Whether an instance with this id is in service (healthy or not). */
    boolean contains(String instanceId) {
        return find(instanceId) != null;
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

    /**
     * Requests accepted by this pool and not yet finished, those on instances being drained included. A request
     * being retried counts once, however many instances it tries.
     */
    public long outstanding() {
        return outstanding.sum();
    }

    /** Requests in flight on one instance in service; 0 for an id not in service. */
    public long outstanding(String instanceId) {
        Slot slot = find(instanceId);
        return slot == null ? 0L : slot.outstanding.get();
    }

    @Override
    public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
        ServerlessGate serverless = gate;
        if (serverless != null) {
            return invokeServerless(serverless, request);
        }
        return dispatch(request);
    }

    /**
     * A serverless variant: over its concurrency cap a request is throttled at once; with no instance it waits for a
     * cold start (bounded by the gate) and then dispatches as usual.
     */
    private CompletionStage<InferenceResponse> invokeServerless(ServerlessGate serverless, InferenceRequest request) {
        if (!serverless.tryEnter()) {
            SluiceException throttled = serverless.throttled();
            metrics.record(request, null, throttled);
            return CompletableFuture.failedFuture(throttled);
        }
        CompletionStage<InferenceResponse> result;
        if (slots.length == 0) {
            CompletableFuture<InferenceResponse> afterColdStart = new CompletableFuture<>();
            serverless.awaitInstance().whenComplete((ready, failure) -> {
                if (failure != null) {
                    SluiceException e = SluiceException.from(failure);
                    metrics.record(request, null, e);
                    afterColdStart.completeExceptionally(e);
                    return;
                }
                dispatch(request).whenComplete((response, error) -> {
                    if (error != null) {
                        afterColdStart.completeExceptionally(error);
                    } else {
                        afterColdStart.complete(response);
                    }
                });
            });
            result = afterColdStart;
        } else {
            result = dispatch(request);
        }
        result.whenComplete((response, failure) -> serverless.exit());
        return result;
    }

    /** Makes this a serverless variant's pool (see {@link ServerlessGate}); set once, before traffic. */
    public void serverless(ServerlessGate serverless) {
        this.gate = Objects.requireNonNull(serverless, "serverless");
    }

    /** The serverless gate, if this is a serverless variant's pool. */
    public java.util.Optional<ServerlessGate> serverless() {
        return java.util.Optional.ofNullable(gate);
    }

    private CompletionStage<InferenceResponse> dispatch(InferenceRequest request) {
        Slot slot = acquireFirst(request.targetModel());
        if (slot == null) {
            SluiceException unavailable = new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, slots.length == 0
                    ? "variant " + variantName + " has no instance in service"
                    : "variant " + variantName + " has no healthy instance");
            metrics.record(request, null, unavailable);
            return CompletableFuture.failedFuture(unavailable);
        }
        outstanding.increment();
        Call call = new Call(request);
        call.dispatch(slot);
        return call.result;
    }

    private Slot find(String instanceId) {
        for (Slot slot : slots) {
            if (slot.instance.id().equals(instanceId)) {
                return slot;
            }
        }
        return null;
    }

    private Slot acquireFirst(String targetModel) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // Hashed once per request, outside the loop: a target is up to 1024 characters.
        long modelHash = targetModel == null ? 0L : Rendezvous.hash(targetModel);
        while (true) {
            Slot[] snapshot = slots;
            Slot chosen = targetModel != null ? byTargetModel(snapshot, modelHash)
                    : choose(snapshot, random, strategy == RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, null, 0);
            if (chosen == null) {
                return null;
            }
            // Fails only when the slot was removed after this snapshot was read; the next read no longer has it.
            if (chosen.acquire()) {
                return chosen;
            }
        }
    }

    /** The healthy instance with the fewest outstanding requests not yet tried by this request, suspects last. */
    private Slot acquireRetry(Slot[] tried, int triedCount) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (true) {
            Slot chosen = choose(slots, random, true, tried, triedCount);
            if (chosen == null || chosen.acquire()) {
                return chosen;
            }
        }
    }

    /**
     * The healthy candidate with the least key, where the key is the suspect penalty plus, when {@code byLoad}, the
     * outstanding count; without {@code byLoad} (RANDOM) every non-suspect instance ties. A full scan: variants have
     * at most tens of instances, where reading every counter costs less than the extra imbalance of sampling two.
     * Ties go to a uniformly random one of the best (reservoir sampling), so an idle pool spreads its load instead
     * of piling onto the first instance.
     */
    private Slot choose(Slot[] snapshot, ThreadLocalRandom random, boolean byLoad, Slot[] excluded,
                        int excludedCount) {
        Slot best = null;
        long bestKey = Long.MAX_VALUE;
        int ties = 0;
        for (Slot slot : snapshot) {
            if (!slot.healthy || isExcluded(slot, excluded, excludedCount)) {
                continue;
            }
            long key = (isSuspect(slot) ? SUSPECT_PENALTY : 0L) + (byLoad ? slot.outstanding.get() : 0L);
            if (key < bestKey) {
                best = slot;
                bestKey = key;
                ties = 1;
            } else if (key == bestKey && random.nextInt(++ties) == 0) {
                best = slot;
            }
        }
        return best;
    }

    /**
     * Rendezvous choice for a target model among the healthy instances, by {@link #HOT_MODEL_SPREAD_THRESHOLD}'s
     * rule. Suspect instances rank behind all others, so a model whose instance is refusing work goes to its
     * second-ranked instance, the one its hot traffic spills to anyway. No allocation: two running maxima.
     */
    private Slot byTargetModel(Slot[] snapshot, long modelHash) {
        Slot first = null;
        Slot second = null;
        boolean firstSuspect = false;
        boolean secondSuspect = false;
        long firstScore = 0L;
        long secondScore = 0L;
        for (Slot slot : snapshot) {
            if (!slot.healthy) {
                continue;
            }
            boolean suspect = isSuspect(slot);
            long score = Rendezvous.score(modelHash, slot.idHash);
            if (first == null || ranksAbove(suspect, score, firstSuspect, firstScore)) {
                second = first;
                secondSuspect = firstSuspect;
                secondScore = firstScore;
                first = slot;
                firstSuspect = suspect;
                firstScore = score;
            } else if (second == null || ranksAbove(suspect, score, secondSuspect, secondScore)) {
                second = slot;
                secondSuspect = suspect;
                secondScore = score;
            }
        }
        if (second != null
                && first.outstanding.get() - second.outstanding.get() >= HOT_MODEL_SPREAD_THRESHOLD) {
            return second;
        }
        return first;
    }

    private static boolean ranksAbove(boolean suspect, long score, boolean otherSuspect, long otherScore) {
        return suspect != otherSuspect ? !suspect : score > otherScore;
    }

    /** Reads the clock only for instances flagged suspect, so a pool with no recent refusals never reads it. */
    private boolean isSuspect(Slot slot) {
        return slot.suspect && nanoClock.getAsLong() - slot.suspectUntilNanos < 0;
    }

    private static boolean isExcluded(Slot slot, Slot[] excluded, int excludedCount) {
        for (int i = 0; i < excludedCount; i++) {
            if (excluded[i] == slot) {
                return true;
            }
        }
        return false;
    }

    /**
     * One client request through the pool: its attempts, at most one per instance, and its single result. Only
     * one attempt is in flight at a time and each next one starts from the previous one's completion, so the
     * fields need no synchronization beyond the happens-before the futures already give.
     */
    private final class Call {
        final InferenceRequest request;
        final CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        /** The instances that refused this request; allocated on the first refusal only. */
        Slot[] tried;
        int triedCount;

        Call(InferenceRequest request) {
            this.request = request;
        }

        /** Sends the request to an acquired slot; the slot is released when the attempt completes. */
        void dispatch(Slot slot) {
            slot.invocations.increment();
            CompletionStage<InferenceResponse> stage;
            try {
                stage = slot.instance.service().invoke(request);
                if (stage == null) {
                    stage = CompletableFuture.failedFuture(new SluiceException(ErrorCode.INTERNAL_FAILURE,
                            "instance " + slot.instance.id() + " of variant " + variantName + " returned no result"));
                }
            } catch (Throwable thrown) {
                // A synchronous throw must still release the slot below, or the instance looks busy forever; a
                // thrown ServiceUnavailable is a refusal like a failed future and is retried the same way.
                stage = CompletableFuture.failedFuture(thrown);
            }
            stage.whenComplete((response, failure) -> attempted(slot, response, failure));
        }

        private void attempted(Slot slot, InferenceResponse response, Throwable failure) {
            slot.release();
            SluiceException error = failure != null ? SluiceException.from(failure)
                    : response == null ? new SluiceException(ErrorCode.INTERNAL_FAILURE,
                            "instance " + slot.instance.id() + " of variant " + variantName + " returned null")
                    : null;
            if (error == null) {
                slot.clearSuspect();
                finish(response, null);
                return;
            }
            if (error.code() == ErrorCode.SERVICE_UNAVAILABLE) {
                slot.markSuspect(nanoClock.getAsLong() + SUSPECT_NANOS);
                Slot next = null;
                try {
                    remember(slot);
                    next = acquireRetry(tried, triedCount);
                } catch (RuntimeException unexpected) {
                    // Never leave the client's future hanging: answer with the refusal we have.
                    log.warn("variant {}: choosing an instance to retry on failed", variantName, unexpected);
                }
                if (next != null) {
                    metrics.recordRetry();
                    dispatch(next);
                    return;
                }
            }
            finish(null, error);
        }

        private void remember(Slot slot) {
            if (tried == null) {
                tried = new Slot[4];
            } else if (triedCount == tried.length) {
                tried = Arrays.copyOf(tried, triedCount * 2);
            }
            tried[triedCount++] = slot;
        }

        private void finish(InferenceResponse response, SluiceException error) {
            outstanding.decrement();
            try {
                metrics.record(request, response, error);
            } finally {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(response);
                }
            }
        }
    }

    private static final class Slot {
        final VariantInstance instance;
        final Counter invocations;
        /** Precomputed so a target-model choice costs one mix per instance, not a hash of the id. */
        final long idHash;
        final AtomicLong outstanding = new AtomicLong();
        final CompletableFuture<VariantInstance> drained = new CompletableFuture<>();
        volatile boolean retired;
        volatile boolean healthy = true;
        /**
         * Set on a ServiceUnavailable, cleared on a success. Two plain volatiles rather than one atomic pair: a race
         * between a refusal and a success on the same instance can only shorten or lengthen one preference period.
         */
        volatile boolean suspect;
        volatile long suspectUntilNanos;

        Slot(VariantInstance instance, Counter invocations) {
            this.instance = instance;
            this.invocations = invocations;
            this.idHash = Rendezvous.nodeHash(instance.id());
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

        void markSuspect(long untilNanos) {
            suspectUntilNanos = untilNanos;
            suspect = true;
        }

        void clearSuspect() {
            // Read before write: successes are the common case and must not dirty a shared cache line each time.
            if (suspect) {
                suspect = false;
            }
        }
    }
}
