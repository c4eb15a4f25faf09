package dev.sluice.modelhost.internal;

import dev.sluice.core.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One validated request waiting for a runner. Inputs are keyed in signature order.
 *
 * @param batchable true when the model batches and every input has the same first dimension, so the request's rows
 *                  are well defined
 */
record PendingRequest(Map<String, Tensor> inputs, int rows, boolean batchable, long enqueuedNanos,
                      CompletableFuture<Map<String, Tensor>> result) implements BatchPlanner.Item {

    @Override
    public boolean canJoin(BatchPlanner.Item first) {
        if (!batchable || !(first instanceof PendingRequest other) || !other.batchable) {
            return false;
        }
        for (Map.Entry<String, Tensor> input : inputs.entrySet()) {
            Tensor theirs = other.inputs.get(input.getKey());
            if (theirs == null || !input.getValue().sameRowShape(theirs)) {
                return false;
            }
        }
        return other.inputs.size() == inputs.size();
    }
}
