package dev.sluice.core.codec.internal;

import com.fasterxml.jackson.core.io.NumberInput;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Values as text, for CSV: parsing a field into a {@link TensorBuffer} and formatting an element back. */
public final class TextValues {
    /** Same bound as Jackson's default: longer numbers are an attack on BigDecimal parsing, not data. */
    private static final int MAX_NUMBER_LENGTH = 1000;

    private TextValues() {
    }

    /**
     * Appends the value written as {@code text}. Numbers are decimal ({@code -1}, {@code 2.5}, {@code 1e-3});
     * {@code nan}, {@code inf}, {@code -inf} (any case, also {@code Infinity}) are accepted for floating inputs;
     * BOOL accepts {@code true}/{@code false}/{@code 1}/{@code 0} in any case; BYTES takes the text as is.
     *
     * @param hint appended to the message when the text is not a number at all (e.g. "CSV bodies have no header")
     */
    public static void add(TensorBuffer buffer, String field, String hint) {
        if (buffer.type() == DataType.BYTES) {
            buffer.addBytes(field.getBytes(StandardCharsets.UTF_8));
            return;
        }
        // Quoting keeps blanks for text; for a number they carry no meaning.
        String text = field.trim();
        switch (buffer.type()) {
            case BOOL -> {
                String t = text.toLowerCase(Locale.ROOT);
                switch (t) {
                    case "true", "1" -> buffer.addBoolean(true);
                    case "false", "0" -> buffer.addBoolean(false);
                    default -> throw buffer.rejectNext(describe(text) + " (write true, false, 1 or 0)");
                }
                return;
            }
            default -> {
            }
        }
        if (text.isEmpty()) {
            throw buffer.rejectNext("an empty field (write 0, or nan for a missing floating-point value)");
        }
        if (text.length() > MAX_NUMBER_LENGTH) {
            throw buffer.rejectNext("a field of " + text.length() + " characters");
        }
        int kind = numberKind(text);
        if (kind == INTEGER) {
            if (text.length() <= 18) {
                buffer.addLong(Long.parseLong(text));
            } else {
                buffer.addBigInteger(new BigInteger(text));
            }
        } else if (kind == DECIMAL) {
            switch (buffer.type()) {
                // Jackson's bundled FastDoubleParser: exactly the JDK's rounding, several times faster.
                case FP32, FP16 -> addFinite(buffer, text, NumberInput.parseFloat(text, true));
                case FP64 -> {
                    double d = NumberInput.parseDouble(text, true);
                    if (Double.isInfinite(d)) {
                        buffer.addDecimal(decimal(buffer, text));
                    } else {
                        buffer.addDouble(d);
                    }
                }
                default -> buffer.addDecimal(decimal(buffer, text));
            }
        } else {
            double special = nonFinite(text);
            if (Double.isNaN(special) && !text.equalsIgnoreCase("nan")) {
                throw buffer.rejectNext(describe(text) + hint);
            }
            buffer.addDouble(special);
        }
    }

    private static void addFinite(TensorBuffer buffer, String text, float f) {
        if (Float.isInfinite(f)) {
            // The text was a finite number too large for float: let the buffer report it as out of range.
            buffer.addDecimal(decimal(buffer, text));
        } else {
            buffer.addFloat(f);
        }
    }

    private static BigDecimal decimal(TensorBuffer buffer, String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            // Only an exponent beyond the int range gets here (the syntax was checked): far out of any range.
            throw buffer.rejectNext(describe(text) + " (exponent out of range)");
        }
    }

    private static String describe(String text) {
        return "\"" + TensorBuffer.abbreviate(text) + "\"";
    }

    private static final int NOT_A_NUMBER = 0;
    private static final int INTEGER = 1;
    private static final int DECIMAL = 2;

    /** Classifies plain decimal syntax; Java's parsers alone would also take hex floats, "1f" and "1d". */
    static int numberKind(String s) {
        int i = 0;
        int n = s.length();
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int intDigits = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
            intDigits++;
        }
        boolean decimal = false;
        int fractionDigits = 0;
        if (i < n && s.charAt(i) == '.') {
            decimal = true;
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                fractionDigits++;
            }
        }
        if (intDigits + fractionDigits == 0) {
            return NOT_A_NUMBER;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            decimal = true;
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int expDigits = 0;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                expDigits++;
            }
            if (expDigits == 0) {
                return NOT_A_NUMBER;
            }
        }
        if (i != n) {
            return NOT_A_NUMBER;
        }
        return decimal ? DECIMAL : INTEGER;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The non-finite value {@code text} spells, or NaN when it spells none (callers tell "nan" apart). */
    private static double nonFinite(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        return switch (t) {
            case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.NaN;
        };
    }

    /** Appends element {@code i} as CSV text: shortest round-tripping floats, nan/inf/-inf, quoted strings. */
    public static void format(StringBuilder sb, Tensor t, int i) {
        switch (t.type()) {
            case BOOL -> sb.append(t.booleans()[i]);
            case INT8 -> sb.append(t.bytes()[i]);
            case UINT8 -> sb.append(Byte.toUnsignedInt(t.bytes()[i]));
            case INT16 -> sb.append(t.shorts()[i]);
            case UINT16 -> sb.append(Short.toUnsignedInt(t.shorts()[i]));
            case INT32 -> sb.append(t.ints()[i]);
            case UINT32 -> sb.append(Integer.toUnsignedLong(t.ints()[i]));
            case INT64 -> sb.append(t.longs()[i]);
            case UINT64 -> sb.append(Long.toUnsignedString(t.longs()[i]));
            case FP16 -> appendFloat(sb, Halves.shortestFloat(t.shorts()[i]));
            case FP32 -> appendFloat(sb, t.floats()[i]);
            case FP64 -> {
                double d = t.doubles()[i];
                if (Double.isFinite(d)) {
                    sb.append(d);
                } else {
                    sb.append(Double.isNaN(d) ? "nan" : d > 0 ? "inf" : "-inf");
                }
            }
            case BYTES -> appendText(sb, new String(t.strings()[i], StandardCharsets.UTF_8));
        }
    }

    private static void appendFloat(StringBuilder sb, float f) {
        if (Float.isFinite(f)) {
            sb.append(f);
        } else {
            sb.append(Float.isNaN(f) ? "nan" : f > 0 ? "inf" : "-inf");
        }
    }

    /** Quotes text that would otherwise not read back as itself: delimiters, quotes, edge blanks, empty. */
    private static void appendText(StringBuilder sb, String s) {
        boolean needsQuotes = s.isEmpty();
        for (int k = 0; k < s.length() && !needsQuotes; k++) {
            char c = s.charAt(k);
            needsQuotes = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        if (!needsQuotes) {
            char first = s.charAt(0);
            char last = s.charAt(s.length() - 1);
            // A leading U+FEFF would read as a byte order mark when it opens the body.
            needsQuotes = first == ' ' || first == '\t' || first == '\uFEFF' || last == ' ' || last == '\t';
        }
        if (!needsQuotes) {
            sb.append(s);
            return;
        }
        sb.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '"') {
                sb.append('"');
            }
            sb.append(c);
        }
        sb.append('"');
    }
}
