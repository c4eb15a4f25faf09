package dev.sluice.core.codec.internal;

import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * Growable storage for the elements of one tensor being decoded, converting every value into the dtype the model
 * declares as it arrives. All conversion rules live here so that every codec accepts and rejects the same things:
 * <ul>
 *   <li>integer → integer type: range-checked;</li>
 *   <li>integer → floating type: accepted (rounded to the nearest representable value);</li>
 *   <li>floating → integer type: only when integral and in range;</li>
 *   <li>floating → floating type: accepted, unless a finite value overflows the narrower type;</li>
 *   <li>booleans only into BOOL, strings/byte strings only into BYTES.</li>
 * </ul>
 * Non-finite floats pass through into floating types (binary formats use NaN for missing values); the JSON reader
 * rejects them before they get here because JSON has no such numbers.
 */
public final class TensorBuffer {
    private static final byte[] EMPTY_BYTES = new byte[0];
    private static final int MAX = (int) Tensor.MAX_ELEMENTS;
    private static final double TWO_POW_63 = 0x1p63;
    private static final double TWO_POW_64 = 0x1p64;

    private final DataType type;
    private final String inputName;
    private final IntFunction<String> where;
    private Object data;
    private int capacity;
    private int size;

    private TensorBuffer(DataType type, String inputName, int capacity, IntFunction<String> where) {
        this.type = type;
        this.inputName = inputName;
        this.where = where;
        this.capacity = capacity;
        this.data = Tensor.allocate(type, capacity);
    }

    /**
     * A buffer that grows as values arrive, for formats whose element count is only known once parsed.
     *
     * @param where describes the position of the value at a flat index for error messages (a JSON location, a
     *              CSV line and column); may return null
     */
    public static TensorBuffer growing(DataType type, String inputName, IntFunction<String> where) {
        return new TensorBuffer(type, inputName, 16, where);
    }

    /**
     * A buffer of exactly {@code count} elements. The caller must already have checked {@code count} against the
     * payload's real size and {@link Tensor#MAX_ELEMENTS}: this allocates at once.
     */
    public static TensorBuffer exact(DataType type, String inputName, long count, IntFunction<String> where) {
        if (count < 0 || count > MAX) {
            throw new IllegalArgumentException("unchecked element count " + count);
        }
        return new TensorBuffer(type, inputName, (int) count, where);
    }

    public DataType type() {
        return type;
    }

    public String inputName() {
        return inputName;
    }

    public int size() {
        return size;
    }

    /** The elements so far, in a storage array of exactly {@link #size()} elements. */
    public Object toArray() {
        if (size == capacity) {
            return data;
        }
        Object out = Tensor.allocate(type, size);
        System.arraycopy(data, 0, out, 0, size);
        return out;
    }

    public Tensor toTensor(long[] shape) {
        return Tensor.of(type, shape, toArray());
    }

    /** Extends the buffer to {@code newSize} elements with zeros (false, empty byte strings). */
    public void padTo(long newSize) {
        if (newSize > MAX) {
            throw tooMany();
        }
        int n = (int) newSize;
        if (n <= size) {
            return;
        }
        ensureCapacity(n);
        if (type == DataType.BYTES) {
            java.util.Arrays.fill((byte[][]) data, size, n, EMPTY_BYTES);
        }
        size = n;
    }

    // ---- appending -------------------------------------------------------------------------------------------

    public void addLong(long value) {
        putLong(next(), value);
    }

    /** Appends an unsigned 64-bit value given as its bit pattern (for values of 2^63 and more). */
    public void addUnsignedLong(long bits) {
        putUnsignedLong(next(), bits);
    }

    public void addDouble(double value) {
        putDouble(next(), value);
    }

    public void addFloat(float value) {
        putFloat(next(), value);
    }

    public void addBoolean(boolean value) {
        putBoolean(next(), value);
    }

    public void addBytes(byte[] value) {
        putBytes(next(), value);
    }

    /** Appends text: UTF-8 bytes for a BYTES input, a type error for anything else. */
    public void addString(String value) {
        int i = next();
        if (type != DataType.BYTES) {
            throw mismatch(i, "string " + quote(value));
        }
        ((byte[][]) data)[i] = value.getBytes(StandardCharsets.UTF_8);
    }

    public void addBigInteger(BigInteger value) {
        putBigInteger(next(), value);
    }

    /** Appends an exact decimal (a number as written in text), so integer inputs can tell 2.0 from 2.0000001. */
    public void addDecimal(BigDecimal value) {
        putDecimal(next(), value);
    }

    /** Appends element {@code i} of a storage array of {@code sourceType}, converting it. */
    public void addFrom(DataType sourceType, Object source, int i) {
        putFrom(next(), sourceType, source, i);
    }

    /** Fails for a value that has no representation in any dtype (JSON null, an object where a value belongs). */
    public SluiceException rejectNext(String got) {
        return mismatch(size, got);
    }

