package dev.sluice.pipeline.internal;

import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.Processor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Scales each vector along the last axis of an FP32 tensor to unit length, so cosine similarity becomes a dot
 * product for the client. Like PyTorch's {@code F.normalize}, the norm is clamped at 1e-12: a zero vector stays
 * zero instead of becoming NaN. Writes a new tensor under the same name (tensors share arrays, so no in-place edit).
 */
public final class L2NormalizeProcessor implements Processor {
    private static final double MIN_NORM = 1e-12;

    private final String tensorName;

    public L2NormalizeProcessor(String tensorName) {
        this.tensorName = Objects.requireNonNull(tensorName, "tensorName");
    }

    @Override
    public Map<String, Tensor> process(Map<String, Tensor> tensors) {
        Tensor input = tensors.get(tensorName);
        if (input == null || input.rank() == 0 || !input.type().isFloatingPoint()) {
            throw new IllegalStateException(name() + " needs a floating-point tensor '" + tensorName
                    + "' of rank >= 1 but got " + input);
        }
        float[] values = Tensors.floats(input);
        int width = (int) input.dim(input.rank() - 1);
        float[] normalized = new float[values.length];
        for (int start = 0; width > 0 && start < values.length; start += width) {
            double squares = 0;
            for (int i = start; i < start + width; i++) {
                squares += (double) values[i] * values[i];
            }
            double norm = Math.max(Math.sqrt(squares), MIN_NORM);
            for (int i = start; i < start + width; i++) {
                normalized[i] = (float) (values[i] / norm);
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>(tensors);
        out.put(tensorName, Tensor.ofFloats(input.shape(), normalized));
        return out;
    }

    @Override
    public String name() {
        return "l2-normalize";
    }
}
