package dev.sluice.gateway;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Records SageMaker's per-variant invocation metrics around any service: Invocations, Invocation4XXErrors,
 * Invocation5XXErrors, InvocationModelErrors, ModelLatency and OverheadLatency (total minus model time, measured
 * from when the gateway finished reading the request). Meters are created once, not per request.
 */
public final class MeteredInferenceService implements InferenceService {
    private final InferenceService delegate;
    private final Counter invocations;
    private final Counter errors4xx;
    private final Counter errors5xx;
    private final Counter modelErrors;
    private final Timer modelLatency;
    private final Timer overheadLatency;

    public MeteredInferenceService(InferenceService delegate, MeterRegistry registry, String endpoint, String variant,
                                   String model) {
        this.delegate = delegate;
        Tags tags = Tags.of("endpoint", endpoint, "variant", variant, "model", model);
        this.invocations = Counter.builder("sluice.invocations").description("Invocations (SageMaker Invocations)")
                .tags(tags).register(registry);
        this.errors4xx = Counter.builder("sluice.invocation.4xx.errors")
                .description("Invocations answered 4xx (SageMaker Invocation4XXErrors)").tags(tags).register(registry);
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
    }

    @Override
    public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
        invocations.increment();
        CompletionStage<InferenceResponse> stage;
        try {
            stage = delegate.invoke(request);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.whenComplete((response, failure) -> {
            if (failure != null) {
                countFailure(SluiceException.from(failure));
                return;
            }
            long total = System.nanoTime() - request.receivedNanos();
            long model = Math.min(response.modelLatencyNanos(), total);
            modelLatency.record(model, TimeUnit.NANOSECONDS);
            overheadLatency.record(total - model, TimeUnit.NANOSECONDS);
        });
    }

    private void countFailure(SluiceException e) {
        if (e.code() == ErrorCode.MODEL_ERROR) {
            modelErrors.increment();
        }
        // SageMaker counts a ModelError (424) as a 4xx of the invocation.
        int status = e.code().httpStatus();
        if (status >= 500) {
            errors5xx.increment();
        } else {
            errors4xx.increment();
        }
    }
}