    // ---- storing at an index (sparse formats) -------------------------------------------------------------------

    public void putFrom(int index, DataType sourceType, Object source, int i) {
        switch (sourceType) {
            case BOOL -> putBoolean(index, ((boolean[]) source)[i]);
            case INT8 -> putLong(index, ((byte[]) source)[i]);
            case UINT8 -> putLong(index, Byte.toUnsignedInt(((byte[]) source)[i]));
            case INT16 -> putLong(index, ((short[]) source)[i]);
            case UINT16 -> putLong(index, Short.toUnsignedInt(((short[]) source)[i]));
            case INT32 -> putLong(index, ((int[]) source)[i]);
            case UINT32 -> putLong(index, Integer.toUnsignedLong(((int[]) source)[i]));
            case INT64 -> putLong(index, ((long[]) source)[i]);
            case UINT64 -> {
                long v = ((long[]) source)[i];
                if (v >= 0) {
                    putLong(index, v);
                } else {
                    putUnsignedLong(index, v);
                }
            }
            case FP16 -> putFloat(index, Float.float16ToFloat(((short[]) source)[i]));
            case FP32 -> putFloat(index, ((float[]) source)[i]);
            case FP64 -> putDouble(index, ((double[]) source)[i]);
            case BYTES -> putBytes(index, ((byte[][]) source)[i]);
        }
    }

