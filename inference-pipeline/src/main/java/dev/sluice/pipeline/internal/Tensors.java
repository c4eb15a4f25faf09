package dev.sluice.pipeline.internal;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/** Lookups shared by the built-in processors. */
final class Tensors {
    private Tensors() {
    }

    /**
     * A tensor an earlier stage should have produced. Its absence is a wiring bug, not a client error, so it
     * surfaces as an internal failure.
     */
    static Tensor require(Map<String, Tensor> tensors, String name, String stage, int rank) {
        Tensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new IllegalStateException(stage + " needs tensor '" + name + "' but no stage produced it");
        }
        if (tensor.rank() != rank) {
            throw new IllegalStateException(stage + " needs '" + name + "' of rank " + rank + " but got "
                    + tensor.type().v2Name() + " " + Arrays.toString(tensor.shape()));
        }
        if (tensor.type() == DataType.BYTES) {
            throw new IllegalStateException(stage + " needs numeric '" + name + "' but got BYTES");
        }
        return tensor;
    }

    /** Elements as float, without a copy when they already are FP32. */
    static float[] floats(Tensor tensor) {
        if (tensor.type() == DataType.FP32) {
            return tensor.floats();
        }
        int n = tensor.elementCount();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) tensor.doubleAt(i);
        }
        return out;
    }
}
