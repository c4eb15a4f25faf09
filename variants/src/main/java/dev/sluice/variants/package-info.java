/**
 * Routing across an endpoint's production variants: weighted choice and target-variant override
 * ({@link dev.sluice.variants.EndpointRouter}), instance pools with least-outstanding-requests, health, retries of
 * requests an instance refused, and cache-aware placement of multi-model targets
 * ({@link dev.sluice.variants.InstancePool}, {@link dev.sluice.variants.HealthChecker}), shadow copies with
 * response comparison ({@link dev.sluice.variants.ShadowReport}), and blue/green traffic shifting with baking and
 * auto-rollback ({@link dev.sluice.variants.TrafficShift}). Everything here is an
 * {@link dev.sluice.core.InferenceService} or configures one; nothing knows about runtimes, batching or HTTP, and
 * nothing blocks the calling thread.
 */
package dev.sluice.variants;
