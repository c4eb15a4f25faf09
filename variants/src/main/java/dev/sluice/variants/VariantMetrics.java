package dev.sluice.variants;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.internal.LatencyWindow;
import dev.sluice.variants.internal.VariantMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.noop.NoopCounter;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * SageMaker's per-variant hosting metrics (SAGEMAKER-CONTRACT.md §10) for one production or shadow variant:
 * Invocations, Invocation4XXErrors, Invocation5XXErrors, InvocationModelErrors, ModelLatency, OverheadLatency,
 * InvocationsPerInstance, plus the variant's current weight and instance count, and Sluice's own count of
 * requests retried on another instance ({@code sluice.instance.retries}). Meters are registered once, tagged
 * endpoint, variant and model; {@link #close()} takes them off the registry so a deleted endpoint disappears from
 * {@code /metrics}.
 *
 * <p>Besides the registry meters it keeps its own cumulative counts and a window of recent model latencies,
 * because deployment alarms must judge this fleet alone even when another fleet shares its tags (and so its
 * registry meters) during a blue/green update.
 */
public final class VariantMetrics implements AutoCloseable {
    private final String endpoint;
    private final String variant;
    private final String model;
    private final VariantMeters meters;
    private final VariantMeterRegistry registry;
    private final LongAdder invocations = new LongAdder();
    private final LongAdder errors4xx = new LongAdder();
    private final LongAdder errors5xx = new LongAdder();
    private final LongAdder modelErrors = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LatencyWindow modelLatencies = new LatencyWindow();
    /** Guarded by {@code this}; membership changes are rare and never on the request path. */
    private final Set<String> instanceIds = new HashSet<>();
    /** Guarded by {@code this}. */
    private int instances;
    /** Guarded by {@code this}. */
    private boolean closed;
    private volatile double weight;

    /**
     * @param meters the server's variant meter registry: every VariantMetrics of one server must come from the same
     *               one, so that owners with identical tags share their meters
     */
    public VariantMetrics(VariantMeterRegistry meters, String endpoint, String variant, String model) {
        this.registry = Objects.requireNonNull(meters, "meters");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.variant = Objects.requireNonNull(variant, "variant");
        this.model = Objects.requireNonNull(model, "model");
        this.meters = meters.acquire(endpoint, variant, model);
    }

    public String endpoint() {
        return endpoint;
    }

    public String variant() {
        return variant;
    }

    public String model() {
        return model;
    }

    /**
     * Records one finished invocation: exactly one of {@code response} and {@code failure} is non-null. Failures are
     * classified by their {@link ErrorCode}; a ModelError (424) counts as a 4xx and as a model error, as SageMaker
     * does. Latencies are recorded for successes only: a failure has no model time to speak of.
     */
    public void record(InferenceRequest request, InferenceResponse response, Throwable failure) {
        invocations.increment();
        meters.invocations().increment();
        if (failure != null || response == null) {
            ErrorCode code = failure == null ? ErrorCode.INTERNAL_FAILURE : SluiceException.from(failure).code();
            recordFailure(code);
            return;
        }
        long total = Math.max(0L, System.nanoTime() - request.receivedNanos());
        long modelNanos = Math.max(0L, Math.min(response.modelLatencyNanos(), total));
        modelLatencies.record(modelNanos);
        meters.modelLatency().record(modelNanos, TimeUnit.NANOSECONDS);
        meters.overheadLatency().record(total - modelNanos, TimeUnit.NANOSECONDS);
    }

    private void recordFailure(ErrorCode code) {
        if (code == ErrorCode.MODEL_ERROR) {
            modelErrors.increment();
            meters.modelErrors().increment();
        }
        if (code.httpStatus() >= 500) {
            errors5xx.increment();
            meters.errors5xx().increment();
        } else {
            errors4xx.increment();
            meters.errors4xx().increment();
        }
    }

    /**
     * Records one retry: a request sent on to another instance because the previous one answered
     * ServiceUnavailable (and so never executed it). The request itself is still {@link #record recorded} once,
     * with its final outcome, so retries never inflate Invocations or the error counts.
     */
    public void recordRetry() {
        retries.increment();
        meters.retries().increment();
    }

    /** Retries recorded by this variant ({@code sluice.instance.retries}, counted for this owner alone). */
    public long retries() {
        return retries.sum();
    }

    public void setWeight(double weight) {
        this.weight = weight;
        meters.setWeight(weight);
    }

    public double weight() {
        return weight;
    }

    public synchronized void setInstances(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got: " + count);
        }
        if (!closed) {
            meters.addInstances(count - instances);
        }
        instances = count;
    }

    public synchronized int instances() {
        return instances;
    }

    /**
     * Registers {@code sluice.instance.invocations} for a new instance and returns it, so the pool increments it
     * without a lookup per request. After {@link #close()} the counter is a detached no-op.
     *
     * @throws IllegalArgumentException when the instance is already registered
     */
    public synchronized Counter addInstance(String instanceId) {
        Objects.requireNonNull(instanceId, "instanceId");
        if (closed) {
            return new NoopCounter(new Meter.Id("sluice.instance.invocations", Tags.of("instance", instanceId), null,
                    null, Meter.Type.COUNTER));
        }
        if (!instanceIds.add(instanceId)) {
            throw new IllegalArgumentException("instance " + instanceId + " is already registered");
        }
        return meters.acquireInstance(instanceId);
    }

    /** Removes the instance's counter from the registry. */
    public synchronized void removeInstance(String instanceId) {
        if (!closed && instanceIds.remove(instanceId)) {
            meters.releaseInstance(instanceId);
        }
    }

    /** Cumulative counts and the p99 of the recent model latencies. */
    public Stats stats() {
        return new Stats(invocations.sum(), errors4xx.sum(), errors5xx.sum(), modelErrors.sum(),
                LatencyWindow.percentileMillis(modelLatencies.sortedSnapshot(), 0.99));
    }

    /** Removes every meter of this variant from the registry (once the last holder of the same tags closes). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            instanceIds.forEach(meters::releaseInstance);
            instanceIds.clear();
            meters.addInstances(-instances);
        }
        registry.release(meters);
    }

    /**
     * What deployment alarms read.
     *
     * @param modelLatencyP99Millis p99 over the most recent model latencies (at most 4096), 0 when there is none
     */
    public record Stats(long invocations, long errors4xx, long errors5xx, long modelErrors,
                        double modelLatencyP99Millis) {
        public static final Stats EMPTY = new Stats(0, 0, 0, 0, 0.0);

        public Stats {
            requireNonNegative(invocations, "invocations");
            requireNonNegative(errors4xx, "errors4xx");
            requireNonNegative(errors5xx, "errors5xx");
            requireNonNegative(modelErrors, "modelErrors");
            if (!(modelLatencyP99Millis >= 0) || Double.isInfinite(modelLatencyP99Millis)) {
                throw new IllegalArgumentException("modelLatencyP99Millis must be finite and >= 0, got: "
                        + modelLatencyP99Millis);
            }
        }

        /**
         * The stats of a fleet of several variants: counts add up; the p99 is the worst variant's, an upper bound
         * on the fleet's true p99 that errs toward rolling back.
         */
        public static Stats combine(Collection<Stats> stats) {
            long invocations = 0;
            long errors4xx = 0;
            long errors5xx = 0;
            long modelErrors = 0;
            double p99 = 0.0;
            for (Stats s : stats) {
                invocations += s.invocations;
                errors4xx += s.errors4xx;
                errors5xx += s.errors5xx;
                modelErrors += s.modelErrors;
                p99 = Math.max(p99, s.modelLatencyP99Millis);
            }
            return new Stats(invocations, errors4xx, errors5xx, modelErrors, p99);
        }

        private static void requireNonNegative(long value, String field) {
            if (value < 0) {
                throw new IllegalArgumentException(field + " must be >= 0, got: " + value);
            }
        }
    }
}
