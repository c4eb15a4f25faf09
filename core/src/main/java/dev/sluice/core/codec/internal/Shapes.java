package dev.sluice.core.codec.internal;

import dev.sluice.core.tensor.TensorSpec;
import java.util.Arrays;

/** Fitting the shape a payload implies to the shape the model declares, where the payload leaves room. */
public final class Shapes {
    private Shapes() {
    }

    /**
     * For a tensor read from nested arrays: an empty array says nothing about the dimensions below it, so those
     * come from the spec ({@code []} for a {@code [-1, 4]} input is {@code [0, 4]}); and a lone scalar for a
     * rank-1 input is a batch of one ({@code {"inputs": "a cat"}} for a text model).
     */
    public static long[] fitNested(long[] parsed, long elementCount, TensorSpec spec, boolean scalarAsBatch) {
        long[] declared = spec.shape();
        if (scalarAsBatch && parsed.length == 0 && declared.length == 1 && (declared[0] < 0 || declared[0] == 1)) {
            return new long[] {1};
        }
        if (elementCount == 0 && parsed.length < declared.length) {
            long[] out = Arrays.copyOf(parsed, declared.length);
            for (int i = parsed.length; i < declared.length; i++) {
                out[i] = Math.max(0, declared[i]);
            }
            return out;
        }
        return parsed;
    }

    /**
     * For a tensor read row by row from a row-oriented format (CSV lines, RecordIO records) where each row has
     * {@code rowShape}: adapts {@code [rows, ...rowShape]} to the declared rank when that is unambiguous — one
     * value per row for a rank-1 input gives {@code [rows]}; a single row for a rank-1 input gives
     * {@code [width]}; a single value for a rank-0 input gives a scalar; flat rows for an input of rank 2 or
     * more whose non-batch dimensions are fixed are reshaped to them.
     */
    public static long[] fitRows(long rows, long[] rowShape, TensorSpec spec) {
        long[] declared = spec.shape();
        long[] natural = new long[rowShape.length + 1];
        natural[0] = rows;
        System.arraycopy(rowShape, 0, natural, 1, rowShape.length);
        long width = product(rowShape);
        if (declared.length == natural.length) {
            return natural;
        }
        if (declared.length == 0 && rows == 1 && width == 1) {
            return new long[0];
        }
        if (declared.length == 1) {
            if (width == 1) {
                return new long[] {rows};
            }
            if (rows == 1) {
                return new long[] {width};
            }
            return natural;
        }
        if (declared.length == 2) {
            return new long[] {rows, width};
        }
        if (declared.length > 2) {
            long fixed = 1;
            for (int i = 1; i < declared.length; i++) {
                if (declared[i] < 0) {
                    return natural;
                }
                fixed *= declared[i];
            }
            if (fixed == width) {
                long[] out = declared.clone();
                out[0] = rows;
                return out;
            }
        }
        return natural;
    }

    /**
     * The shape part of {@link TensorSpec#check}, for use before the data exists: same rank, every fixed dimension
     * equal.
     */
    public static void checkFixedDimensions(TensorSpec spec, long[] shape) {
        long[] declared = spec.shape();
        boolean ok = declared.length == shape.length;
        for (int i = 0; ok && i < declared.length; i++) {
            ok = declared[i] < 0 || declared[i] == shape[i];
        }
        if (!ok) {
            throw dev.sluice.core.SluiceException.validation("input '" + spec.name() + "' must have shape "
                    + spec.describeShape() + " but the payload gives " + Arrays.toString(shape));
        }
    }

    /** Product of dimensions already known to be small and non-negative. */
    public static long product(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
