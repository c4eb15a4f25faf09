package dev.sluice.core.codec;

import dev.sluice.core.tensor.ModelSignature;
import java.util.Map;
import java.util.Objects;

/** What an encoder may need beyond the tensors: the model's name and signature and the request's hints. */
public record EncodeContext(String modelName, ModelSignature signature, Map<String, String> hints) {
    public EncodeContext {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(signature, "signature");
        hints = Map.copyOf(Objects.requireNonNull(hints, "hints"));
    }

    public String hint(String key) {
        return hints.get(key);
    }
}
