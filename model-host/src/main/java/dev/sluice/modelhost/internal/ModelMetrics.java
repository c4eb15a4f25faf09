package dev.sluice.modelhost.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.function.Supplier;

/**
 * The meters of one loaded model, tagged {@code model=<name>} only (one series per model). Removed from the registry
 * when the model closes, so a model loaded again under the same name gets fresh meters instead of a gauge still
 * pointing at the old queue.
 */
final class ModelMetrics {
    static final String QUEUE_DEPTH = "sluice.model.queue.depth";
    static final String QUEUE_TIME = "sluice.model.queue.time";
    static final String INFERENCE_TIME = "sluice.model.inference.time";
    static final String BATCH_SIZE = "sluice.model.batch.size";
    static final String LOAD_TIME = "sluice.model.load.time";
    static final String ERRORS = "sluice.model.errors";
    static final String REJECTED = "sluice.model.rejected";
    static final String TAG_MODEL = "model";

    private final MeterRegistry registry;
    final Timer queueTime;
    final Timer inferenceTime;
    final DistributionSummary batchSize;
    final Timer loadTime;
    final Counter errors;
    final Counter rejected;
    private final Gauge queueDepth;

    ModelMetrics(MeterRegistry registry, String model, Supplier<Number> depth) {
        this.registry = registry;
        this.queueDepth = Gauge.builder(QUEUE_DEPTH, depth)
                .tag(TAG_MODEL, model)
                .description("Requests waiting for a runner")
                .strongReference(true)
                .register(registry);
        this.queueTime = Timer.builder(QUEUE_TIME).tag(TAG_MODEL, model)
                .description("Time from admission until a runner starts the request's batch")
                .register(registry);
        this.inferenceTime = Timer.builder(INFERENCE_TIME).tag(TAG_MODEL, model)
                .description("ONNX Runtime run time per batch")
                .register(registry);
        this.batchSize = DistributionSummary.builder(BATCH_SIZE).tag(TAG_MODEL, model)
                .baseUnit("rows")
                .description("Rows per ONNX Runtime run")
                .register(registry);
        this.loadTime = Timer.builder(LOAD_TIME).tag(TAG_MODEL, model)
                .description("Time to create the model's sessions")
                .register(registry);
        this.errors = Counter.builder(ERRORS).tag(TAG_MODEL, model)
                .description("Requests that failed while running the model")
                .register(registry);
        this.rejected = Counter.builder(REJECTED).tag(TAG_MODEL, model)
                .description("Requests refused because the queue was full or the model was shutting down")
                .register(registry);
    }

    void remove() {
        for (Meter meter : List.<Meter>of(queueDepth, queueTime, inferenceTime, batchSize, loadTime, errors, rejected)) {
            registry.remove(meter);
        }
    }
}
