package dev.sluice.core.codec;

import dev.sluice.core.tensor.Tensor;
import java.util.Map;
import java.util.Objects;

/**
 * Decoded request tensors plus hints on how the response should be shaped (e.g. {@code style=instances} when the
 * request used {@code {"instances": ...}}, the OIP v2 request {@code id}, the outputs the client asked for).
 */
public record DecodedPayload(Map<String, Tensor> inputs, Map<String, String> hints) {
    /** Hint key: the request form, one of the {@code STYLE_*} values. */
    public static final String HINT_STYLE = "style";
    /** Hint key: OIP v2 request id to echo. */
    public static final String HINT_ID = "id";
    /** Hint key: comma-separated output names the client asked for (OIP v2 {@code outputs}); absent = all. */
    public static final String HINT_OUTPUTS = "outputs";

    /** JSON {@code {"inputs": {...}}} → {@code {"outputs": {...}}}. */
    public static final String STYLE_INPUTS = "inputs";
    /** JSON {@code {"instances": [...]}} → {@code {"predictions": [...]}}. */
    public static final String STYLE_INSTANCES = "instances";
    /** Outputs as top-level keys: {@code {"embeddings": [...]}} (pipelines that define their own response). */
    public static final String STYLE_FLAT = "flat";
    /** Open Inference Protocol v2 request/response bodies. */
    public static final String STYLE_V2 = "v2";

    public DecodedPayload {
        inputs = Map.copyOf(Objects.requireNonNull(inputs, "inputs"));
        hints = Map.copyOf(Objects.requireNonNull(hints, "hints"));
    }

    public DecodedPayload(Map<String, Tensor> inputs) {
        this(inputs, Map.of());
    }
}
