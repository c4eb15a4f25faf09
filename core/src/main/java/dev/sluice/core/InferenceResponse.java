package dev.sluice.core;

import java.util.Objects;

/**
 * The model's answer. {@code customAttributes} is non-null only when the model set it (SageMaker echoes the
 * header only in that case); {@code modelLatencyNanos} is the time spent in model stages, so the gateway can
 * report overhead latency as total minus model. {@code invokedVariant} is set by the variant router and becomes
 * {@code x-Amzn-Invoked-Production-Variant}; null where no router was involved.
 */
public record InferenceResponse(byte[] body, String contentType, String customAttributes, long modelLatencyNanos,
                                String invokedVariant) {

    public InferenceResponse {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(contentType, "contentType");
    }

    public InferenceResponse(byte[] body, String contentType, String customAttributes, long modelLatencyNanos) {
        this(body, contentType, customAttributes, modelLatencyNanos, null);
    }

    public static InferenceResponse of(byte[] body, String contentType) {
        return new InferenceResponse(body, contentType, null, 0L);
    }

    public InferenceResponse withModelLatencyNanos(long nanos) {
        return new InferenceResponse(body, contentType, customAttributes, nanos, invokedVariant);
    }

    public InferenceResponse withCustomAttributes(String attributes) {
        return new InferenceResponse(body, contentType, attributes, modelLatencyNanos, invokedVariant);
    }

    public InferenceResponse withInvokedVariant(String variant) {
        return new InferenceResponse(body, contentType, customAttributes, modelLatencyNanos, variant);
    }
}
