package dev.sluice.core.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.internal.JsonSupport;
import dev.sluice.core.codec.internal.Outputs;
import dev.sluice.core.codec.internal.RowsReader;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * JSON Lines: {@code application/jsonlines}, also {@code application/x-jsonlines} and {@code application/jsonl}
 * (SageMaker batch transform's line-split JSON).
 *
 * <h2>Requests</h2>
 * Each non-blank line holds one JSON value, which is one row (one entry along the first dimension):
 * <ul>
 *   <li>for a one-input model, the row value itself: {@code [5.1, 3.5, 1.4, 0.2]} for a {@code [-1, 4]} input,
 *       a scalar such as {@code 0.5} or {@code "a cat sits"} for a rank-1 input;</li>
 *   <li>for any model, an object naming every input: {@code {"input_ids": [1, 2, 3], "mask": [1, 1, 1]}}.</li>
 * </ul>
 * All rows must have the same shape. Values follow the same rules as {@link JsonCodec} (dtype conversion, no
 * NaN, strict UTF-8, nesting limit); errors name the line and column. Two values on one line are rejected; a
 * single value may span lines.
 *
 * <h2>Responses</h2>
 * One line per row, each ending in {@code \n}: the row value for a single output, {@code {"<output>": rowValue,
 * ...}} for several (406 when their row counts differ). A rank-0 output is written as one line.
 * {@link DecodedPayload#HINT_OUTPUTS} limits the outputs written.
 */
public final class JsonLinesCodec implements PayloadCodec {
    public static final String MEDIA_TYPE = "application/jsonlines";
    private static final String FORMAT = "JSON Lines";

    @Override
    public List<String> mediaTypes() {
        return List.of(MEDIA_TYPE, "application/x-jsonlines", "application/jsonl");
    }

    @Override
    public DecodedPayload decode(byte[] body, ModelSignature signature) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(signature, "signature");
        return JsonSupport.decode(FORMAT, body, "the JSON Lines body", p -> new DecodedPayload(decode(p, signature)));
    }

    private static Map<String, Tensor> decode(JsonParser p, ModelSignature signature) throws IOException {
        RowsReader rows = new RowsReader(signature, p, "line");
        int lastLine = 0;
        for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
            int line = p.currentTokenLocation().getLineNr();
            if (line == lastLine) {
                throw SluiceException.validation("line " + line + " holds more than one JSON value; JSON Lines "
                        + "needs one value per line");
            }
            rows.readRow(p, "line " + line);
            // The last token's start, not the parser's position: after a root-level number Jackson has already
            // consumed the line break that ended it.
            lastLine = p.currentTokenLocation().getLineNr();
        }
        if (rows.rows() == 0) {
            throw SluiceException.validation("the JSON Lines body holds no rows");
        }
        return rows.finish();
    }

    @Override
    public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
        Map<String, Tensor> selected = Outputs.select(outputs, context);
        int rows = Outputs.commonRows(selected, FORMAT, "ask for application/json instead");
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JsonSupport.generator(out)) {
            g.setRootValueSeparator(null);
            for (int r = 0; r < rows; r++) {
                JsonSupport.writeRecord(g, selected, r);
                g.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
