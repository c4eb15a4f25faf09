package dev.sluice.pipeline.spi;

import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.util.Map;

/**
 * One in-process container of an inference pipeline: typed tensors in, typed tensors out. Between in-process
 * containers nothing is encoded to bytes; bytes appear only at the pipeline's edges (the client's request and
 * response) and around remote containers.
 *
 * <p>Thread safety: one instance serves every request of its pipeline concurrently, so it is stateless or
 * thread-safe. {@link #process} may run on a Netty event loop (when the processor is the first container) or on a
 * model runner thread (after a model container): it must never block on I/O, and a processor whose work per request
 * can reach milliseconds says so with {@link #heavy()}.
 *
 * <p>Errors: input the client got wrong throws {@code SluiceException.validation(...)} with a message naming the
 * input (the row, the field, the expected shape); anything else is a bug and may throw any runtime exception. The
 * pipeline reports either as a ModelError naming this container.
 */
public interface ContainerProcessor extends AutoCloseable {

    /**
     * The tensors this processor reads ({@code inputs}) and produces ({@code outputs}). The inputs are what a byte
     * request is decoded into with the payload codecs when {@link #decode} declines; the outputs are what the
     * pipeline encodes when this processor is the last container and {@link #encode} declines.
     */
    ModelSignature signature();

    /**
     * Runs the processor.
     *
     * @param tensors every tensor produced so far in this request by in-process containers (a later container may
     *                read what an earlier one produced, e.g. pooling reads the tokenizer's attention mask); must not be
     *                modified, nor any tensor's backing array
     * @return this processor's outputs (at least those its signature names); the pipeline lays them over the input
     */
    Map<String, Tensor> process(Map<String, Tensor> tensors);

    /**
     * Decodes raw request bytes itself, for processors whose input is not tensors (images, CSV records with
     * categorical strings). Called when this processor is the pipeline's first container or follows a remote one.
     *
     * @param contentType the request's Content-Type as sent (may be null or carry parameters)
     * @return the decoded tensors (and response hints), or null to let the payload codecs decode against
     *         {@link #signature()}'s inputs
     */
    default DecodedPayload decode(byte[] body, String contentType) {
        return null;
    }

    /**
     * Encodes this processor's outputs itself when it is the last container (CSV rows with labels, say).
     *
     * @param outputs the outputs {@link #process} returned
     * @param accept  the client's Accept header as sent (may be null, a wildcard or a list with q-values); a type
     *                the processor cannot write throws {@code SluiceException(ErrorCode.NOT_ACCEPTABLE, ...)}
     * @param hints   the request's decode hints
     * @return the body, or null to let the payload codecs encode {@link #signature()}'s outputs
     */
    default EncodedPayload encode(Map<String, Tensor> outputs, String accept, Map<String, String> hints) {
        return null;
    }

    /**
     * True when decoding or processing one request can take milliseconds (decoding images, parsing thousands of CSV
     * rows): the pipeline then runs it on its processing threads, never on a Netty event loop or an HTTP client's I/O
     * thread, where it would stall every other connection of that loop.
     */
    default boolean heavy() {
        return false;
    }

    /** Releases native or file resources; called once when the pipeline is unloaded. */
    @Override
    default void close() {
    }
}
