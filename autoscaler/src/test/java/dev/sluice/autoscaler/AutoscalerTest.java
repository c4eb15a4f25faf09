package dev.sluice.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.autoscaler.testing.FakeFleet;
import dev.sluice.variants.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Policies on a virtual clock with synthetic traffic. Unless a test says otherwise: evaluation every 10 s, scale-out
 * after 3 datapoints above target (2 minutes of a 1-minute metric), scale-in after 15 below 90% of it (14 minutes).
 */
class AutoscalerTest {
    private static final VariantKey VARIANT = new VariantKey("scoring", "AllTraffic");
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    private ManualScheduler clock;
    private Autoscaler autoscaler;

    @BeforeEach
    void setUp() {
        clock = new ManualScheduler(START);
        autoscaler = new Autoscaler(clock, AutoscalerSettings.DEFAULTS);
        autoscaler.start();
    }

    @AfterEach
    void tearDown() {
        autoscaler.close();
    }

    private FakeFleet register(int capacity, int min, int max) {
        FakeFleet fleet = new FakeFleet(clock, capacity);
        autoscaler.register(new ScalableTarget(VARIANT, min, max), fleet, fleet);
        return fleet;
    }

    private void advance(Duration d) {
        clock.advance(d);
    }

    private static TargetTrackingPolicy invocations(String name, double target, Duration out, Duration in,
                                                   boolean disableScaleIn) {
        return new TargetTrackingPolicy(name, PredefinedMetric.INVOCATIONS_PER_INSTANCE, target, out, in,
                disableScaleIn);
    }

    private ScalingActivity latest() {
        return autoscaler.activities(VARIANT).get(0);
    }

    @Test
    void scalesOutToCeilOfCapacityTimesMetricOverTargetOnceTheHighAlarmHeldThreeDatapoints() {
        FakeFleet fleet = register(1, 1, 10).rate(210);
        autoscaler.putPolicy(VARIANT, TargetTrackingPolicy.of("invocations", PredefinedMetric.INVOCATIONS_PER_INSTANCE, 70));

        // First tick (10 s) has one sample, no rate; the high streak starts at 20 s and needs 120 s more.
        advance(Duration.ofSeconds(130));
        assertThat(fleet.requests()).isEmpty();
        advance(Duration.ofSeconds(10));

        assertThat(fleet.requests()).containsExactly(3);
        assertThat(fleet.currentCapacity()).isEqualTo(3);
        ScalingActivity activity = latest();
        assertThat(activity.statusCode()).isEqualTo(ActivityStatus.SUCCESSFUL);
        assertThat(activity.fromCapacity()).isEqualTo(1);
        assertThat(activity.toCapacity()).isEqualTo(3);
        assertThat(activity.description()).isEqualTo("Setting desired instance count to 3.");
        assertThat(activity.cause()).startsWith("monitor alarm TargetTracking-endpoint/scoring/variant/AllTraffic-AlarmHigh-")
                .endsWith(" in state ALARM triggered policy invocations");
        assertThat(activity.details()).isEqualTo("from 1 to 3: SageMakerVariantInvocationsPerInstance = 210.0 (target 70.00)");
        assertThat(activity.startTime()).isEqualTo(START.plusSeconds(140));
        assertThat(activity.endTime()).isEqualTo(START.plusSeconds(140));
        assertThat(activity.statusMessage()).isEqualTo(
                "Successfully set desired instance count to 3. Change successfully fulfilled by sagemaker.");

        // 210/min over 3 instances is exactly the target: nothing more to do.
        advance(Duration.ofMinutes(30));
        assertThat(fleet.requests()).containsExactly(3);
    }

