package dev.sluice.core.codec.internal;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;

/** Converting whole tensors between dtypes with the rules of {@link TensorBuffer}. */
public final class Conversions {
    private Conversions() {
    }

    /**
     * True when every value of {@code from} has an exact value in {@code to}, so a client's declared type can be
     * widened without looking at the values (OIP v2: an INT32 tensor for an INT64 input, FP32 for FP64).
     */
    public static boolean lossless(DataType from, DataType to) {
        if (from == to) {
            return true;
        }
        if (from == DataType.BOOL || from == DataType.BYTES || to == DataType.BOOL || to == DataType.BYTES) {
            return false;
        }
        if (from.isFloatingPoint()) {
            return to.isFloatingPoint() && to.byteWidth() >= from.byteWidth();
        }
        if (to.isFloatingPoint()) {
            int significandBits = switch (to) {
                case FP16 -> 11;
                case FP32 -> 24;
                default -> 53;
            };
            int magnitudeBits = from.byteWidth() * 8 - (from.isUnsigned() ? 0 : 1);
            return magnitudeBits <= significandBits;
        }
        if (from.isUnsigned()) {
            return to.isUnsigned() ? to.byteWidth() >= from.byteWidth() : to.byteWidth() > from.byteWidth();
        }
        return !to.isUnsigned() && to.byteWidth() >= from.byteWidth();
    }

    /**
     * {@code tensor} as {@code target}, checking each value (an FP64 tensor of integral values converts to INT64;
     * 1.5 does not). Error messages name {@code inputName} and the flat element index.
     */
    public static Tensor convert(Tensor tensor, DataType target, String inputName) {
        if (tensor.type() == target) {
            return tensor;
        }
        String from = tensor.type().v2Name();
        TensorBuffer out = TensorBuffer.exact(target, inputName, tensor.elementCount(),
                i -> "element " + i + ", converting " + from + " to " + target.v2Name());
        Object source = tensor.data();
        int n = tensor.elementCount();
        for (int i = 0; i < n; i++) {
            out.addFrom(tensor.type(), source, i);
        }
        return out.toTensor(tensor.shape());
    }
}
