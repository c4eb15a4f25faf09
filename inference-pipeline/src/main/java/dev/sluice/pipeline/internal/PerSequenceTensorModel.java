package dev.sluice.pipeline.internal;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs every sequence of a token batch alone and unpadded, then pads the token outputs back into one batch.
 *
 * <p>Why: dynamically quantised (int8) transformers such as all-MiniLM-L6-v2-q pick their activation scale from the
 * whole input tensor, so a sentence's embedding shifts with its padding and with whatever it is batched with
 * (measured: cosine 0.986–0.993 against the same sentence run alone). Running each sequence by itself makes the
 * embedding a function of the text only — the same text always gives the same vector, which is what a vector index
 * needs. The sequences of one request are offered to the model separately, so the host's runners still work on them
 * in parallel; the host must not batch them back together (it turns batching off for such models).
 */
public final class PerSequenceTensorModel implements TensorModel {
    private final TensorModel delegate;
    private final String maskName;

    public PerSequenceTensorModel(TensorModel delegate, String maskName) {
        this.delegate = delegate;
        this.maskName = maskName;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public ModelSignature signature() {
        return delegate.signature();
    }

    @Override
    public CompletionStage<Map<String, Tensor>> infer(Map<String, Tensor> inputs) {
        Tensor mask = inputs.get(maskName);
        if (mask == null || mask.rank() != 2) {
            return delegate.infer(inputs);
        }
        int rows = (int) mask.dim(0);
        int width = (int) mask.dim(1);
        List<CompletableFuture<Map<String, Tensor>>> parts = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int length = sequenceLength(mask, r, width);
            Map<String, Tensor> single = new HashMap<>();
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                single.put(e.getKey(), trim(e.getValue().sliceRows(r, r + 1), length));
            }
            parts.add(delegate.infer(single).toCompletableFuture());
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> assemble(parts, width));
    }

    /** Tokens up to and including the last one the mask keeps (at least one). */
    private static int sequenceLength(Tensor mask, int row, int width) {
        int length = 0;
        for (int t = 0; t < width; t++) {
            if (mask.doubleAt(row * width + t) != 0) {
                length = t + 1;
            }
        }
        return Math.max(1, length);
    }

    /** Keeps the first {@code length} positions along axis 1 of a [1, L, ...] tensor. */
    private static Tensor trim(Tensor row, int length) {
        if (row.rank() < 2 || row.dim(1) == length) {
            return row;
        }
        long[] shape = row.shape();
        int inner = (int) (row.elementCount() / shape[1]);
        shape[1] = length;
        Object data = Tensor.allocate(row.type(), length * inner);
        System.arraycopy(row.data(), 0, data, 0, length * inner);
        return Tensor.of(row.type(), shape, data);
    }

    /** Concatenates per-sequence outputs, zero-padding axis 1 of token outputs back to the batch width. */
    private static Map<String, Tensor> assemble(List<CompletableFuture<Map<String, Tensor>>> parts, int width) {
        Map<String, Tensor> first = parts.get(0).join();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : first.keySet()) {
            List<Tensor> rows = new ArrayList<>(parts.size());
            for (CompletableFuture<Map<String, Tensor>> part : parts) {
                rows.add(pad(part.join().get(name), width));
            }
            out.put(name, Tensor.concatRows(rows));
        }
        return out;
    }

    private static Tensor pad(Tensor row, int width) {
        if (row.rank() < 2 || row.type() == DataType.BYTES || row.dim(1) == width) {
            return row;
        }
        long[] shape = row.shape();
        int inner = (int) (row.elementCount() / shape[1]);
        int have = (int) shape[1];
        shape[1] = width;
        Object data = Tensor.allocate(row.type(), width * inner);
        System.arraycopy(row.data(), 0, data, 0, have * inner);
        return Tensor.of(row.type(), shape, data);
    }
}
