package dev.sluice.core.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.internal.Conversions;
import dev.sluice.core.codec.internal.JsonSupport;
import dev.sluice.core.codec.internal.NestedArrayReader;
import dev.sluice.core.codec.internal.Outputs;
import dev.sluice.core.codec.internal.TensorBuffer;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Open Inference Protocol v2 (KServe v2 / Triton) JSON bodies, media type
 * {@value #MEDIA_TYPE}: the gateway sets it for {@code POST /v2/models/{name}/infer}, and {@link JsonCodec} hands
 * {@code application/json} bodies of this form here.
 *
 * <h2>Requests</h2>
 * <pre>{@code
 * {"id": "42",                                   // optional, echoed in the response
 *  "parameters": {...},                          // optional, ignored
 *  "inputs": [{"name": "input_ids", "shape": [2, 3], "datatype": "INT64",
 *              "parameters": {...},              // optional, ignored
 *              "data": [1, 2, 3, 4, 5, 6]}],     // flat or nested, row-major
 *  "outputs": [{"name": "logits"}]}              // optional: only these outputs come back
 * }</pre>
 * Every model input must be given exactly once. {@code data} may be flat or nested (nested data must be
 * rectangular); its element count must equal the product of {@code shape}. Datatypes: {@code BOOL} (JSON
 * {@code true}/{@code false}), {@code UINT8}…{@code UINT64}, {@code INT8}…{@code INT64}, {@code FP16},
 * {@code FP32}, {@code FP64} (JSON numbers, range-checked against the declared type) and {@code BYTES} (JSON
 * strings, sent to the model as UTF-8). The declared datatype must be the model input's, or one that widens to it
 * without loss (INT32 → INT64, FP32 → FP64, UINT8 → FP32…); anything else is a ValidationError naming both.
 * Unknown output names in {@code outputs} are rejected when the signature lists its outputs. Hints:
 * {@link DecodedPayload#STYLE_V2}, {@link DecodedPayload#HINT_ID} when {@code id} is given,
 * {@link DecodedPayload#HINT_OUTPUTS} when {@code outputs} is. The binary-data extension is not supported.
 *
 * <h2>Responses</h2>
 * <pre>{@code
 * {"model_name": "m", "id": "42",
 *  "outputs": [{"name": "logits", "datatype": "FP32", "shape": [2, 2], "data": [0.1, 0.9, 0.8, 0.2]}]}
 * }</pre>
 * Outputs in signature order, limited to the requested ones; {@code data} flat in row-major order, UINT64 as
 * unsigned, FP16 as numbers, non-finite values as {@code null}, BYTES as UTF-8 strings.
 */
public final class OipV2JsonCodec implements PayloadCodec {
    public static final String MEDIA_TYPE = "application/vnd.sluice.oip-v2+json";
    private static final String FORMAT = "Open Inference Protocol v2 JSON";
    private static final int MAX_RANK = 64;

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
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw SluiceException.validation("an Open Inference Protocol v2 request must be a JSON object with "
                    + "\"inputs\", not " + JsonSupport.describe(p));
        }
        String id = null;
        Map<String, Tensor> inputs = null;
        List<String> requestedOutputs = null;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "id" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        throw SluiceException.validation("\"id\" must be a string, not " + JsonSupport.describe(p));
                    }
                    id = p.getText();
                }
                case "inputs" -> {
                    if (inputs != null) {
                        throw SluiceException.validation("\"inputs\" is given twice");
                    }
                    expectArray(p, "\"inputs\"", "an array of {\"name\", \"shape\", \"datatype\", \"data\"} objects");
                    inputs = new LinkedHashMap<>();
                    int index = 0;
                    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                        readInput(p, body, signature, index++, inputs);
                    }
                }
                case "outputs" -> {
                    expectArray(p, "\"outputs\"", "an array of {\"name\"} objects");
                    requestedOutputs = readRequestedOutputs(p, signature);
                }
                default -> p.skipChildren();
            }
        }
        JsonSupport.expectEnd(p, FORMAT);
        if (inputs == null) {
            throw SluiceException.validation("an Open Inference Protocol v2 request needs \"inputs\"");
        }
        for (TensorSpec spec : signature.inputs()) {
            if (!inputs.containsKey(spec.name())) {
                throw SluiceException.validation("missing input '" + spec.name() + "'; the model's inputs are "
                        + JsonCodec.inputNames(signature));
            }
        }
        Map<String, String> hints = new HashMap<>();
        hints.put(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_V2);
        if (id != null) {
            hints.put(DecodedPayload.HINT_ID, id);
        }
        if (requestedOutputs != null && !requestedOutputs.isEmpty()) {
            hints.put(DecodedPayload.HINT_OUTPUTS, String.join(",", requestedOutputs));
        }
        return new DecodedPayload(inputs, hints);
    }

    private static void expectArray(JsonParser p, String what, String expected) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw SluiceException.validation(what + " must be " + expected + ", not " + JsonSupport.describe(p));
        }
    }

    private static void readInput(JsonParser p, byte[] body, ModelSignature signature, int index,
            Map<String, Tensor> out) throws IOException {
        String label = "inputs[" + index + "]";
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw SluiceException.validation(label + " must be an object with \"name\", \"shape\", \"datatype\" and "
                    + "\"data\", not " + JsonSupport.describe(p));
        }
        long objectStart = p.currentTokenLocation().getByteOffset();
        String name = null;
        String datatype = null;
        long[] shape = null;
        TensorBuffer data = null;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> name = once(name, readString(p, label + ".name"), label, "name");
                case "datatype" -> datatype = once(datatype, readString(p, label + ".datatype"), label, "datatype");
                case "shape" -> shape = readShape(p, label);
                case "data" -> {
                    if (name == null || datatype == null) {
                        // Fields may come in any order; look ahead for the two we need to read the values as
                        // they stream past, instead of buffering the data.
                        String[] ahead = peekNameAndDatatype(body, objectStart);
                        name = name == null ? ahead[0] : name;
                        datatype = datatype == null ? ahead[1] : datatype;
                    }
                    if (name == null) {
                        throw missing(label, "name");
                    }
                    if (datatype == null) {
                        throw missing("input '" + name + "'", "datatype");
                    }
                    data = readData(p, signature, name, datatype);
                }
                default -> p.skipChildren();
            }
        }
        if (name == null) {
            throw missing(label, "name");
        }
        if (datatype == null) {
            throw missing("input '" + name + "'", "datatype");
        }
        if (shape == null) {
            throw missing("input '" + name + "'", "shape");
        }
        if (data == null) {
            throw missing("input '" + name + "'", "data");
        }
        if (out.containsKey(name)) {
            throw SluiceException.validation("input '" + name + "' is given twice");
        }
        TensorSpec spec = signature.input(name).orElseThrow();
        long count = Tensor.elementCount(shape);
        if (data.size() != count) {
            throw SluiceException.validation("input '" + name + "' has shape " + Arrays.toString(shape) + " ("
                    + count + " values) but its \"data\" holds " + data.size());
        }
        Tensor tensor = data.toTensor(shape);
        if (tensor.type() != spec.type()) {
            tensor = Conversions.convert(tensor, spec.type(), name);
        }
        spec.check(tensor);
        out.put(name, tensor);
    }

    /** A field read again (or seen by the look-ahead first) must not change what the data was read as. */
    private static String once(String previous, String value, String label, String field) {
        if (previous != null && !previous.equals(value)) {
            throw SluiceException.validation(label + " gives \"" + field + "\" twice, as '"
                    + TensorBuffer.abbreviate(previous) + "' and '" + TensorBuffer.abbreviate(value) + "'");
        }
        return value;
    }

    private static SluiceException missing(String what, String field) {
        return SluiceException.validation(what + " is missing \"" + field + "\" (an Open Inference Protocol v2 "
                + "input needs \"name\", \"shape\", \"datatype\" and \"data\"; an array of objects under \"inputs\" "
                + "is always read as one)");
    }

    private static String readString(JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw SluiceException.validation(what + " must be a string, not " + JsonSupport.describe(p));
        }
        return p.getText();
    }

    private static long[] readShape(JsonParser p, String label) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw SluiceException.validation(label + ".shape must be an array of non-negative integers, not "
                    + JsonSupport.describe(p));
        }
        long[] dims = new long[4];
        int rank = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0) {
                throw SluiceException.validation(label + ".shape must hold non-negative integers, not "
                        + JsonSupport.describe(p));
            }
            if (rank == MAX_RANK) {
                throw SluiceException.validation(label + ".shape has more than " + MAX_RANK + " dimensions");
            }
            if (rank == dims.length) {
                dims = Arrays.copyOf(dims, rank * 2);
            }
            dims[rank++] = p.getLongValue();
        }
        return Arrays.copyOf(dims, rank);
    }

    private static TensorBuffer readData(JsonParser p, ModelSignature signature, String name, String datatype)
            throws IOException {
        TensorSpec spec = signature.input(name).orElseThrow(() -> SluiceException.validation("unknown input '"
                + TensorBuffer.abbreviate(name) + "'; the model's inputs are " + JsonCodec.inputNames(signature)));
        DataType declared = DataType.fromV2Name(datatype);
        if (declared == null) {
            throw SluiceException.validation("input '" + name + "' has unknown datatype '"
                    + TensorBuffer.abbreviate(datatype) + "'; use one of " + Arrays.stream(DataType.values())
                    .map(DataType::v2Name).collect(Collectors.joining(", ")));
        }
        if (!Conversions.lossless(declared, spec.type())) {
            throw SluiceException.validation("input '" + name + "' has datatype " + declared.v2Name()
                    + " but the model expects " + spec.type().v2Name() + "; send " + spec.type().v2Name()
                    + " (or a type that converts to it without loss)");
        }
        // Values are read as the declared type so that they are checked against what the client said it sent.
        NestedArrayReader reader = NestedArrayReader.forTensor(
                TensorBuffer.growing(declared, name, i -> JsonSupport.location(p)));
        reader.readValue(p);
        return reader.buffer();
    }

    /** The first "name" and "datatype" string fields of the object that starts at {@code objectOffset}. */
    private static String[] peekNameAndDatatype(byte[] body, long objectOffset) throws IOException {
        String[] found = new String[2];
        if (objectOffset < 0 || objectOffset >= body.length) {
            return found;
        }
        int offset = (int) objectOffset;
        try (JsonParser ahead = JsonSupport.parser(body, offset, body.length - offset)) {
            if (ahead.nextToken() != JsonToken.START_OBJECT) {
                return found;
            }
            for (JsonToken t = ahead.nextToken(); t == JsonToken.FIELD_NAME; t = ahead.nextToken()) {
                String field = ahead.currentName();
                JsonToken value = ahead.nextToken();
                if (value == JsonToken.VALUE_STRING && field.equals("name") && found[0] == null) {
                    found[0] = ahead.getText();
                } else if (value == JsonToken.VALUE_STRING && field.equals("datatype") && found[1] == null) {
                    found[1] = ahead.getText();
                } else {
                    ahead.skipChildren();
                }
            }
        }
        return found;
    }

    private static List<String> readRequestedOutputs(JsonParser p, ModelSignature signature) throws IOException {
        List<String> names = new ArrayList<>();
        int index = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            String label = "outputs[" + index++ + "]";
            if (e != JsonToken.START_OBJECT) {
                throw SluiceException.validation(label + " must be an object with a \"name\", not "
                        + JsonSupport.describe(p));
            }
            String name = null;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("name")) {
                    name = readString(p, label + ".name");
                } else {
                    p.skipChildren();
                }
            }
            if (name == null) {
                throw SluiceException.validation(label + " is missing \"name\"");
            }
            // A signature without outputs (some pipelines) cannot say which names exist; let those through.
            if (!signature.outputs().isEmpty() && signature.output(name).isEmpty()) {
                throw SluiceException.validation("unknown output '" + TensorBuffer.abbreviate(name)
                        + "'; the model's outputs are "
                        + signature.outputs().stream().map(TensorSpec::name).toList());
            }
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    @Override
    public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
        Map<String, Tensor> selected = Outputs.select(outputs, context);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JsonSupport.generator(out)) {
            g.writeStartObject();
            g.writeStringField("model_name", context.modelName());
            String id = context.hint(DecodedPayload.HINT_ID);
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeFieldName("outputs");
            g.writeStartArray();
            for (Map.Entry<String, Tensor> e : selected.entrySet()) {
                Tensor t = e.getValue();
                g.writeStartObject();
                g.writeStringField("name", e.getKey());
                g.writeStringField("datatype", t.type().v2Name());
                g.writeFieldName("shape");
                g.writeArray(t.shape(), 0, t.rank());
                g.writeFieldName("data");
                JsonSupport.writeFlat(g, t);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
