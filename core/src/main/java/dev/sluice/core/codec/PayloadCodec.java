package dev.sluice.core.codec;

import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Turns a payload of one media type into named tensors for a model signature, and named tensors back into a
 * payload. Decoding failures throw {@code SluiceException} with {@code VALIDATION_ERROR} and a message naming what
 * is wrong (the input, the row, the expected shape or type). Implementations are stateless and thread-safe.
 */
public interface PayloadCodec {
    /** Media types this codec reads and writes, lower case, without parameters; the first is canonical. */
    List<String> mediaTypes();

    /** Decodes a request body into tensors that satisfy {@code signature}'s inputs. */
    DecodedPayload decode(byte[] body, ModelSignature signature);

    /**
     * Encodes model outputs. {@code context.hints()} carries what the request's form asked for (e.g. JSON
     * {@code instances} → {@code predictions}).
     */
    byte[] encode(Map<String, Tensor> outputs, EncodeContext context);

    /** True when this codec can write outputs (some formats are request-only). */
    default boolean canEncode() {
        return true;
    }
}
