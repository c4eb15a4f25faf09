package dev.sluice.gateway;

import dev.sluice.core.InferenceService;
import dev.sluice.core.tensor.ModelSignature;
import java.util.Objects;

/**
 * A named endpoint as the data plane sees it: where invocations go and what to report about it. The gateway does
 * not know what runs behind {@code service}; {@code signature} is only used to answer OIP v2 metadata.
 *
 * @param variant  the production variant reported in {@code x-Amzn-Invoked-Production-Variant}
 * @param platform OIP v2 platform name, e.g. {@code onnxruntime_onnx}
 */
public record Endpoint(String name, String variant, String modelName, String platform, InferenceService service,
                       ModelSignature signature) {
    /** SageMaker's name for the single variant of an endpoint created without variants. */
    public static final String DEFAULT_VARIANT = "AllTraffic";

    public Endpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(signature, "signature");
    }
}
