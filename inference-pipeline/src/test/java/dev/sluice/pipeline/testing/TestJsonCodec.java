package dev.sluice.pipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.codec.EncodeContext;
import dev.sluice.core.codec.PayloadCodec;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately small JSON codec so this module's tests do not wait for core's: {@code {"name": nested arrays}}
 * per input (strings for BYTES, numbers otherwise). Responses are {@code {"outputs": {...}}}, or the outputs as
 * top-level keys under {@code style=flat}; the hints it saw are echoed under {@code "hints"} when asked to, so tests
 * can see what the pipeline passed on.
 */
public final class TestJsonCodec implements PayloadCodec {
    /** Request hint the codec reports from decoding, so tests can check hint merging. */
    public static final String HINT_ECHO = "echo";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public List<String> mediaTypes() {
        return List.of("application/json");
    }

    @Override
    public DecodedPayload decode(byte[] body, ModelSignature signature) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw SluiceException.validation("body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw SluiceException.validation("body must be a JSON object");
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : signature.inputs()) {
            JsonNode node = root.get(spec.name());
            if (node != null) {
                inputs.put(spec.name(), tensor(spec, node));
            }
        }
        Map<String, String> hints = new LinkedHashMap<>();
        hints.put(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INPUTS);
        if (root.has(HINT_ECHO)) {
            hints.put(HINT_ECHO, root.get(HINT_ECHO).asText());
        }
        return new DecodedPayload(inputs, hints);
    }

    private static Tensor tensor(TensorSpec spec, JsonNode node) {
        List<Long> shape = new ArrayList<>();
        for (JsonNode n = node; n.isArray(); n = n.size() == 0 ? MissingNode.getInstance() : n.get(0)) {
            shape.add((long) n.size());
        }
        List<JsonNode> leaves = new ArrayList<>();
        flatten(spec, node, leaves);
        long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
        if (spec.type() == DataType.BYTES) {
            byte[][] data = new byte[leaves.size()][];
            for (int i = 0; i < data.length; i++) {
                if (!leaves.get(i).isTextual()) {
                    throw SluiceException.validation(spec.name() + "[" + i + "] must be a string");
                }
                data[i] = leaves.get(i).asText().getBytes(StandardCharsets.UTF_8);
            }
            return Tensor.ofStrings(dims, data);
        }
        Object data = Tensor.allocate(spec.type(), leaves.size());
        for (int i = 0; i < leaves.size(); i++) {
            JsonNode leaf = leaves.get(i);
            if (!leaf.isNumber()) {
                throw SluiceException.validation(spec.name() + " must hold numbers");
            }
            switch (spec.type()) {
                case FP32 -> ((float[]) data)[i] = leaf.floatValue();
                case INT64 -> ((long[]) data)[i] = leaf.longValue();
                case INT32 -> ((int[]) data)[i] = leaf.intValue();
                default -> throw SluiceException.validation("test codec cannot read " + spec.type());
            }
        }
        return Tensor.of(spec.type(), dims, data);
    }

    private static void flatten(TensorSpec spec, JsonNode node, List<JsonNode> leaves) {
        if (node.isArray()) {
            node.forEach(child -> flatten(spec, child, leaves));
        } else {
            leaves.add(node);
        }
    }

    @Override
    public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
        ObjectNode values = JSON.createObjectNode();
        outputs.forEach((name, tensor) -> values.set(name, nested(tensor, 0, 0)));
        ObjectNode root;
        if (DecodedPayload.STYLE_FLAT.equals(context.hint(DecodedPayload.HINT_STYLE))) {
            root = values;
        } else {
            root = JSON.createObjectNode();
            root.set("outputs", values);
        }
        if (context.hint(HINT_ECHO) != null) {
            root.set("hints", JSON.valueToTree(context.hints()));
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode nested(Tensor tensor, int axis, int offset) {
        if (axis == tensor.rank()) {
            return JSON.valueToTree(tensor.doubleAt(offset));
        }
        ArrayNode array = JSON.createArrayNode();
        long[] shape = tensor.shape();
        int stride = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            stride *= (int) shape[i];
        }
        for (int i = 0; i < shape[axis]; i++) {
            array.add(nested(tensor, axis + 1, offset + i * stride));
        }
        return array;
    }
}
