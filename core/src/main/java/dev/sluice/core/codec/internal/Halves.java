package dev.sluice.core.codec.internal;

import java.math.BigDecimal;
import java.math.MathContext;

/** FP16 values as text. */
public final class Halves {
    private Halves() {
    }

    /**
     * A float that converts back to half {@code h} and prints as few digits as possible: the half nearest 0.333 is
     * 0.33300781 as a float, which would print as {@code 0.3330078}; this returns the float 0.333 instead, which
     * reads back as the same half.
     */
    public static float shortestFloat(short h) {
        float exact = Float.float16ToFloat(h);
        if (!Float.isFinite(exact) || exact == 0) {
            return exact;
        }
        BigDecimal value = new BigDecimal(exact);
        for (int digits = 1; digits < 9; digits++) {
            float candidate = value.round(new MathContext(digits)).floatValue();
            if (Float.floatToFloat16(candidate) == h) {
                return candidate;
            }
        }
        return exact;
    }
}
