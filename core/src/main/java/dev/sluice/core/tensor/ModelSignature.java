package dev.sluice.core.tensor;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The inputs and outputs of a model (or of a whole pipeline, as its clients see it), in declaration order. */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    public ModelSignature {
        inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs"));
        outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** True when every input has a dynamic first dimension, the condition for batching requests together. */
    public boolean batchable() {
        return !inputs.isEmpty() && inputs.stream().allMatch(TensorSpec::hasDynamicBatchDimension)
                && outputs.stream().allMatch(TensorSpec::hasDynamicBatchDimension);
    }
}
