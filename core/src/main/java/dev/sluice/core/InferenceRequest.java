package dev.sluice.core;

import java.util.Objects;

/**
 * One invocation as the data plane received it. The body is the raw payload; codecs decode it only where the
 * model stage needs tensors. Header values are null when the client did not send them.
 *
 * @param body                    the payload bytes (never null, may be empty)
 * @param contentType             {@code Content-Type} as sent (parameters included), null when missing
 * @param accept                  {@code Accept} as sent, null when missing
 * @param customAttributes        {@code X-Amzn-SageMaker-Custom-Attributes}
 * @param targetModel             {@code X-Amzn-SageMaker-Target-Model} (multi-model endpoints)
 * @param targetVariant           {@code X-Amzn-SageMaker-Target-Variant}
 * @param targetContainerHostname {@code X-Amzn-SageMaker-Target-Container-Hostname} (Direct pipelines)
 * @param inferenceId             {@code X-Amzn-SageMaker-Inference-Id}
 * @param receivedNanos           {@link System#nanoTime()} when the request was fully read, for overhead latency
 */
public record InferenceRequest(
        byte[] body,
        String contentType,
        String accept,
        String customAttributes,
        String targetModel,
        String targetVariant,
        String targetContainerHostname,
        String inferenceId,
        long receivedNanos) {

    public InferenceRequest {
        Objects.requireNonNull(body, "body");
    }

    public static InferenceRequest of(byte[] body, String contentType, String accept) {
        return new InferenceRequest(body, contentType, accept, null, null, null, null, null, System.nanoTime());
    }

    public InferenceRequest withBody(byte[] newBody, String newContentType) {
        return new InferenceRequest(newBody, newContentType, accept, customAttributes, targetModel, targetVariant,
                targetContainerHostname, inferenceId, receivedNanos);
    }

    public InferenceRequest withContentTypeAndAccept(String newContentType, String newAccept) {
        return new InferenceRequest(body, newContentType, newAccept, customAttributes, targetModel, targetVariant,
                targetContainerHostname, inferenceId, receivedNanos);
    }
}
