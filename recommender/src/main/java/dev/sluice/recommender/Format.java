package dev.sluice.recommender;

import java.math.BigDecimal;
import java.util.Locale;

/** Number formatting shared by the JSON, HTML and terminal reports, so the three agree digit for digit. */
final class Format {
    private Format() {
    }

    /** 2 → "2", 2.5 → "2.5", 0.125 → "0.125": no trailing zeros, no exponent. */
    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** Milliseconds for a table: 3 significant digits below 100, whole numbers above. */
    static String millis(Double value) {
        if (value == null || value.isNaN()) {
            return "-";
        }
        if (value >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (value >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** Rounds to {@code digits} significant digits (for prices per inference, which are tiny). */
    static double significant(double value, int digits) {
        if (value == 0 || Double.isNaN(value) || Double.isInfinite(value)) {
            return value;
        }
        return new BigDecimal(value).round(new java.math.MathContext(digits)).doubleValue();
    }

    static String grouped(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
