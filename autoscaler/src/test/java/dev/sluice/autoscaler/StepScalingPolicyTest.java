package dev.sluice.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepScalingPolicyTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private static StepScalingPolicy policy(AdjustmentType type, int minMagnitude, StepAdjustment... steps) {
        return new StepScalingPolicy("p", type, List.of(steps), minMagnitude, Duration.ZERO,
                MetricAggregationType.AVERAGE, null);
    }

    @Test
    void changeInCapacityAddsTheAdjustment() {
        StepScalingPolicy p = policy(AdjustmentType.CHANGE_IN_CAPACITY, 0, new StepAdjustment(0, INF, 2));
        assertThat(p.apply(3, p.stepAdjustments().get(0))).isEqualTo(5);
        StepScalingPolicy in = policy(AdjustmentType.CHANGE_IN_CAPACITY, 0, new StepAdjustment(-INF, 0, -5));
        assertThat(in.apply(3, in.stepAdjustments().get(0))).isZero();
    }

    @Test
    void exactCapacitySetsTheCapacity() {
        StepScalingPolicy p = policy(AdjustmentType.EXACT_CAPACITY, 0, new StepAdjustment(0, INF, 7));
        assertThat(p.apply(3, p.stepAdjustments().get(0))).isEqualTo(7);
        assertThatThrownBy(() -> policy(AdjustmentType.EXACT_CAPACITY, 0, new StepAdjustment(0, INF, -1)))
                .hasMessageContaining("ExactCapacity scaling adjustment must not be negative");
    }

    @Test
    void percentChangeRoundsAsAwsDoes() {
        // 10 × 25% = 2.5 → 2 (above 1: down); 2 × 25% = 0.5 → 1; 2 × −25% = −0.5 → −1; 10 × −67% = −6.7 → −6.
        assertThat(percent(25, 10, 0)).isEqualTo(12);
        assertThat(percent(25, 2, 0)).isEqualTo(3);
        assertThat(percent(-25, 2, 0)).isEqualTo(1);
        assertThat(percent(-67, 10, 0)).isEqualTo(4);
    }

    @Test
    void minAdjustmentMagnitudeRaisesSmallPercentChanges() {
        assertThat(percent(10, 10, 3)).isEqualTo(13);
        assertThat(percent(-10, 10, 3)).isEqualTo(7);
        assertThat(percent(50, 10, 3)).isEqualTo(15);
        assertThatThrownBy(() -> policy(AdjustmentType.CHANGE_IN_CAPACITY, 2, new StepAdjustment(0, INF, 1)))
                .hasMessageContaining("minAdjustmentMagnitude applies only to PercentChangeInCapacity");
    }

    private static int percent(int adjustment, int current, int minMagnitude) {
        StepScalingPolicy p = policy(AdjustmentType.PERCENT_CHANGE_IN_CAPACITY, minMagnitude,
                new StepAdjustment(-INF, INF, adjustment));
        return p.apply(current, p.stepAdjustments().get(0));
    }

    @Test
    void boundsAreInclusiveOnTheSideAwayFromTheThreshold() {
        StepScalingPolicy p = policy(AdjustmentType.CHANGE_IN_CAPACITY, 0,
                new StepAdjustment(-INF, -10, -2), new StepAdjustment(-10, 0, -1),
                new StepAdjustment(0, 10, 1), new StepAdjustment(10, INF, 2));

        assertThat(p.stepFor(0).orElseThrow().scalingAdjustment()).isEqualTo(1);
        assertThat(p.stepFor(9.99).orElseThrow().scalingAdjustment()).isEqualTo(1);
        assertThat(p.stepFor(10).orElseThrow().scalingAdjustment()).isEqualTo(2);
        assertThat(p.stepFor(-0.5).orElseThrow().scalingAdjustment()).isEqualTo(-1);
        assertThat(p.stepFor(-10).orElseThrow().scalingAdjustment()).isEqualTo(-2);
        assertThat(p.stepFor(-10.5).orElseThrow().scalingAdjustment()).isEqualTo(-2);
    }

    @Test
    void stepsMustNotOverlapOrLeaveGaps() {
        assertThatThrownBy(() -> policy(AdjustmentType.CHANGE_IN_CAPACITY, 0, new StepAdjustment(0, 20, 1),
                new StepAdjustment(10, INF, 2))).hasMessageContaining("step adjustments overlap");
        assertThatThrownBy(() -> policy(AdjustmentType.CHANGE_IN_CAPACITY, 0, new StepAdjustment(0, 10, 1),
                new StepAdjustment(20, INF, 2))).hasMessageContaining("there is a gap between step adjustments");
        assertThatThrownBy(() -> new StepAdjustment(5, 5, 1)).hasMessageContaining("upper bound must be greater");
        assertThatThrownBy(() -> policy(AdjustmentType.CHANGE_IN_CAPACITY, 0))
                .hasMessageContaining("at least one step");
    }

    @Test
    void stepsAreKeptInBoundOrder() {
        StepScalingPolicy p = policy(AdjustmentType.CHANGE_IN_CAPACITY, 0, new StepAdjustment(10, INF, 2),
                new StepAdjustment(0, 10, 1));
        assertThat(p.stepAdjustments()).extracting(StepAdjustment::scalingAdjustment).containsExactly(1, 2);
    }

    @Test
    void targetTrackingDesiredCapacityIsTheCeilingOfTheProportion() {
        TargetTrackingPolicy p = TargetTrackingPolicy.of("t", PredefinedMetric.INVOCATIONS_PER_INSTANCE, 70);
        assertThat(p.desiredCapacity(2, 70)).isEqualTo(2);
        assertThat(p.desiredCapacity(2, 71)).isEqualTo(3);
        assertThat(p.desiredCapacity(4, 10)).isEqualTo(1);
        assertThat(p.desiredCapacity(4, 0)).isZero();
        assertThatThrownBy(() -> TargetTrackingPolicy.of("t", PredefinedMetric.INVOCATIONS_PER_INSTANCE, 0))
                .hasMessageContaining("targetValue must be greater than");
    }
}
