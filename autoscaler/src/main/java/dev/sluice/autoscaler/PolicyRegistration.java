package dev.sluice.autoscaler;

import java.time.Instant;

/** A scaling policy attached to a variant and when it was first put. */
public record PolicyRegistration(VariantKey variant, ScalingPolicy policy, Instant creationTime) {
}
