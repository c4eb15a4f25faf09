package dev.sluice.recommender.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A request body for a model that came without one, from its input signature as the gateway publishes it (Open
 * Inference Protocol v2 metadata, {@code GET /v2/models/{name}}): one row of constant values per input, as an OIP v2
 * JSON body, which the gateway's JSON codec takes on {@code /invocations}. Only a stand-in: latency can depend on the
 * values (and does on text lengths), so a real sample ({@code --payload}) measures better.
 */
public final class PayloadGenerator {
    public static final String CONTENT_TYPE = "application/json";
    /** A dynamic dimension after the first (a sequence length, say) gets this size; the first (batch) gets 1. */
    static final int DYNAMIC_INNER_DIMENSION = 8;
    private static final long MAX_ELEMENTS = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private PayloadGenerator() {
    }

    public static byte[] fromMetadata(JsonNode metadata) {
        JsonNode inputs = metadata.path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) {
            throw refuse("the model's metadata lists no inputs");
        }
        ObjectNode body = JSON.createObjectNode();
        ArrayNode out = body.putArray("inputs");
        for (JsonNode input : inputs) {
            String name = input.path("name").asText(null);
            String type = input.path("datatype").asText("").toUpperCase(Locale.ROOT);
            if (name == null || !input.path("shape").isArray()) {
                throw refuse("an input of the model's metadata has no name or shape");
            }
            ObjectNode tensor = out.addObject().put("name", name).put("datatype", type);
            ArrayNode shape = tensor.putArray("shape");
            long elements = 1;
            boolean first = true;
            for (JsonNode dim : input.path("shape")) {
                long size = dim.asLong(-1);
                if (size < 0) {
                    size = first ? 1 : DYNAMIC_INNER_DIMENSION;
                }
                first = false;
                shape.add(size);
                elements *= Math.max(1, size);
                if (elements > MAX_ELEMENTS) {
                    throw refuse("input '" + name + "' has more than " + MAX_ELEMENTS + " elements");
                }
            }
            ArrayNode data = tensor.putArray("data");
            for (long i = 0; i < elements; i++) {
                switch (type) {
                    case "FP16", "FP32", "FP64" -> data.add(0.5);
                    case "BOOL" -> data.add(false);
                    case "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64" -> data.add(1);
                    default -> throw refuse("input '" + name + "' has datatype " + type
                            + ", for which no value can be made up");
                }
            }
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static SluiceException refuse(String why) {
        return new SluiceException(ErrorCode.VALIDATION_ERROR, "no payload was given and none can be generated ("
                + why + "): pass a sample request body with --payload FILE");
    }
}
