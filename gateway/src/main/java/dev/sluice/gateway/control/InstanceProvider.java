package dev.sluice.gateway.control;

import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.variants.VariantInstance;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Starts and stops the instances behind a production variant. The control plane decides how many and when; an
 * implementation decides what an instance is (a runner set in this JVM, a remote container, later a process or a
 * Kubernetes pod).
 */
public interface InstanceProvider {

    /**
     * A started instance. {@code release} stops it; the control plane calls it only after the instance has been
     * taken out of routing and its in-flight requests have finished. {@code healthProbe} (null for in-process
     * instances, which cannot become unreachable) is polled to take an instance out of routing while it is down.
     */
    record Started(VariantInstance instance, ModelSignature signature, String platform,
                   Supplier<CompletableFuture<Void>> release, Supplier<CompletableFuture<Boolean>> healthProbe) {
    }

    /**
     * Starts one instance of {@code model} for a variant; completes once the instance can serve (its model loaded,
     * or its remote container answering {@code /ping}), fails with a message fit for {@code FailureReason}.
     */
    CompletableFuture<Started> start(String endpoint, String variant, ModelDefinition model, int index);

    /**
     * Rejects at CreateModel time what {@link #start} could never run (an unknown image, an unsupported mode), with a
     * ValidationException naming the field.
     */
    void check(ModelDefinition model);
}
