package dev.sluice.autoscaler;

import java.time.Duration;
import java.util.Objects;

/**
 * How the autoscaler evaluates. The datapoint counts mirror the CloudWatch alarms Application Auto Scaling creates
 * for a target-tracking policy: the high alarm needs 3 datapoints above the target, the low alarm 15 below
 * {@code scaleInRatio × target}. Sluice samples every {@code evaluationInterval} rather than on CloudWatch's aligned
 * periods, so a condition counts as N datapoints once it has held at every evaluation for (N − 1) metric periods
 * since it was first seen: for InvocationsPerInstance (60 s periods) 2 and 14 minutes, for the high-resolution
 * concurrency metric (10 s) 20 s and 140 s.
 *
 * @param evaluationInterval how often every target's policies are evaluated (and metrics sampled)
 * @param scaleOutDatapoints consecutive metric periods above target before a target-tracking scale-out
 * @param scaleInDatapoints  consecutive metric periods below {@code scaleInRatio × target} before a scale-in
 * @param scaleInRatio       the hysteresis: scale in only below this fraction of the target (AWS: 0.9)
 * @param activityHistory    activities kept per target, newest first
 */
public record AutoscalerSettings(Duration evaluationInterval, int scaleOutDatapoints, int scaleInDatapoints,
                                 double scaleInRatio, int activityHistory) {
    public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofSeconds(10);
    public static final int DEFAULT_SCALE_OUT_DATAPOINTS = 3;
    public static final int DEFAULT_SCALE_IN_DATAPOINTS = 15;
    public static final double DEFAULT_SCALE_IN_RATIO = 0.9;
    public static final int DEFAULT_ACTIVITY_HISTORY = 100;
    public static final AutoscalerSettings DEFAULTS = new AutoscalerSettings(DEFAULT_EVALUATION_INTERVAL,
            DEFAULT_SCALE_OUT_DATAPOINTS, DEFAULT_SCALE_IN_DATAPOINTS, DEFAULT_SCALE_IN_RATIO, DEFAULT_ACTIVITY_HISTORY);

    public AutoscalerSettings {
        Objects.requireNonNull(evaluationInterval, "evaluationInterval");
        if (evaluationInterval.isNegative() || evaluationInterval.isZero()) {
            throw new IllegalArgumentException("evaluationInterval must be positive, got: " + evaluationInterval);
        }
        if (scaleOutDatapoints < 1) {
            throw new IllegalArgumentException("scaleOutDatapoints must be at least 1, got: " + scaleOutDatapoints);
        }
        if (scaleInDatapoints < 1) {
            throw new IllegalArgumentException("scaleInDatapoints must be at least 1, got: " + scaleInDatapoints);
        }
        if (!(scaleInRatio > 0 && scaleInRatio <= 1)) {
            throw new IllegalArgumentException("scaleInRatio must be in (0, 1], got: " + scaleInRatio);
        }
        if (activityHistory < 1) {
            throw new IllegalArgumentException("activityHistory must be at least 1, got: " + activityHistory);
        }
    }

    public AutoscalerSettings withEvaluationInterval(Duration interval) {
        return new AutoscalerSettings(interval, scaleOutDatapoints, scaleInDatapoints, scaleInRatio, activityHistory);
    }

    public AutoscalerSettings withDatapoints(int scaleOut, int scaleIn) {
        return new AutoscalerSettings(evaluationInterval, scaleOut, scaleIn, scaleInRatio, activityHistory);
    }

    public AutoscalerSettings withActivityHistory(int history) {
        return new AutoscalerSettings(evaluationInterval, scaleOutDatapoints, scaleInDatapoints, scaleInRatio, history);
    }
}
