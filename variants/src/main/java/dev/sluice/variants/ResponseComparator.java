package dev.sluice.variants;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Decides whether a shadow variant answered "the same" as production. A retrained or recompiled model rarely
 * reproduces the last bits of a float, so numbers are compared with a relative tolerance while the structure,
 * strings, booleans and nulls must match exactly:
 * <ol>
 *   <li>identical bytes are equivalent;</li>
 *   <li>two JSON documents (or two JSON Lines bodies with as many lines) are compared structurally: objects by
 *       key regardless of order, arrays element by element, numbers within tolerance;</li>
 *   <li>two CSV-style bodies of numbers are compared cell by cell within tolerance;</li>
 *   <li>anything else differs.</li>
 * </ol>
 * Numbers a and b are equivalent when |a − b| ≤ tolerance · max(1, |a|, |b|): relative for large values, absolute
 * near zero where relative error is meaningless. NaN equals only NaN and an infinity only itself, so a model that
 * starts producing NaN is reported as differing.
 */
public final class ResponseComparator {
    public static final double DEFAULT_TOLERANCE = 1e-4;

    // Python's json module writes NaN and Infinity; model servers written in it do so too.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private ResponseComparator() {
    }

    /** @throws IllegalArgumentException when the tolerance is negative or not finite */
    public static boolean equivalent(byte[] a, byte[] b, double tolerance) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (!Double.isFinite(tolerance) || tolerance < 0) {
            throw new IllegalArgumentException("tolerance must be finite and >= 0, got: " + tolerance);
        }
        if (Arrays.equals(a, b)) {
            return true;
        }
        JsonNode jsonA = parseJson(a);
        JsonNode jsonB = parseJson(b);
        if (jsonA != null && jsonB != null) {
            return jsonEquivalent(jsonA, jsonB, tolerance);
        }
        String textA = decodeUtf8(a);
        String textB = decodeUtf8(b);
        if (textA == null || textB == null) {
            return false;
        }
        List<String> linesA = lines(textA);
        List<String> linesB = lines(textB);
        List<JsonNode> jsonLinesA = parseJsonLines(linesA);
        List<JsonNode> jsonLinesB = parseJsonLines(linesB);
        if (jsonLinesA != null && jsonLinesB != null) {
            if (jsonLinesA.size() != jsonLinesB.size()) {
                return false;
            }
            for (int i = 0; i < jsonLinesA.size(); i++) {
                if (!jsonEquivalent(jsonLinesA.get(i), jsonLinesB.get(i), tolerance)) {
                    return false;
                }
            }
            return true;
        }
        double[][] csvA = parseNumericCsv(linesA);
        double[][] csvB = parseNumericCsv(linesB);
        if (csvA != null && csvB != null) {
            return csvEquivalent(csvA, csvB, tolerance);
        }
        return false;
    }

    /** Equivalence of two numbers under the rule in the class comment. */
    public static boolean numbersEquivalent(double a, double b, double tolerance) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.isNaN(a) && Double.isNaN(b);
        }
        if (Double.isInfinite(a) || Double.isInfinite(b)) {
            return a == b;
        }
        return Math.abs(a - b) <= tolerance * Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)));
    }

    private static boolean jsonEquivalent(JsonNode a, JsonNode b, double tolerance) {
        if (a.isNumber() && b.isNumber()) {
            return numbersEquivalent(a.doubleValue(), b.doubleValue(), tolerance);
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!jsonEquivalent(a.get(i), b.get(i), tolerance)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> field : a.properties()) {
                JsonNode other = b.get(field.getKey());
                if (other == null || !jsonEquivalent(field.getValue(), other, tolerance)) {
                    return false;
                }
            }
            return true;
        }
        // Strings, booleans, nulls, binary: exact.
        return a.equals(b);
    }

    private static JsonNode parseJson(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node == null || node.isMissingNode() ? null : node;
        } catch (java.io.IOException | RuntimeException notJson) {
            return null;
        }
    }

    private static List<JsonNode> parseJsonLines(List<String> lines) {
        if (lines.isEmpty()) {
            return null;
        }
        List<JsonNode> nodes = new ArrayList<>(lines.size());
        for (String line : lines) {
            JsonNode node = parseJson(line.getBytes(StandardCharsets.UTF_8));
            if (node == null) {
                return null;
            }
            nodes.add(node);
        }
        return nodes;
    }

    private static double[][] parseNumericCsv(List<String> lines) {
        if (lines.isEmpty()) {
            return null;
        }
        double[][] rows = new double[lines.size()][];
        for (int r = 0; r < rows.length; r++) {
            String[] cells = lines.get(r).split(",", -1);
            double[] row = new double[cells.length];
            for (int c = 0; c < cells.length; c++) {
                Double value = parseNumber(cells[c].strip());
                if (value == null) {
                    return null;
                }
                row[c] = value;
            }
            rows[r] = row;
        }
        return rows;
    }

    private static boolean csvEquivalent(double[][] a, double[][] b, double tolerance) {
        if (a.length != b.length) {
            return false;
        }
        for (int r = 0; r < a.length; r++) {
            if (a[r].length != b[r].length) {
                return false;
            }
            for (int c = 0; c < a[r].length; c++) {
                if (!numbersEquivalent(a[r][c], b[r][c], tolerance)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Decimal numbers plus the spellings numpy and Python print for non-finite values. */
    private static Double parseNumber(String cell) {
        String lower = cell.toLowerCase(Locale.ROOT);
        String unsigned = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
        if (unsigned.equals("nan")) {
            return Double.NaN;
        }
        if (unsigned.equals("inf") || unsigned.equals("infinity")) {
            return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (!NUMBER.matcher(cell).matches()) {
            return null;
        }
        return Double.parseDouble(cell);
    }

    /** Lines without their terminators; trailing blank lines (a final newline) do not count. */
    private static List<String> lines(String text) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\r?\n", -1)));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    private static String decodeUtf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException notText) {
            return null;
        }
    }
}
