package dev.sluice.core;

import java.util.concurrent.CompletionStage;

/**
 * The one request-processing interface: gateways, variants, pipelines and hosts are all InferenceServices, and
 * cross-cutting concerns (metrics, admission, timeouts, circuit breaking) are decorators around one.
 * Implementations never block the calling thread: the caller may be a Netty event loop. Failures complete the
 * stage exceptionally with a {@link SluiceException}.
 */
@FunctionalInterface
public interface InferenceService {
    CompletionStage<InferenceResponse> invoke(InferenceRequest request);
}
