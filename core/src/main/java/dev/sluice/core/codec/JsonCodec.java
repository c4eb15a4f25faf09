package dev.sluice.core.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.internal.JsonSupport;
import dev.sluice.core.codec.internal.NestedArrayReader;
import dev.sluice.core.codec.internal.Outputs;
import dev.sluice.core.codec.internal.RowsReader;
import dev.sluice.core.codec.internal.Shapes;
import dev.sluice.core.codec.internal.TensorBuffer;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code application/json}: the request and response forms of SageMaker's framework containers (TensorFlow
 * Serving, KServe v1 and Hugging Face style), plus Open Inference Protocol v2 bodies sent to {@code /invocations}.
 *
 * <h2>Requests</h2>
 * <ul>
 *   <li>{@code {"inputs": {"<input>": value, ...}}} — one entry per model input, each a nested array (or a bare
 *       value for a rank-0 input). Every input must be given; unknown names are rejected.
 *       Response style {@link DecodedPayload#STYLE_INPUTS}.</li>
 *   <li>{@code {"inputs": value}} — the single input of a one-input model. A bare scalar for a rank-1 input is a
 *       batch of one, so {@code {"inputs": "a cat sits"}} works for a text model. Style
 *       {@link DecodedPayload#STYLE_INPUTS}.</li>
 *   <li>{@code {"instances": [row, ...]}} — one entry along the first dimension per row: the row value of a
 *       one-input model (a scalar for a rank-1 input), or {@code {"<input>": rowValue, ...}} naming every input.
 *       A bare top-level array {@code [row, ...]} is read the same way, as TensorFlow Serving does. Style
 *       {@link DecodedPayload#STYLE_INSTANCES}.</li>
 *   <li>{@code {"inputs": [{"name": ..., "datatype": ..., "shape": ..., "data": ...}, ...]}} — an Open Inference
 *       Protocol v2 request, decoded by {@link OipV2JsonCodec} (style {@link DecodedPayload#STYLE_V2}), so
 *       Triton/KServe v2 clients work unchanged.</li>
 * </ul>
 * Values are converted to the dtype each input declares: JSON numbers into numeric inputs (non-integral numbers
 * into integer inputs, and out-of-range values, are rejected), {@code true}/{@code false} into BOOL inputs,
 * strings into BYTES inputs as UTF-8. Ragged arrays, {@code NaN}/{@code Infinity}, {@code null}, strings where
 * numbers belong and booleans where numbers belong are ValidationErrors naming the input and the line and column.
 * An empty array takes its inner dimensions from the model ({@code []} for a {@code [-1, 4]} input is
 * {@code [0, 4]}). Other top-level fields (such as {@code "parameters"}) are ignored. Nesting deeper than
 * {@value JsonSupport#MAX_NESTING_DEPTH} levels and invalid UTF-8 are rejected.
 *
 * <h2>Responses</h2>
 * By the request's style hint:
 * <ul>
 *   <li>{@code inputs} (the default): {@code {"outputs": {"<output>": nestedArray, ...}}};</li>
 *   <li>{@code instances}: {@code {"predictions": [row, ...]}} — the row value of the single output, or
 *       {@code {"<output>": rowValue, ...}} per row when there are several (406 when their row counts differ);</li>
 *   <li>{@code flat}: {@code {"<output>": nestedArray, ...}}, for pipelines that shape their own response
 *       (e.g. {@code {"embeddings": [[...], [...]]}});</li>
 *   <li>{@code v2}: an Open Inference Protocol v2 response from {@link OipV2JsonCodec}.</li>
 * </ul>
 * Outputs appear in signature order, limited to {@link DecodedPayload#HINT_OUTPUTS} when present. Floats are
 * written in their shortest round-tripping form, non-finite values as {@code null}, unsigned types as unsigned,
 * BYTES as UTF-8 strings (invalid sequences become U+FFFD).
 */
public final class JsonCodec implements PayloadCodec {
    public static final String MEDIA_TYPE = "application/json";
    private static final String FORMAT = "JSON";

    private final OipV2JsonCodec v2 = new OipV2JsonCodec();

    @Override
    public List<String> mediaTypes() {
        return List.of(MEDIA_TYPE);
    }

    @Override
    public DecodedPayload decode(byte[] body, ModelSignature signature) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(signature, "signature");
        return JsonSupport.decode(FORMAT, body, "the JSON body", p -> decode(p, body, signature));
    }

    private DecodedPayload decode(JsonParser p, byte[] body, ModelSignature signature) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw SluiceException.validation("the JSON body is empty; send {\"inputs\": ...} or {\"instances\": [...]}");
        }
        if (t == JsonToken.START_ARRAY) {
            Map<String, Tensor> inputs = readRows(p, signature, "row ");
            JsonSupport.expectEnd(p, FORMAT);
            return new DecodedPayload(inputs, Map.of(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES));
        }
        if (t != JsonToken.START_OBJECT) {
            throw SluiceException.validation("the JSON body must be an object such as {\"inputs\": ...} or "
                    + "{\"instances\": [...]}, not " + JsonSupport.describe(p));
        }
        Map<String, Tensor> inputs = null;
        String style = null;
        for (t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "inputs" -> {
                    rejectSecond(style);
                    style = DecodedPayload.STYLE_INPUTS;
                    if (value == JsonToken.START_OBJECT) {
                        inputs = readNamed(p, signature);
                    } else if (value == JsonToken.START_ARRAY) {
                        if (p.nextToken() == JsonToken.START_OBJECT) {
                            // Only an OIP v2 request puts objects in an "inputs" array; it re-reads the whole body
                            // because its "id" and "outputs" may come before or after.
                            return v2.decode(body, signature);
                        }
                        inputs = readSingle(p, signature, true);
                    } else {
                        inputs = readSingle(p, signature, false);
                    }
                }
                case "instances" -> {
                    rejectSecond(style);
                    style = DecodedPayload.STYLE_INSTANCES;
                    if (value != JsonToken.START_ARRAY) {
                        throw SluiceException.validation("\"instances\" must be an array with one entry per row, not "
                                + JsonSupport.describe(p));
                    }
                    inputs = readRows(p, signature, "instances[");
                }
                default -> p.skipChildren();
            }
        }
        JsonSupport.expectEnd(p, FORMAT);
        if (inputs == null) {
            throw SluiceException.validation("the JSON body needs an \"inputs\" or an \"instances\" field");
        }
        return new DecodedPayload(inputs, Map.of(DecodedPayload.HINT_STYLE, style));
    }

    private static void rejectSecond(String style) {
        if (style != null) {
            throw SluiceException.validation("send either \"inputs\" or \"instances\", not both");
        }
    }

    private static Map<String, Tensor> readNamed(JsonParser p, ModelSignature signature) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            TensorSpec spec = signature.input(name).orElseThrow(() -> SluiceException.validation("unknown input '"
                    + TensorBuffer.abbreviate(name) + "'; the model's inputs are " + inputNames(signature)));
            if (out.containsKey(name)) {
                throw SluiceException.validation("input '" + name + "' is given twice");
            }
            p.nextToken();
            NestedArrayReader reader = NestedArrayReader.forTensor(
                    TensorBuffer.growing(spec.type(), name, i -> JsonSupport.location(p)));
            reader.readValue(p);
            out.put(name, finish(reader, spec));
        }
        for (TensorSpec spec : signature.inputs()) {
            if (!out.containsKey(spec.name())) {
                throw SluiceException.validation("missing input '" + spec.name() + "'; the model's inputs are "
                        + inputNames(signature));
            }
        }
        return out;
    }

    private static Map<String, Tensor> readSingle(JsonParser p, ModelSignature signature, boolean afterArrayStart)
            throws IOException {
        if (signature.inputs().size() != 1) {
            throw SluiceException.validation("the model has " + signature.inputs().size() + " inputs "
                    + inputNames(signature) + "; name each one: {\"inputs\": {\"<name>\": ...}}");
        }
        TensorSpec spec = signature.inputs().get(0);
        NestedArrayReader reader = NestedArrayReader.forTensor(
                TensorBuffer.growing(spec.type(), spec.name(), i -> JsonSupport.location(p)));
        if (afterArrayStart) {
            reader.readArrayAfterStart(p);
        } else {
            reader.readValue(p);
        }
        return Map.of(spec.name(), finish(reader, spec));
    }

    private static Tensor finish(NestedArrayReader reader, TensorSpec spec) {
        TensorBuffer buffer = reader.buffer();
        long[] shape = Shapes.fitNested(reader.shape(0), buffer.size(), spec, true);
        Tensor tensor = buffer.toTensor(shape);
        spec.check(tensor);
        return tensor;
    }

    /** Reads the rows of an array whose START_ARRAY is the current token. */
    private static Map<String, Tensor> readRows(JsonParser p, ModelSignature signature, String labelPrefix)
            throws IOException {
        RowsReader rows = new RowsReader(signature, p, "instance");
        String suffix = labelPrefix.endsWith("[") ? "]" : "";
        int index = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw SluiceException.validation("malformed JSON: the body ends inside an array");
            }
            rows.readRow(p, labelPrefix + index + suffix);
            index++;
        }
        return rows.finish();
    }

    static List<String> inputNames(ModelSignature signature) {
        return signature.inputs().stream().map(TensorSpec::name).toList();
    }

    @Override
    public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
        String style = context.hint(DecodedPayload.HINT_STYLE);
        if (DecodedPayload.STYLE_V2.equals(style)) {
            return v2.encode(outputs, context);
        }
        Map<String, Tensor> selected = Outputs.select(outputs, context);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JsonSupport.generator(out)) {
            if (DecodedPayload.STYLE_INSTANCES.equals(style)) {
                writePredictions(g, selected);
            } else {
                g.writeStartObject();
                if (!DecodedPayload.STYLE_FLAT.equals(style)) {
                    g.writeFieldName("outputs");
                    g.writeStartObject();
                }
                for (Map.Entry<String, Tensor> e : selected.entrySet()) {
                    g.writeFieldName(e.getKey());
                    JsonSupport.writeNested(g, e.getValue());
                }
                if (!DecodedPayload.STYLE_FLAT.equals(style)) {
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writePredictions(JsonGenerator g, Map<String, Tensor> selected) throws IOException {
        int rows = Outputs.commonRows(selected, "a JSON \"predictions\" response",
                "send the request as {\"inputs\": ...} to get each output whole");
        g.writeStartObject();
        g.writeFieldName("predictions");
        g.writeStartArray();
        for (int r = 0; r < rows; r++) {
            JsonSupport.writeRecord(g, selected, r);
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
