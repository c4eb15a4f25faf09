package dev.sluice.modelhost;

import dev.sluice.core.InferenceService;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.pipeline.ContainerPipeline;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A multi-container model the {@link ModelHost} has loaded. {@link #unload()} stops it: the pipeline refuses new
 * requests, its processors are closed and its model containers unloaded (their queues drain first).
 */
public final class HostedPipeline {
    private final ContainerPipeline pipeline;
    private final Duration loadTime;
    private final Supplier<CompletableFuture<Void>> unload;

    HostedPipeline(ContainerPipeline pipeline, Duration loadTime, Supplier<CompletableFuture<Void>> unload) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.loadTime = Objects.requireNonNull(loadTime, "loadTime");
        this.unload = Objects.requireNonNull(unload, "unload");
    }

    public String name() {
        return pipeline.name();
    }

    public InferenceService service() {
        return pipeline;
    }

    public ContainerPipeline pipeline() {
        return pipeline;
    }

    public ModelSignature signature() {
        return pipeline.signature();
    }

    public Duration loadTime() {
        return loadTime;
    }

    /** Idempotent; completes when every container's resources are released. */
    public CompletableFuture<Void> unload() {
        return unload.get();
    }

    @Override
    public String toString() {
        return pipeline.toString();
    }
}
