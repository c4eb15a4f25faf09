package dev.sluice.pipeline.internal;

import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.Processor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Token embeddings [N, L, H] to sentence embeddings [N, H] (FP32) by taking the first token, the {@code [CLS]}
 * pooling that BGE- and E5-style models are trained with.
 */
public final class ClsPoolingProcessor implements Processor {
    private final String tokenEmbeddings;
    private final String output;

    public ClsPoolingProcessor(String tokenEmbeddings, String output) {
        this.tokenEmbeddings = Objects.requireNonNull(tokenEmbeddings, "tokenEmbeddings");
        this.output = Objects.requireNonNull(output, "output");
    }

    @Override
    public Map<String, Tensor> process(Map<String, Tensor> tensors) {
        Tensor embeddings = Tensors.require(tensors, tokenEmbeddings, name(), 3);
        int rows = (int) embeddings.dim(0);
        int tokens = (int) embeddings.dim(1);
        int hidden = (int) embeddings.dim(2);
        if (tokens == 0) {
            throw new IllegalStateException(name() + ": token embeddings have no tokens");
        }
        float[] values = Tensors.floats(embeddings);
        float[] pooled = new float[rows * hidden];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(values, row * tokens * hidden, pooled, row * hidden, hidden);
        }
        Map<String, Tensor> out = new LinkedHashMap<>(tensors);
        out.put(output, Tensor.ofFloats(new long[] {rows, hidden}, pooled));
        return out;
    }

    @Override
    public String name() {
        return "cls-pooling";
    }
}
