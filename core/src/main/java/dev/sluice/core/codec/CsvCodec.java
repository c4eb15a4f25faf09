package dev.sluice.core.codec;

import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.internal.CsvReader;
import dev.sluice.core.codec.internal.Failures;
import dev.sluice.core.codec.internal.Outputs;
import dev.sluice.core.codec.internal.Shapes;
import dev.sluice.core.codec.internal.TensorBuffer;
import dev.sluice.core.codec.internal.TextValues;
import dev.sluice.core.codec.internal.Utf8;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code text/csv} (any {@code charset} parameter is ignored: bodies must be UTF-8), the format of SageMaker's
 * built-in algorithms and batch transform.
 *
 * <h2>Requests</h2>
 * For a model with exactly one input. No header row. Each non-blank line is one row; every row must have as many
 * fields as the first, giving shape {@code [rows, fields]}. That shape is fitted to the input's rank: one field
 * per row for a rank-1 input gives {@code [rows]}; a single line for a rank-1 input gives {@code [fields]}; flat
 * rows for an input of rank 3 or more whose non-batch dimensions are fixed are reshaped to them (e.g. 784 fields
 * per line for a {@code [-1, 28, 28]} input).
 * <p>Fields follow RFC 4180: separated by commas, optionally in double quotes (which may then contain commas,
 * line breaks and {@code ""} for a quote); records end with LF, CRLF or CR; spaces and tabs around a field are
 * ignored unless quoted; a UTF-8 byte order mark is skipped. Values are converted to the input's dtype: decimal
 * numbers ({@code 3}, {@code -0.5}, {@code 1e-3}), {@code nan}/{@code inf}/{@code -inf} for floating inputs,
 * {@code true}/{@code false}/{@code 1}/{@code 0} for BOOL, the text itself for BYTES. An empty field is a
 * ValidationError for numeric and BOOL inputs (write {@code 0}, or {@code nan} for a missing value, so that
 * nothing is guessed); for BYTES it is the empty string. Errors name the line and column.
 *
 * <h2>Responses</h2>
 * One line per row (first dimension), each ending in {@code \n}; with several outputs, each line holds every
 * output's values for that row, in signature order (406 when their row counts differ). A rank-1 output gives one
 * value per line; a rank-0 output one line. Floats are written in their shortest round-tripping form,
 * non-finite as {@code nan}/{@code inf}/{@code -inf}; BYTES as text, quoted when needed.
 * {@link DecodedPayload#HINT_OUTPUTS} limits the outputs written.
 */
public final class CsvCodec implements PayloadCodec {
    public static final String MEDIA_TYPE = "text/csv";
    private static final String FORMAT = "CSV";

    @Override
    public List<String> mediaTypes() {
        return List.of(MEDIA_TYPE);
    }

    @Override
    public DecodedPayload decode(byte[] body, ModelSignature signature) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(signature, "signature");
        return Failures.guarded(FORMAT, () -> new DecodedPayload(decodeInput(body, signature)));
    }

    private static Map<String, Tensor> decodeInput(byte[] body, ModelSignature signature) {
        if (signature.inputs().size() != 1) {
            throw SluiceException.validation("text/csv needs a model with exactly one input; this model has "
                    + signature.inputs().size() + " " + JsonCodec.inputNames(signature)
                    + ", so send application/json");
        }
        Utf8.validate(body, "the CSV body");
        TensorSpec spec = signature.inputs().get(0);
        CsvReader csv = new CsvReader(body);
        TensorBuffer buffer = TensorBuffer.growing(spec.type(), spec.name(),
                i -> "line " + csv.recordLine() + ", column " + csv.column());
        long rows = 0;
        int width = -1;
        int firstLine = 0;
        while (csv.nextRecord()) {
            int columns = 0;
            while (csv.nextField()) {
                columns++;
                if (width >= 0 && columns > width) {
                    throw columnCount(csv.recordLine(), "more than " + width, width, firstLine);
                }
                String hint = rows == 0 ? " (text/csv bodies have no header row)" : "";
                TextValues.add(buffer, csv.field(), hint);
            }
            if (width < 0) {
                width = columns;
                firstLine = csv.recordLine();
            } else if (columns != width) {
                throw columnCount(csv.recordLine(), Integer.toString(columns), width, firstLine);
            }
            rows++;
        }
        if (rows == 0) {
            throw SluiceException.validation("the CSV body holds no rows");
        }
        long[] shape = Shapes.fitRows(rows, new long[] {width}, spec);
        Tensor tensor = buffer.toTensor(shape);
        spec.check(tensor);
        return Map.of(spec.name(), tensor);
    }

    private static SluiceException columnCount(int line, String got, int width, int firstLine) {
        return SluiceException.validation("line " + line + " has " + got + " columns but line " + firstLine
                + " has " + width + "; every row needs the same number of values");
    }

    @Override
    public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
        Map<String, Tensor> selected = Outputs.select(outputs, context);
        int rows = Outputs.commonRows(selected, FORMAT, "ask for application/json instead");
        StringBuilder sb = new StringBuilder(64);
        for (int r = 0; r < rows; r++) {
            boolean first = true;
            for (Tensor t : selected.values()) {
                int rowSize = Outputs.rowSize(t);
                int base = r * rowSize;
                for (int j = 0; j < rowSize; j++) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    TextValues.format(sb, t, base + j);
                }
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
