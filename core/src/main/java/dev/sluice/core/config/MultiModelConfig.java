package dev.sluice.core.config;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A multi-model endpoint (SageMaker {@code Mode=MultiModel}, SAGEMAKER-CONTRACT.md §4): one name in front of any number
 * of models under {@code prefix}, each loaded on its first {@code X-Amzn-SageMaker-Target-Model} and evicted
 * least-recently-used when their footprint passes {@code memoryBudgetBytes}.
 *
 * @param name              endpoint-style name (≤63 chars, {@code [a-zA-Z0-9](-*[a-zA-Z0-9])*})
 * @param prefix            what target models are joined to: a directory or an {@code s3://bucket/prefix/}
 * @param memoryBudgetBytes most bytes of loaded models at once; {@link #DEFAULT_MEMORY_BUDGET} lets the host pick
 *                          (model memory is native, so the host sizes it from the machine, not from the JVM heap)
 * @param cacheEnabled      false is SageMaker's {@code ModelCacheSetting=Disabled}: a model is unloaded after every call
 * @param pipeline          {@link ModelConfig#PIPELINE_TENSOR} or {@link ModelConfig#PIPELINE_SENTENCE_EMBEDDING}
 *                          for every model under the prefix
 * @param runners           runner threads and queue of each loaded model ({@link #DEFAULT_RUNNERS} when null)
 * @param options           pipeline options, as for {@link ModelConfig#options()}
 */
public record MultiModelConfig(String name, String prefix, long memoryBudgetBytes, boolean cacheEnabled,
                               String pipeline, RunnerConfig runners, BatchingConfig batching,
                               Map<String, String> options) {
    /** Zero: the host sizes the budget itself. */
    public static final long DEFAULT_MEMORY_BUDGET = 0;
    /** The endpoint name a standalone host ({@code sluice host --multi-model PREFIX}) gives its model set. */
    public static final String HOST_ENDPOINT_NAME = "multi-model";
    /**
     * One runner with one intra-op thread per model, not one per core as for a single model: a multi-model set holds
     * many small models, and every runner is another ONNX Runtime session (its own copy of the weights) and thread.
     */
    public static final RunnerConfig DEFAULT_RUNNERS = new RunnerConfig(1, 1, RunnerConfig.DEFAULT_QUEUE_CAPACITY);
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9])*");

    public MultiModelConfig {
        Objects.requireNonNull(name, "name");
        if (name.length() > 63 || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("multi-model endpoint name '" + name
                    + "' must be 1-63 characters matching [a-zA-Z0-9](-*[a-zA-Z0-9])*");
        }
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("multi-model endpoint '" + name + "': prefix must not be empty");
        }
        if (memoryBudgetBytes < 0) {
            throw new IllegalArgumentException("multi-model endpoint '" + name + "': memoryBudgetBytes must be > 0 "
                    + "(or " + DEFAULT_MEMORY_BUDGET + " for the host's default), got " + memoryBudgetBytes);
        }
        pipeline = pipeline == null ? ModelConfig.PIPELINE_TENSOR : pipeline;
        if (!pipeline.equals(ModelConfig.PIPELINE_TENSOR) && !pipeline.equals(ModelConfig.PIPELINE_SENTENCE_EMBEDDING)) {
            throw new IllegalArgumentException("multi-model endpoint '" + name + "': pipeline must be '"
                    + ModelConfig.PIPELINE_TENSOR + "' or '" + ModelConfig.PIPELINE_SENTENCE_EMBEDDING + "', got '"
                    + pipeline + "'");
        }
        runners = runners == null ? DEFAULT_RUNNERS : runners;
        batching = batching == null ? BatchingConfig.defaults() : batching;
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** Tensor models under {@code prefix}, with the default budget, cache, runners and batching. */
    public static MultiModelConfig of(String name, String prefix) {
        return new MultiModelConfig(name, prefix, DEFAULT_MEMORY_BUDGET, true, null, null, null, null);
    }

    /** True when the host picks the memory budget. */
    public boolean defaultMemoryBudget() {
        return memoryBudgetBytes == DEFAULT_MEMORY_BUDGET;
    }
}
