package dev.sluice.pipeline;

import dev.sluice.core.tensor.Tensor;
import java.util.Map;

/**
 * An in-process pipeline stage: typed tensors in, typed tensors out, so stages that share a JVM never re-encode
 * bytes between them. A processor reads the tensors it needs and returns the map with its outputs added or
 * replaced; it must not modify the input map or any tensor's backing array (tensors share their arrays).
 *
 * <p>Processors are shared by all requests of a pipeline, so they are stateless or thread-safe. Pre-processors
 * run on the thread that called {@link Pipeline#invoke}, which may be a Netty event loop: they must be cheap and
 * never block. Post-processors run on the thread that completed the model stage (a runner thread).
 *
 * <p>Failures caused by the client's input throw a {@code SluiceException} with {@code VALIDATION_ERROR} and a
 * message naming the input; any other exception is reported as an {@code INTERNAL_FAILURE}.
 */
@FunctionalInterface
public interface Processor {

    Map<String, Tensor> process(Map<String, Tensor> tensors);

    /** A short name for error messages and diagnostics. */
    default String name() {
        return getClass().getSimpleName();
    }
}
