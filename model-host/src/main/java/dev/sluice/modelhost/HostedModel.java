package dev.sluice.modelhost;

import dev.sluice.core.InferenceService;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.TensorModel;
import dev.sluice.modelhost.internal.OnnxModel;
import dev.sluice.pipeline.Pipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A model the {@link ModelHost} has loaded and serves. Requests go to {@link #service()}, the model's pipeline.
 * Owned by the host: it is closed by {@link ModelHost#unload} or {@link ModelHost#close()}, never by its users.
 */
public final class HostedModel {
    /** What {@link #platform()} answers for models run by ONNX Runtime. */
    public static final String PLATFORM_ONNXRUNTIME = "onnxruntime";

    private final ModelConfig config;
    private final Pipeline pipeline;
    private final OnnxModel model;
    private final Path workDir;
    private final Duration loadTime;
    private final Instant loadedAt;

    HostedModel(ModelConfig config, Pipeline pipeline, OnnxModel model, Path workDir, Duration loadTime,
                Instant loadedAt) {
        this.config = Objects.requireNonNull(config, "config");
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.model = Objects.requireNonNull(model, "model");
        this.workDir = workDir;
        this.loadTime = Objects.requireNonNull(loadTime, "loadTime");
        this.loadedAt = Objects.requireNonNull(loadedAt, "loadedAt");
    }

    public String name() {
        return config.name();
    }

    public ModelConfig config() {
        return config;
    }

    /** The request processor: payload codecs, pre-processing, the model, post-processing. Never blocks. */
    public InferenceService service() {
        return pipeline;
    }

    /** What clients send and receive (for a sentence-embedding pipeline: texts in, vectors out). */
    public ModelSignature signature() {
        return pipeline.signature();
    }

    /** The ONNX model's own inputs and outputs. */
    public ModelSignature modelSignature() {
        return model.signature();
    }

    /** The model stage itself, for callers that speak tensors (e.g. an Open Inference Protocol endpoint). */
    public TensorModel model() {
        return model;
    }

    public String platform() {
        return PLATFORM_ONNXRUNTIME;
    }

    /** From the start of loading (artifact resolution included) until the model was ready. */
    public Duration loadTime() {
        return loadTime;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    Pipeline pipeline() {
        return pipeline;
    }

    OnnxModel onnxModel() {
        return model;
    }

    Path workDir() {
        return workDir;
    }

    @Override
    public String toString() {
        return "HostedModel[" + name() + ", pipeline=" + config.pipeline() + ", " + signature().inputs() + " -> "
                + signature().outputs() + "]";
    }
}