    public void putLong(int index, long v) {
        switch (type) {
            case INT8 -> ((byte[]) data)[index] = (byte) checkRange(index, v, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case UINT8 -> ((byte[]) data)[index] = (byte) checkRange(index, v, 0, 0xFF);
            case INT16 -> ((short[]) data)[index] = (short) checkRange(index, v, Short.MIN_VALUE, Short.MAX_VALUE);
            case UINT16 -> ((short[]) data)[index] = (short) checkRange(index, v, 0, 0xFFFF);
            case INT32 -> ((int[]) data)[index] = (int) checkRange(index, v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case UINT32 -> ((int[]) data)[index] = (int) checkRange(index, v, 0, 0xFFFF_FFFFL);
            case INT64 -> ((long[]) data)[index] = v;
            case UINT64 -> ((long[]) data)[index] = checkRange(index, v, 0, Long.MAX_VALUE);
            case FP16 -> putHalf(index, (float) v, Long.toString(v));
            case FP32 -> ((float[]) data)[index] = (float) v;
            case FP64 -> ((double[]) data)[index] = (double) v;
            case BOOL, BYTES -> throw mismatch(index, "number " + v);
        }
    }

    public void putUnsignedLong(int index, long bits) {
        if (bits >= 0) {
            putLong(index, bits);
            return;
        }
        String text = Long.toUnsignedString(bits);
        switch (type) {
            case UINT64 -> ((long[]) data)[index] = bits;
            case FP16 -> throw outOfRange(index, text);
            case FP32 -> ((float[]) data)[index] = (float) unsignedToDouble(bits);
            case FP64 -> ((double[]) data)[index] = unsignedToDouble(bits);
            case BOOL, BYTES -> throw mismatch(index, "number " + text);
            default -> throw outOfRange(index, text);
        }
    }

    public void putDouble(int index, double v) {
        switch (type) {
            case FP64 -> ((double[]) data)[index] = v;
            case FP32 -> {
                float f = (float) v;
                if (Float.isInfinite(f) && !Double.isInfinite(v)) {
                    throw outOfRange(index, Double.toString(v));
                }
                ((float[]) data)[index] = f;
            }
            case FP16 -> {
                float f = (float) v;
                if (Float.isInfinite(f) && !Double.isInfinite(v)) {
                    throw outOfRange(index, Double.toString(v));
                }
                putHalf(index, f, Double.toString(v));
            }
            case BOOL, BYTES -> throw mismatch(index, "number " + v);
            default -> putIntegral(index, v);
        }
    }

    public void putFloat(int index, float v) {
        switch (type) {
            case FP32 -> ((float[]) data)[index] = v;
            case FP16 -> putHalf(index, v, Float.toString(v));
            default -> putDouble(index, v);
        }
    }

    public void putBoolean(int index, boolean v) {
        if (type != DataType.BOOL) {
            throw mismatch(index, "boolean " + v);
        }
        ((boolean[]) data)[index] = v;
    }

    public void putBytes(int index, byte[] v) {
        if (type != DataType.BYTES) {
            throw mismatch(index, "a byte string");
        }
        ((byte[][]) data)[index] = v;
    }

    public void putBigInteger(int index, BigInteger v) {
        int bits = v.bitLength();
        if (bits <= 63) {
            putLong(index, v.longValue());
        } else if (bits == 64 && v.signum() > 0) {
            putUnsignedLong(index, v.longValue());
        } else if (type.isFloatingPoint()) {
            putDouble(index, v.doubleValue());
        } else if (type == DataType.BOOL || type == DataType.BYTES) {
            throw mismatch(index, "number " + abbreviate(v.toString()));
        } else {
            throw outOfRange(index, abbreviate(v.toString()));
        }
    }

    public void putDecimal(int index, BigDecimal v) {
        if (!type.isInteger()) {
            double d = v.doubleValue();
            if (Double.isInfinite(d) && type.isFloatingPoint()) {
                throw outOfRange(index, abbreviate(v.toString()));
            }
            putDouble(index, d);
            return;
        }
        if (v.signum() == 0) {
            putLong(index, 0);
            return;
        }
        // Digits before the point; checked first so that 1e999999999 never becomes a billion-digit BigInteger.
        long integerDigits = (long) v.precision() - v.scale();
        if (integerDigits > 20) {
            throw outOfRange(index, abbreviate(v.toString()));
        }
        BigDecimal stripped = v.stripTrailingZeros();
        if (stripped.scale() > 0) {
            throw notInteger(index, abbreviate(v.toString()));
        }
        putBigInteger(index, stripped.toBigIntegerExact());
    }

    // ---- internals ----------------------------------------------------------------------------------------------

    private void putIntegral(int index, double v) {
        if (!Double.isFinite(v) || v != Math.rint(v)) {
            throw notInteger(index, Double.toString(v));
        }
        if (type == DataType.UINT64) {
            if (v < 0 || v >= TWO_POW_64) {
                throw outOfRange(index, Double.toString(v));
            }
            // An integral double of 2^63 or more is a multiple of 2^11, so the subtraction is exact.
            ((long[]) data)[index] = v < TWO_POW_63 ? (long) v : (long) (v - TWO_POW_63) ^ Long.MIN_VALUE;
            return;
        }
        if (v < -TWO_POW_63 || v >= TWO_POW_63) {
            throw outOfRange(index, Double.toString(v));
        }
        putLong(index, (long) v);
    }

    private void putHalf(int index, float f, String text) {
        short h = Float.floatToFloat16(f);
        if (Float.isFinite(f) && Float.isInfinite(Float.float16ToFloat(h))) {
            throw outOfRange(index, text);
        }
        ((short[]) data)[index] = h;
    }

    private long checkRange(int index, long v, long min, long max) {
        if (v < min || v > max) {
            throw outOfRange(index, Long.toString(v));
        }
        return v;
    }

    private static double unsignedToDouble(long bits) {
        return (double) (bits >>> 1) * 2.0 + (bits & 1);
    }

    private int next() {
        if (size == capacity) {
            if (size >= MAX) {
                throw tooMany();
            }
            ensureCapacity(size + 1);
        }
        return size++;
    }

    private void ensureCapacity(int needed) {
        if (needed <= capacity) {
            return;
        }
        int newCapacity = (int) Math.min(MAX, Math.max((long) needed, Math.max(16L, capacity * 2L)));
        Object grown = Tensor.allocate(type, newCapacity);
        System.arraycopy(data, 0, grown, 0, size);
        data = grown;
        capacity = newCapacity;
    }

    private SluiceException tooMany() {
        return error(-1, "more than " + Tensor.MAX_ELEMENTS + " values");
    }

    private SluiceException mismatch(int index, String got) {
        return error(index, "expected " + expectation() + " but got " + got);
    }

    private SluiceException outOfRange(int index, String text) {
        return error(index, "value " + text + " is out of range for " + type.v2Name() + rangeNote());
    }

    private SluiceException notInteger(int index, String text) {
        return error(index, "value " + text + " is not an integer, as " + type.v2Name() + " requires");
    }

    private String rangeNote() {
        return switch (type) {
            case INT8 -> " [-128, 127]";
            case UINT8 -> " [0, 255]";
            case INT16 -> " [-32768, 32767]";
            case UINT16 -> " [0, 65535]";
            case INT32 -> " [-2147483648, 2147483647]";
            case UINT32 -> " [0, 4294967295]";
            case INT64 -> " [-9223372036854775808, 9223372036854775807]";
            case UINT64 -> " [0, 18446744073709551615]";
            case FP16 -> " (largest magnitude 65504)";
            case FP32 -> " (largest magnitude 3.4028235E38)";
            default -> "";
        };
    }

    private String expectation() {
        return switch (type) {
            case BOOL -> "a boolean (BOOL)";
            case BYTES -> "a string (BYTES)";
            default -> "a number (" + type.v2Name() + ")";
        };
    }

    /** A validation error naming this input and the value's position. */
    public SluiceException error(int index, String problem) {
        String position = where == null ? null : where.apply(index);
        return SluiceException.validation("input '" + inputName + "': " + problem
                + (position == null || position.isEmpty() ? "" : " (" + position + ")"));
    }

    static String quote(String s) {
        return "\"" + abbreviate(s) + "\"";
    }

    public static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
