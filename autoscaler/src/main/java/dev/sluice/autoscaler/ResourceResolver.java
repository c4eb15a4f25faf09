package dev.sluice.autoscaler;

import java.util.Optional;

/**
 * Lets {@link ApplicationAutoScalingService} find the variant a resource ID names. The gateway implements it against
 * its endpoint registry; it must not block (it is called on the control-plane thread while serving a request).
 */
@FunctionalInterface
public interface ResourceResolver {

    /** The variant's capacity and metrics, or empty when the endpoint or the variant does not exist. */
    Optional<ScalableResource> resolve(VariantKey variant);

    /** What the autoscaler needs of a variant: how to change its capacity and how to read its load. */
    record ScalableResource(CapacityTarget capacity, MetricsSource metrics) {
        public ScalableResource {
            java.util.Objects.requireNonNull(capacity, "capacity");
            java.util.Objects.requireNonNull(metrics, "metrics");
        }
    }
}
