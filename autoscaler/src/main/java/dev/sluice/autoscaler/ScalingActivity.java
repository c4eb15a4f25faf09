package dev.sluice.autoscaler;

import java.time.Instant;
import java.util.Objects;

/**
 * One capacity change, as {@code DescribeScalingActivities} shows it: when, why ({@code cause}: which alarm and
 * policy), from how many instances to how many, and how it ended. {@code endTime} is null while in progress.
 */
public record ScalingActivity(String activityId, VariantKey variant, String description, String cause,
                              Instant startTime, Instant endTime, ActivityStatus statusCode, String statusMessage,
                              int fromCapacity, int toCapacity, String details) {
    public ScalingActivity {
        Objects.requireNonNull(activityId, "activityId");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(startTime, "startTime");
        Objects.requireNonNull(statusCode, "statusCode");
        Objects.requireNonNull(statusMessage, "statusMessage");
        Objects.requireNonNull(details, "details");
    }

    ScalingActivity finish(Instant end, ActivityStatus status, String message) {
        return new ScalingActivity(activityId, variant, description, cause, startTime, end, status, message,
                fromCapacity, toCapacity, details);
    }
}
