package dev.sluice.pipeline.internal;

import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.Processor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Token embeddings [N, L, H] to sentence embeddings [N, H] (FP32): the mean over tokens weighted by the attention
 * mask [N, L], so padding never dilutes a sentence. This is sentence-transformers' mean pooling, including its
 * guard: a row whose mask is all zero divides by 1e-9 instead of 0 and comes out as zeros, not NaN.
 */
public final class MeanPoolingProcessor implements Processor {
    private static final double MIN_WEIGHT = 1e-9;

    private final String tokenEmbeddings;
    private final String attentionMask;
    private final String output;

    public MeanPoolingProcessor(String tokenEmbeddings, String attentionMask, String output) {
        this.tokenEmbeddings = Objects.requireNonNull(tokenEmbeddings, "tokenEmbeddings");
        this.attentionMask = Objects.requireNonNull(attentionMask, "attentionMask");
        this.output = Objects.requireNonNull(output, "output");
    }

    @Override
    public Map<String, Tensor> process(Map<String, Tensor> tensors) {
        Tensor embeddings = Tensors.require(tensors, tokenEmbeddings, name(), 3);
        Tensor mask = Tensors.require(tensors, attentionMask, name(), 2);
        int rows = (int) embeddings.dim(0);
        int tokens = (int) embeddings.dim(1);
        int hidden = (int) embeddings.dim(2);
        if (mask.dim(0) != rows || mask.dim(1) != tokens) {
            throw new IllegalStateException(name() + ": mask " + Arrays.toString(mask.shape())
                    + " does not match token embeddings " + Arrays.toString(embeddings.shape()));
        }
        float[] values = Tensors.floats(embeddings);
        float[] pooled = new float[rows * hidden];
        // Accumulate in double: a 512-token sum in float loses digits the reference implementation keeps.
        double[] sum = new double[hidden];
        for (int row = 0; row < rows; row++) {
            Arrays.fill(sum, 0);
            double weight = 0;
            for (int token = 0; token < tokens; token++) {
                double w = mask.doubleAt(row * tokens + token);
                if (w == 0) {
                    continue;
                }
                weight += w;
                int base = (row * tokens + token) * hidden;
                for (int h = 0; h < hidden; h++) {
                    sum[h] += w * values[base + h];
                }
            }
            double denominator = Math.max(weight, MIN_WEIGHT);
            for (int h = 0; h < hidden; h++) {
                pooled[row * hidden + h] = (float) (sum[h] / denominator);
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>(tensors);
        out.put(output, Tensor.ofFloats(new long[] {rows, hidden}, pooled));
        return out;
    }

    @Override
    public String name() {
        return "mean-pooling";
    }
}
