package dev.sluice.core.tensor;

import dev.sluice.core.SluiceException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A model input or output as the model declares it. Dynamic dimensions are -1.
 */
public record TensorSpec(String name, DataType type, long[] shape) {
    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = Objects.requireNonNull(shape, "shape").clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** True when the first dimension is dynamic, i.e. requests may be concatenated along it. */
    public boolean hasDynamicBatchDimension() {
        return shape.length > 0 && shape[0] < 0;
    }

    /**
     * Checks a tensor against this spec: same type, same rank, every fixed dimension equal. The message names the
     * input and what is wrong, because it goes straight back to the client as a ValidationError.
     */
    public void check(Tensor tensor) {
        if (tensor.type() != type) {
            throw SluiceException.validation("input '" + name + "' must be " + type.v2Name() + " but got "
                    + tensor.type().v2Name());
        }
        long[] actual = tensor.shape();
        if (actual.length != shape.length) {
            throw SluiceException.validation("input '" + name + "' must have rank " + shape.length + " "
                    + describeShape() + " but got shape " + Arrays.toString(actual));
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] >= 0 && shape[i] != actual[i]) {
                throw SluiceException.validation("input '" + name + "' dimension " + i + " must be " + shape[i]
                        + " " + describeShape() + " but got shape " + Arrays.toString(actual));
            }
        }
    }

    /** The shape with -1 written as "-1", e.g. {@code [-1, 4]}. */
    public String describeShape() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec s && s.name.equals(name) && s.type == type && Arrays.equals(s.shape, shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + type.v2Name() + Arrays.toString(shape);
    }
}
