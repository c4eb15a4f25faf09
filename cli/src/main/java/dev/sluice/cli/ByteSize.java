package dev.sluice.cli;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * A byte count as operators write it: {@code 1048576}, {@code 512m}, {@code 2g}, {@code 1.5G}, {@code 64KiB}. Units
 * are binary (k = 1024), as in the JVM's {@code -Xmx} and Kubernetes' {@code Mi}/{@code Gi}, which is what a memory
 * budget is usually copied from.
 */
final class ByteSize implements CommandLine.ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b)?");
    static final String EXAMPLES = "a number of bytes, or a number with k, m, g or t (e.g. 1048576, 512m, 2g)";

    @Override
    public Long convert(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** @throws IllegalArgumentException naming the value and the accepted forms */
    static long parse(String value) {
        Matcher m = SIZE.matcher(value == null ? "" : value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a size: use " + EXAMPLES);
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
        if (bytes.compareTo(BigDecimal.ONE) < 0) {
            throw new IllegalArgumentException("'" + value + "' must be at least 1 byte");
        }
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + value + "' is larger than " + Long.MAX_VALUE + " bytes");
        }
        return bytes.longValue();
    }
}
