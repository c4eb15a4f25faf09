package dev.sluice.core.config;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One model to serve.
 *
 * @param name     endpoint-style name (SageMaker rule: ≤63 chars, {@code [a-zA-Z0-9](-*[a-zA-Z0-9])*})
 * @param source   where the model comes from: a {@code .onnx} file, a directory holding one, a {@code model.tar.gz},
 *                 or {@code builtin:minilm} for the bundled all-MiniLM-L6-v2 int8
 * @param pipeline how requests reach the model: {@link #PIPELINE_TENSOR} (payload codecs straight to the model) or
 *                 {@link #PIPELINE_SENTENCE_EMBEDDING} (text → tokenizer → model → mean pooling → L2 norm)
 * @param options  pipeline options (e.g. {@code maxLength} for the tokenizer)
 */
public record ModelConfig(String name, String source, String pipeline, RunnerConfig runners, BatchingConfig batching,
                          Map<String, String> options) {
    public static final String PIPELINE_TENSOR = "tensor";
    public static final String PIPELINE_SENTENCE_EMBEDDING = "sentence-embedding";
    public static final String BUILTIN_MINILM = "builtin:minilm";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9])*");

    public ModelConfig {
        Objects.requireNonNull(name, "name");
        if (name.length() > 63 || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name '" + name
                    + "' must be 1-63 characters matching [a-zA-Z0-9](-*[a-zA-Z0-9])*");
        }
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("model '" + name + "': source must not be empty");
        }
        pipeline = pipeline == null ? PIPELINE_TENSOR : pipeline;
        if (!pipeline.equals(PIPELINE_TENSOR) && !pipeline.equals(PIPELINE_SENTENCE_EMBEDDING)) {
            throw new IllegalArgumentException("model '" + name + "': pipeline must be '" + PIPELINE_TENSOR + "' or '"
                    + PIPELINE_SENTENCE_EMBEDDING + "', got '" + pipeline + "'");
        }
        runners = runners == null ? RunnerConfig.defaults() : runners;
        batching = batching == null ? BatchingConfig.defaults() : batching;
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    public static ModelConfig tensor(String name, String source) {
        return new ModelConfig(name, source, PIPELINE_TENSOR, null, null, null);
    }

    /**
     * The built-in demo: all-MiniLM-L6-v2 int8 as a sentence-embedding service. The int8 model quantises its
     * activations per tensor, so each text runs alone (option {@code perSequence}) and batching is off: the same text
     * then always gets the same vector, whatever else is in flight.
     */
    public static ModelConfig demoEmbedding() {
        return new ModelConfig("minilm", BUILTIN_MINILM, PIPELINE_SENTENCE_EMBEDDING, null, BatchingConfig.disabled(),
                Map.of("perSequence", "true"));
    }
}
