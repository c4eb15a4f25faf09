package dev.sluice.pipeline.processors.tabular;

import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Accumulates records into the feature matrix, one row at a time. A row arrives as one cell per spec column: null
 * (missing), a {@link String} (CSV text, a JSON string), a {@link JsonNumber} or a {@link Boolean}. Errors name the
 * row and the column, because they go back to the client as ValidationErrors.
 *
 * <p>Not thread-safe: one per request.
 */
final class FeatureRows {
    /** A JSON number with the text it was written as (a categorical column matches {@code 2}, not {@code 2.0}). */
    record JsonNumber(String text, double value) {
    }

    /** Plain decimal notation only: {@code Double.parseDouble} would also take "NaN", "0x1p3" and "1d". */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private final FeatureSpec spec;
    private final int maxRows;
    private final String limitSource;
    private final int width;
    private float[] data;
    private int rows;
    private final List<byte[]> records = new ArrayList<>();

    /**
     * @param limitSource where the row limit comes from, for the message (e.g. "Environment.MAX_ROWS of container 'x'")
     */
    FeatureRows(FeatureSpec spec, int maxRows, String limitSource) {
        this.spec = spec;
        this.maxRows = maxRows;
        this.limitSource = limitSource;
        this.width = spec.width();
        this.data = new float[Math.min(maxRows, 16) * width];
    }

    int rows() {
        return rows;
    }

    /** The next row's 1-based number, for locations of errors found before {@link #add}. */
    int nextRowNumber() {
        return rows + 1;
    }

    /** Fails before a row beyond the limit is even read, so a huge body costs no more than the limit. */
    void checkCapacity() {
        if (rows >= maxRows) {
            throw SluiceException.validation("the request has more than " + maxRows + " rows, the limit ("
                    + limitSource + "); send fewer rows per request");
        }
    }

    /**
     * Adds one row.
     *
     * @param cells  one entry per spec column (see the class comment); not kept
     * @param where  the row's location for messages, e.g. {@code row 3 (line 4)}
     * @param record the row's source as a record (JSON text), kept for the {@code records} tensor
     */
    void add(Object[] cells, String where, byte[] record) {
        checkCapacity();
        if (data.length < (rows + 1) * width) {
            data = Arrays.copyOf(data, Math.min(maxRows, Math.max(rows * 2, 16)) * width);
        }
        int offset = rows * width;
        for (int c = 0; c < cells.length; c++) {
            FeatureSpec.Column column = spec.columns().get(c);
            switch (column) {
                case FeatureSpec.Numeric numeric -> data[offset] = numeric(numeric, cells[c], where);
                case FeatureSpec.Categorical categorical -> oneHot(categorical, cells[c], where, offset);
            }
            offset += column.width();
        }
        records.add(record);
        rows++;
    }

    private static float numeric(FeatureSpec.Numeric column, Object cell, String where) {
        double x;
        if (isMissing(cell)) {
            if (column.defaultValue() == null) {
                throw missing(column, where);
            }
            x = column.defaultValue();
        } else if (cell instanceof JsonNumber number) {
            x = number.value();
            if (!Double.isFinite(x)) {
                throw invalid(column, where, number.text() + " is not a finite number");
            }
        } else if (cell instanceof String text) {
            x = parseNumber(text);
            if (Double.isNaN(x)) {
                throw invalid(column, where, "'" + abbreviate(text) + "' is not a number");
            }
            if (Double.isInfinite(x)) {
                throw invalid(column, where, "'" + abbreviate(text) + "' is out of range");
            }
        } else {
            throw invalid(column, where, "expected a number, got " + cell);
        }
        float feature = (float) ((x - column.mean()) / column.std());
        if (!Float.isFinite(feature)) {
            throw invalid(column, where, x + " is out of range for a 32-bit float feature");
        }
        return feature;
    }

    private void oneHot(FeatureSpec.Categorical column, Object cell, String where, int offset) {
        String category;
        if (isMissing(cell)) {
            if (column.defaultValue() == null) {
                throw missing(column, where);
            }
            category = column.defaultValue();
        } else if (cell instanceof String text) {
            category = text;
        } else if (cell instanceof JsonNumber number) {
            category = number.text();
        } else {
            category = cell.toString();
        }
        int index = column.categories().indexOf(category);
        if (index >= 0) {
            data[offset + index] = 1f;
        } else if (!column.ignoreUnknown()) {
            throw invalid(column, where, "unknown category '" + abbreviate(category) + "'; expected one of "
                    + column.categories());
        }
        // Unknown and ignored: the one-hot block stays all zeros (scikit-learn's handle_unknown="ignore").
    }

    private static boolean isMissing(Object cell) {
        return cell == null || cell instanceof String s && s.isBlank();
    }

    /** The value of a decimal number, NaN when the text is none (non-finite spellings included). */
    static double parseNumber(String text) {
        String t = text.strip();
        if (!DECIMAL.matcher(t).matches()) {
            return Double.NaN;
        }
        return Double.parseDouble(t);
    }

    private static SluiceException missing(FeatureSpec.Column column, String where) {
        return SluiceException.validation(where + ", column '" + column.name() + "': a value is required (the "
                + "feature spec gives this column no default)");
    }

    private static SluiceException invalid(FeatureSpec.Column column, String where, String problem) {
        return SluiceException.validation(where + ", column '" + column.name() + "': " + problem);
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    /** The matrix [rows, F]. */
    Tensor matrix() {
        return Tensor.ofFloats(new long[] {rows, width}, data.length == rows * width ? data : Arrays.copyOf(data, rows * width));
    }

    /** The rows' records, BYTES [rows]. */
    Tensor records() {
        return Tensor.ofStrings(new long[] {rows}, records.toArray(byte[][]::new));
    }
}
