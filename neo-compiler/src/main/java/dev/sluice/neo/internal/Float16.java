package dev.sluice.neo.internal;

/** IEEE 754 binary16 conversions (round to nearest even), as ONNX stores FLOAT16. */
public final class Float16 {
    /** The largest finite float16. */
    public static final float MAX = 65504f;

    private Float16() {
    }

    public static short fromFloat(float value) {
        return Float.floatToFloat16(value);
    }

    public static float toFloat(short half) {
        return Float.float16ToFloat(half);
    }

    /** {@code value} rounded to the nearest float16 and back: what storing it as float16 keeps. */
    public static float round(float value) {
        return toFloat(fromFloat(value));
    }
}