    @Test
    void scaleOutCooldownHoldsTheNextScaleOutUntilItEnds() {
        FakeFleet fleet = register(1, 1, 20).rate(210);
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ofSeconds(300), Duration.ofSeconds(300),
                false));
        advance(Duration.ofSeconds(140));
        assertThat(fleet.currentCapacity()).isEqualTo(3);

        fleet.rate(420);
        advance(Duration.ofSeconds(290));
        assertThat(fleet.requests()).containsExactly(3);
        advance(Duration.ofSeconds(10));

        // 420/min over 3 instances = 140 per instance: ⌈3 × 140 / 70⌉ = 6, at 140 s + 300 s.
        assertThat(fleet.requests()).containsExactly(3, 6);
        assertThat(latest().startTime()).isEqualTo(START.plusSeconds(440));
    }

    @Test
    void cooldownsConfigurableDownToSeconds() {
        FakeFleet fleet = register(1, 1, 20).rate(210);
        autoscaler.putPolicy(VARIANT, invocations("fast", 70, Duration.ofSeconds(5), Duration.ofSeconds(5), false));
        advance(Duration.ofSeconds(140));
        fleet.rate(420);

        // The high alarm never went quiet (the 1-minute window already holds some of the new load: 245/min over 3),
        // so with a 5 s cooldown the next tick scales again: ⌈3 × 81.7 / 70⌉ = 4. Then the window catches up.
        advance(Duration.ofSeconds(10));
        assertThat(fleet.requests()).containsExactly(3, 4);
        advance(Duration.ofMinutes(3));
        assertThat(fleet.requests()).containsExactly(3, 4, 6);
    }

    @Test
    void scalesInAfterFifteenLowDatapointsAndHonoursTheScaleInCooldown() {
        FakeFleet fleet = register(4, 1, 10).rate(280);
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ofSeconds(300), Duration.ofSeconds(300),
                false));
        advance(Duration.ofMinutes(5));
        assertThat(fleet.requests()).isEmpty();

        // 100/min over 4 = 25 per instance, below 63 (90% of 70): ⌈4 × 25 / 70⌉ = 2 after 14 minutes of it.
        fleet.rate(100);
        advance(Duration.ofMinutes(14));
        assertThat(fleet.requests()).isEmpty();
        advance(Duration.ofMinutes(2));
        assertThat(fleet.requests()).containsExactly(2);
        ScalingActivity scaleIn = latest();
        assertThat(scaleIn.cause()).contains("-AlarmLow-").endsWith("triggered policy invocations");
        Instant scaledInAt = scaleIn.endTime();

        // Still low, lower still; but no second scale-in within the 300 s cooldown.
        fleet.rate(10);
        advance(Duration.between(clock.now(), scaledInAt.plusSeconds(290)));
        assertThat(fleet.requests()).containsExactly(2);
        advance(Duration.ofSeconds(10));
        assertThat(fleet.requests()).containsExactly(2, 1);
    }

    @Test
    void doesNotScaleInWithinTheTenPercentHysteresis() {
        FakeFleet fleet = register(4, 1, 10).rate(4 * 66.5);
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ZERO, Duration.ZERO, false));

        advance(Duration.ofMinutes(60));

        // 66.5 is 95% of the target: ⌈4 × 0.95⌉ would still be 4, and the low alarm never fires anyway.
        assertThat(fleet.requests()).isEmpty();
    }

    @Test
    void disableScaleInNeverScalesInButStillScalesOut() {
        FakeFleet fleet = register(4, 1, 10).rate(10);
        autoscaler.putPolicy(VARIANT, invocations("no-in", 70, Duration.ZERO, Duration.ZERO, true));
        advance(Duration.ofMinutes(60));
        assertThat(fleet.requests()).isEmpty();

        fleet.rate(4 * 140);
        advance(Duration.ofMinutes(4));
        assertThat(fleet.requests()).containsExactly(8);
    }

    @Test
    void capacityIsMovedInsideMinAndMaxAndPoliciesAreClampedToThem() {
        FakeFleet fleet = register(1, 2, 5).rate(0);
        advance(Duration.ofSeconds(10));
        assertThat(fleet.requests()).containsExactly(2);
        assertThat(latest().cause()).isEqualTo("minimum capacity was set to 2");

        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ZERO, Duration.ZERO, false));
        fleet.rate(7000);
        advance(Duration.ofMinutes(3));
        assertThat(fleet.requests()).containsExactly(2, 5);

        autoscaler.register(new ScalableTarget(VARIANT, 1, 3), fleet, fleet);
        advance(Duration.ofSeconds(10));
        assertThat(fleet.requests()).containsExactly(2, 5, 3);
        assertThat(latest().cause()).isEqualTo("maximum capacity was set to 3");

        fleet.rate(0);
        advance(Duration.ofMinutes(30));
        assertThat(fleet.requests()).containsExactly(2, 5, 3, 1);
    }

    @Test
    void tracksConcurrentRequestsPerInstanceOnTenSecondDatapoints() {
        FakeFleet fleet = register(2, 1, 10).concurrentPerInstance(15);
        autoscaler.putPolicy(VARIANT, new TargetTrackingPolicy("concurrency",
                PredefinedMetric.CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION, 5, Duration.ofSeconds(60),
                Duration.ofSeconds(60), false));

        // Three 10-second datapoints: ticks at 10, 20 and 30 s.
        advance(Duration.ofSeconds(20));
        assertThat(fleet.requests()).isEmpty();
        advance(Duration.ofSeconds(10));
        assertThat(fleet.requests()).containsExactly(6);
    }

    @Test
    void scaleOutTakesTheLargestDesiredCapacityAmongPolicies() {
        FakeFleet fleet = register(1, 1, 10).rate(140).concurrentTotal(8);
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ZERO, Duration.ZERO, false));
        autoscaler.putPolicy(VARIANT, new TargetTrackingPolicy("concurrency",
                PredefinedMetric.CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION, 2, Duration.ZERO, Duration.ZERO, false));

        advance(Duration.ofMinutes(3));

        // Invocations alone would ask for 2, concurrency for ⌈1 × 8 / 2⌉ = 4.
        assertThat(fleet.requests().get(0)).isEqualTo(4);
        assertThat(autoscaler.activities(VARIANT).get(autoscaler.activities(VARIANT).size() - 1).cause())
                .endsWith("triggered policy concurrency");
    }

    @Test
    void scalesInOnlyWhenEveryPolicyThatCanScaleInAgrees() {
        FakeFleet fleet = register(4, 1, 10).rate(40).concurrentTotal(8);
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ZERO, Duration.ZERO, false));
        autoscaler.putPolicy(VARIANT, new TargetTrackingPolicy("concurrency",
                PredefinedMetric.CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION, 2, Duration.ZERO, Duration.ZERO, false));

        // Invocations are far below target, but concurrency (8 / 4 = 2) sits at its target and holds.
        advance(Duration.ofMinutes(30));
        assertThat(fleet.requests()).isEmpty();

        // Now both are low: invocations want ⌈4 × 10 / 70⌉ = 1, concurrency ⌈4 × 1 / 2⌉ = 2; the larger wins.
        fleet.concurrentTotal(4);
        advance(Duration.ofMinutes(30));
        assertThat(fleet.requests()).startsWith(2);
    }

    @Test
    void aPolicyWithScaleInDisabledDoesNotVetoAnotherPolicysScaleIn() {
        FakeFleet fleet = register(4, 1, 10).rate(40).concurrentTotal(0);
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ZERO, Duration.ZERO, false));
        autoscaler.putPolicy(VARIANT, new TargetTrackingPolicy("concurrency-out-only",
                PredefinedMetric.CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION, 2, Duration.ZERO, Duration.ZERO, true));

        advance(Duration.ofMinutes(16));

        assertThat(fleet.requests()).containsExactly(1);
    }

    @Test
    void stepPolicyAppliesTheStepTheBreachFallsIn() {
        FakeFleet fleet = register(1, 1, 10).rate(180);
        autoscaler.putPolicy(VARIANT, new StepScalingPolicy("steps", AdjustmentType.CHANGE_IN_CAPACITY,
                List.of(new StepAdjustment(0, 50, 1), new StepAdjustment(50, Double.POSITIVE_INFINITY, 3)), 0,
                Duration.ofSeconds(60), MetricAggregationType.AVERAGE,
                StepAlarm.of(PredefinedMetric.INVOCATIONS_PER_INSTANCE, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                        100)));

        // One datapoint: the second tick (20 s) has a rate of 180, 80 above the threshold → +3.
        advance(Duration.ofSeconds(20));
        assertThat(fleet.requests()).containsExactly(4);
        assertThat(latest().cause()).isEqualTo("monitor alarm StepScaling-endpoint/scoring/variant/AllTraffic-steps "
                + "in state ALARM triggered policy steps");
        assertThat(latest().details()).isEqualTo("from 1 to 4: SageMakerVariantInvocationsPerInstance = 180.0 "
                + "(GreaterThanOrEqualToThreshold 100.0, step ChangeInCapacity 3)");

        // 180/min over 4 instances = 45: below the threshold, the alarm goes quiet.
        advance(Duration.ofMinutes(10));
        assertThat(fleet.requests()).containsExactly(4);
    }

    @Test
    void stepAlarmNeedsItsEvaluationPeriodsAndThePolicyItsCooldown() {
        FakeFleet fleet = register(2, 1, 10).rate(0);
        autoscaler.putPolicy(VARIANT, new StepScalingPolicy("scale-in", AdjustmentType.CHANGE_IN_CAPACITY,
                List.of(new StepAdjustment(Double.NEGATIVE_INFINITY, 0, -1)), 0, Duration.ofSeconds(120),
                MetricAggregationType.AVERAGE, new StepAlarm(PredefinedMetric.INVOCATIONS_PER_INSTANCE,
                ComparisonOperator.LESS_THAN_THRESHOLD, 10, 3, Duration.ofMinutes(1))));

        // Breaching from the 20 s tick; 3 one-minute periods → 140 s.
        advance(Duration.ofSeconds(130));
        assertThat(fleet.requests()).isEmpty();
        advance(Duration.ofSeconds(10));
        assertThat(fleet.requests()).containsExactly(1);
    }

    @Test
    void stepPolicyWithoutAlarmStaysDormant() {
        FakeFleet fleet = register(1, 1, 10).rate(1000);
        autoscaler.putPolicy(VARIANT, new StepScalingPolicy("dormant", AdjustmentType.EXACT_CAPACITY,
                List.of(new StepAdjustment(0, Double.POSITIVE_INFINITY, 5)), 0, Duration.ZERO,
                MetricAggregationType.AVERAGE, null));

        advance(Duration.ofMinutes(10));

        assertThat(fleet.requests()).isEmpty();
    }

    @Test
    void aFailingCapacityChangeIsRecordedAsFailedAndNotRetriedWithinTheCooldown() {
        FakeFleet fleet = register(1, 1, 10).rate(210);
        fleet.failWith(new IllegalStateException("instance scoring-AllTraffic-2 exited with code 3"));
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ofSeconds(300), Duration.ofSeconds(300),
                false));

        advance(Duration.ofSeconds(140));

        ScalingActivity failed = latest();
        assertThat(failed.statusCode()).isEqualTo(ActivityStatus.FAILED);
        assertThat(failed.statusMessage()).isEqualTo("Failed to set desired instance count to 3. Reason: "
                + "instance scoring-AllTraffic-2 exited with code 3");
        assertThat(failed.endTime()).isEqualTo(START.plusSeconds(140));
        advance(Duration.ofSeconds(290));
        assertThat(fleet.requests()).containsExactly(3);

        fleet.failWith(null);
        advance(Duration.ofSeconds(10));
        assertThat(fleet.requests()).containsExactly(3, 3);
        assertThat(latest().statusCode()).isEqualTo(ActivityStatus.SUCCESSFUL);
    }

    @Test
    void oneActivityAtATimePerTarget() {
        FakeFleet fleet = register(1, 1, 10).rate(210);
        CompletableFuture<Void> held = fleet.holdNextChange();
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ZERO, Duration.ZERO, false));
        advance(Duration.ofSeconds(140));
        assertThat(latest().statusCode()).isEqualTo(ActivityStatus.IN_PROGRESS);
        assertThat(latest().endTime()).isNull();

        advance(Duration.ofMinutes(5));
        assertThat(fleet.requests()).containsExactly(3);

        held.complete(null);
        assertThat(latest().statusCode()).isEqualTo(ActivityStatus.SUCCESSFUL);
        assertThat(latest().endTime()).isEqualTo(START.plusSeconds(440));
        assertThat(fleet.currentCapacity()).isEqualTo(3);
    }

    @Test
    void suspendedScaleOutHoldsPoliciesButNotTheMinimum() {
        FakeFleet fleet = new FakeFleet(clock, 1).rate(700);
        autoscaler.register(new ScalableTarget(VARIANT, 2, 10, new SuspendedState(false, true, false)), fleet, fleet);
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ZERO, Duration.ZERO, false));

        advance(Duration.ofMinutes(10));

        assertThat(fleet.requests()).containsExactly(2);
    }

    @Test
    void deregistrationStopsEvaluationAndKeepsTheHistory() {
        FakeFleet fleet = register(1, 1, 10).rate(210);
        autoscaler.putPolicy(VARIANT, invocations("invocations", 70, Duration.ZERO, Duration.ZERO, false));
        advance(Duration.ofSeconds(140));
        assertThat(fleet.requests()).containsExactly(3);

        assertThat(autoscaler.deregister(VARIANT)).isTrue();
        int reads = fleet.metricReads();
        fleet.rate(10_000);
        advance(Duration.ofMinutes(30));

        assertThat(fleet.metricReads()).isEqualTo(reads);
        assertThat(fleet.requests()).containsExactly(3);
        assertThat(autoscaler.policies(VARIANT)).isEmpty();
        assertThat(autoscaler.target(VARIANT)).isEmpty();
        assertThat(autoscaler.activities(VARIANT)).hasSize(1);
        assertThat(autoscaler.deregister(VARIANT)).isFalse();
    }

    @Test
    void activitiesAreBoundedAndNewestFirst() {
        Autoscaler small = new Autoscaler(clock, AutoscalerSettings.DEFAULTS.withActivityHistory(3));
        FakeFleet fleet = new FakeFleet(clock, 0);
        small.register(new ScalableTarget(VARIANT, 0, 10), fleet, fleet);
        for (int i = 1; i <= 5; i++) {
            small.register(new ScalableTarget(VARIANT, i, 10), fleet, fleet);
            small.evaluateAll();
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(small.activities(VARIANT)).extracting(ScalingActivity::toCapacity).containsExactly(5, 4, 3);
        small.close();
    }

    @Test
    void replacingAPolicyKeepsItsCreationTimeAndClosingStopsTheTicks() {
        register(1, 1, 10);
        autoscaler.putPolicy(VARIANT, invocations("p", 70, Duration.ZERO, Duration.ZERO, false));
        Instant created = autoscaler.policies(VARIANT).get(0).creationTime();
        advance(Duration.ofMinutes(1));
        autoscaler.putPolicy(VARIANT, invocations("p", 50, Duration.ZERO, Duration.ZERO, false));

        assertThat(autoscaler.policies(VARIANT)).singleElement().satisfies(p -> {
            assertThat(p.creationTime()).isEqualTo(created);
            assertThat(((TargetTrackingPolicy) p.policy()).targetValue()).isEqualTo(50);
        });
        assertThat(autoscaler.putPolicy(new VariantKey("other", "v"), invocations("p", 1, Duration.ZERO,
                Duration.ZERO, false))).isFalse();

        autoscaler.close();
        assertThat(clock.pendingTasks()).isZero();
    }
}
