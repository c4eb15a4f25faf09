package dev.sluice.autoscaler;

import java.time.Instant;

/** A registered scalable target and when it was first registered. */
public record TargetRegistration(ScalableTarget target, Instant creationTime) {
}
