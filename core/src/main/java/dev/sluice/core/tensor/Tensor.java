package dev.sluice.core.tensor;

import dev.sluice.core.SluiceException;
import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A dense tensor: element type, shape, and a flat row-major primitive array (see {@link DataType} for which array
 * each type uses). The array is shared, not copied, to keep the hot path allocation-light: treat it as read-only
 * once the tensor exists.
 */
public final class Tensor {
    /**
     * Upper bound on elements in one tensor (2^28 = 1 GiB of FP32). Decoders check declared shapes against it
     * before allocating, so a hostile shape cannot make the server allocate gigabytes.
     */
    public static final long MAX_ELEMENTS = 1L << 28;

    private final DataType type;
    private final long[] shape;
    private final Object data;

    private Tensor(DataType type, long[] shape, Object data) {
        this.type = Objects.requireNonNull(type, "type");
        this.shape = shape.clone();
        this.data = Objects.requireNonNull(data, "data");
        if (!type.storage().isInstance(data)) {
            throw new IllegalArgumentException("data for " + type + " must be " + type.storage().getSimpleName()
                    + ", got " + data.getClass().getSimpleName());
        }
        long count = elementCount(shape);
        int length = Array.getLength(data);
        if (count != length) {
            throw SluiceException.validation("shape " + Arrays.toString(shape) + " needs " + count
                    + " elements but " + length + " were given");
        }
    }

    /** Creates a tensor; {@code data} must be the storage array of {@code type} with exactly shape-product elements. */
    public static Tensor of(DataType type, long[] shape, Object data) {
        return new Tensor(type, shape, data);
    }

    public static Tensor ofFloats(long[] shape, float[] data) {
        return new Tensor(DataType.FP32, shape, data);
    }

    public static Tensor ofLongs(long[] shape, long[] data) {
        return new Tensor(DataType.INT64, shape, data);
    }

    public static Tensor ofStrings(long[] shape, byte[][] data) {
        return new Tensor(DataType.BYTES, shape, data);
    }

    /** Product of dimensions; rejects negative dimensions and products over {@link #MAX_ELEMENTS}. */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw SluiceException.validation("negative dimension in shape " + Arrays.toString(shape));
            }
            if (d != 0 && count > MAX_ELEMENTS / d) {
                throw SluiceException.validation("shape " + Arrays.toString(shape) + " has more than "
                        + MAX_ELEMENTS + " elements");
            }
            count *= d;
        }
        return count;
    }

    /** Allocates the storage array for {@code count} elements of {@code type}. */
    public static Object allocate(DataType type, int count) {
        return Array.newInstance(type.storage().getComponentType(), count);
    }

    public DataType type() {
        return type;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    /** The backing array (shared, do not modify). */
    public Object data() {
        return data;
    }

    public int elementCount() {
        return Array.getLength(data);
    }

    public float[] floats() {
        return (float[]) data;
    }

    public double[] doubles() {
        return (double[]) data;
    }

    public int[] ints() {
        return (int[]) data;
    }

    public long[] longs() {
        return (long[]) data;
    }

    public byte[] bytes() {
        return (byte[]) data;
    }

    public short[] shorts() {
        return (short[]) data;
    }

    public boolean[] booleans() {
        return (boolean[]) data;
    }

    public byte[][] strings() {
        return (byte[][]) data;
    }

    /** Element {@code i} widened to double (unsigned types read as unsigned, FP16 decoded, BOOL as 0/1). */
    public double doubleAt(int i) {
        return switch (type) {
            case BOOL -> booleans()[i] ? 1 : 0;
            case UINT8 -> Byte.toUnsignedInt(bytes()[i]);
            case INT8 -> bytes()[i];
            case UINT16 -> Short.toUnsignedInt(shorts()[i]);
            case INT16 -> shorts()[i];
            case UINT32 -> Integer.toUnsignedLong(ints()[i]);
            case INT32 -> ints()[i];
            case UINT64 -> {
                long v = longs()[i];
                yield v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
            }
            case INT64 -> longs()[i];
            case FP16 -> Float.float16ToFloat(shorts()[i]);
            case FP32 -> floats()[i];
            case FP64 -> doubles()[i];
            case BYTES -> throw new IllegalStateException("BYTES tensor has no numeric value");
        };
    }

    /** Elements per entry of the first dimension (product of the other dimensions). */
    public int rowSize() {
        if (shape.length == 0) {
            throw new IllegalStateException("a scalar has no rows");
        }
        long rows = shape[0];
        return rows == 0 ? (int) elementCount(Arrays.copyOfRange(shape, 1, shape.length)) : (int) (elementCount() / rows);
    }

    /** Rows {@code [from, to)} along the first dimension, copied. */
    public Tensor sliceRows(int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of shape " + Arrays.toString(shape));
        }
        int row = rowSize();
        int n = (to - from) * row;
        Object out = allocate(type, n);
        System.arraycopy(data, from * row, out, 0, n);
        long[] newShape = shape.clone();
        newShape[0] = to - from;
        return new Tensor(type, newShape, out);
    }

    /** True when {@code other} can be concatenated with this one along the first dimension. */
    public boolean sameRowShape(Tensor other) {
        if (other.type != type || other.shape.length != shape.length || shape.length == 0) {
            return false;
        }
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] != other.shape[i]) {
                return false;
            }
        }
        return true;
    }

    /** Concatenates tensors of one type and row shape along the first dimension. */
    public static Tensor concatRows(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        Tensor first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        long rows = 0;
        int total = 0;
        for (Tensor t : parts) {
            if (!first.sameRowShape(t)) {
                throw new IllegalArgumentException("incompatible shapes " + Arrays.toString(first.shape) + " and "
                        + Arrays.toString(t.shape));
            }
            rows += t.shape[0];
            total += t.elementCount();
        }
        Object out = allocate(first.type, total);
        int offset = 0;
        for (Tensor t : parts) {
            int n = t.elementCount();
            System.arraycopy(t.data, 0, out, offset, n);
            offset += n;
        }
        long[] newShape = first.shape.clone();
        newShape[0] = rows;
        return new Tensor(first.type, newShape, out);
    }

    @Override
    public String toString() {
        return "Tensor[" + type + " " + Arrays.toString(shape) + "]";
    }
}
