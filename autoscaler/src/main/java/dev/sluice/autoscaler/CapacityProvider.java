package dev.sluice.autoscaler;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Adds and removes instances of a variant. It decides what an instance is (a runner set in this JVM, a child
 * process, a Kubernetes pod); the caller decides how many, and owns routing. None of the methods blocks the calling
 * thread: blocking work (starting a process, a Kubernetes API call) runs on the provider's own executor.
 */
public interface CapacityProvider extends AutoCloseable {

    /**
     * Starts one instance; completes once it is ready to serve (admitted: its {@code /ping} answers 200, or its pod
     * is a ready endpoint), fails with a message an operator can act on (it names the command, the timeout and the
     * instance's last log lines where there are any).
     */
    CompletableFuture<Instance> add(VariantKey variant);

    /**
     * Stops an instance the caller has already taken out of routing. The provider waits for {@code drained} (the
     * caller completes it when the instance's in-flight requests have finished), or for its own bounded drain grace
     * if that comes first, then stops the instance gracefully (SIGTERM, a pod's termination grace) and forcibly
     * after a timeout. Completes once the instance is gone or, for Kubernetes, once the scale-down is accepted.
     */
    CompletableFuture<Void> remove(Instance instance, CompletionStage<Void> drained);

    /** {@link #remove(Instance, CompletionStage)} for an instance with nothing in flight. */
    default CompletableFuture<Void> remove(Instance instance) {
        return remove(instance, CompletableFuture.completedFuture(null));
    }

    /**
     * The instances of a variant that are ready and not draining. For providers whose instances can change behind
     * Sluice's back (Kubernetes), this is a fresh discovery, so a gateway that restarted finds its hosts again.
     */
    CompletableFuture<List<Instance>> instances(VariantKey variant);

    /** Stops every instance this provider started and still runs (bounded; forcibly at the end). */
    @Override
    void close();
}
