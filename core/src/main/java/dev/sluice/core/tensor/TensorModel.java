package dev.sluice.core.tensor;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A model stage: named tensors in, named tensors out. Implemented by the model host (ONNX Runtime runners behind
 * a bounded queue and, optionally, a dynamic batcher). {@link #infer} never blocks the caller: it enqueues and
 * returns; a full queue completes the stage exceptionally at once with a 503 {@code SluiceException}.
 */
public interface TensorModel {
    String name();

    ModelSignature signature();

    /** Inputs keyed by {@link TensorSpec#name()}; outputs keyed likewise, in signature order. */
    CompletionStage<Map<String, Tensor>> infer(Map<String, Tensor> inputs);
}
