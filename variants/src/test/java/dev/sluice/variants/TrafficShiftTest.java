package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.request;
import static dev.sluice.variants.Fixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceResponse;
import dev.sluice.variants.TrafficShift.Outcome;
import dev.sluice.variants.TrafficShift.Phase;
import dev.sluice.variants.TrafficShift.Policy;
import dev.sluice.variants.TrafficShift.Type;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class TrafficShiftTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final Duration TERMINATION = Duration.ofMinutes(2);

    private final ManualScheduler scheduler = new ManualScheduler(T0);
    private final Fixtures.Counting blueService = new Fixtures.Counting("blue");
    private final Fixtures.Counting greenService = new Fixtures.Counting("green");
    private final VariantRoute blue = route("AllTraffic", 1, blueService);
    private final VariantRoute green = route("AllTraffic", 1, greenService);
    private final EndpointRouter router = new EndpointRouter("ep", RoutingTable.of(List.of(blue), List.of()),
            Runnable::run);

    private TrafficShift start(Policy policy, AlarmRule... alarms) {
        return TrafficShift.start(router, List.of(green), policy, List.of(alarms), scheduler);
    }

    private double greenShareOf(int requests) {
        int before = greenService.calls.get();
        for (int i = 0; i < requests; i++) {
            router.invoke(request());
        }
        return (greenService.calls.get() - before) / (double) requests;
    }

    @Test
    void canaryShiftsTheCanaryBakesThenTheRestThenSwapsFleets() {
        TrafficShift shift = start(Policy.canary(0.1, WAIT, TERMINATION));

        // Nothing has moved until the scheduler runs the first step.
        assertThat(shift.phase()).isEqualTo(Phase.ACTIVATING_TRAFFIC);
        assertThat(shift.nextShare()).isZero();
        assertThat(router.table().next()).containsExactly(green);
        assertThat(greenShareOf(100)).isZero();

        scheduler.advance(Duration.ZERO);
        assertThat(shift.phase()).isEqualTo(Phase.BAKING);
        assertThat(shift.nextShare()).isEqualTo(0.1);
        assertThat(shift.phaseStartedAt()).isEqualTo(T0);
        assertThat(greenShareOf(1_000)).isCloseTo(0.1, within(0.01));

        scheduler.advance(WAIT.minusSeconds(1));
        assertThat(shift.nextShare()).isEqualTo(0.1);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(shift.phase()).isEqualTo(Phase.BAKING);
        assertThat(shift.nextShare()).isEqualTo(1.0);
        assertThat(shift.phaseStartedAt()).isEqualTo(T0.plus(WAIT));
        assertThat(greenShareOf(100)).isEqualTo(1.0);

        scheduler.advance(WAIT);
        assertThat(shift.phase()).isEqualTo(Phase.TERMINATING_OLD_FLEET);
        assertThat(router.table().current()).containsExactly(green);
        assertThat(router.table().next()).isEmpty();
        assertThat(router.table().nextShare()).isZero();
        assertThat(shift.outcome()).isNotDone();

        scheduler.advance(TERMINATION);
        assertThat(shift.phase()).isEqualTo(Phase.COMPLETED);
        assertThat(shift.phaseStartedAt()).isEqualTo(T0.plus(WAIT).plus(WAIT).plus(TERMINATION));
        assertThat(shift.outcome()).isCompletedWithValueMatching(outcome -> !outcome.rolledBack());
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void linearShiftsInEqualStepsBakingAfterEach() {
        TrafficShift shift = start(Policy.linear(0.25, WAIT, TERMINATION));
        List<Double> shares = new ArrayList<>();

        scheduler.advance(Duration.ZERO);
        for (int step = 0; step < 4; step++) {
            assertThat(shift.phase()).isEqualTo(Phase.BAKING);
            shares.add(shift.nextShare());
            assertThat(router.table().nextShare()).isEqualTo(shift.nextShare());
            scheduler.advance(WAIT);
        }

        assertThat(shares).containsExactly(0.25, 0.5, 0.75, 1.0);
        assertThat(shift.phase()).isEqualTo(Phase.TERMINATING_OLD_FLEET);
    }

    @Test
    void linearStepsThatDoNotDivideOneEndAtOne() {
        List<Double> shares = Policy.linear(0.3, WAIT, TERMINATION).shares();
        assertThat(shares).hasSize(4);
        assertThat(shares.get(2)).isCloseTo(0.9, within(1e-12));
        assertThat(shares.get(3)).isEqualTo(1.0);
        assertThat(Policy.linear(0.1, WAIT, TERMINATION).shares()).hasSize(10).last().isEqualTo(1.0);
        assertThat(Policy.canary(1.0, WAIT, TERMINATION).shares()).containsExactly(1.0);
    }

    @Test
    void allAtOnceMovesEverythingThenBakes() {
        TrafficShift shift = start(Policy.allAtOnce(WAIT, Duration.ZERO));

        scheduler.advance(Duration.ZERO);
        assertThat(shift.nextShare()).isEqualTo(1.0);
        assertThat(shift.phase()).isEqualTo(Phase.BAKING);
        assertThat(greenShareOf(50)).isEqualTo(1.0);

        // With no termination wait the deployment completes at the end of the bake.
        scheduler.advance(WAIT);
        assertThat(shift.phase()).isEqualTo(Phase.COMPLETED);
        assertThat(router.table().current()).containsExactly(green);
        assertThat(shift.outcome().join()).isEqualTo(new Outcome(false, "all traffic shifted to the new fleet"));
    }

    @Test
    void requestsInFlightOnTheOldFleetFinishAfterTheSwap() {
        Fixtures.Manual slowBlue = new Fixtures.Manual();
        VariantRoute slow = route("AllTraffic", 1, slowBlue);
        EndpointRouter endpoint = new EndpointRouter("ep", RoutingTable.of(List.of(slow), List.of()), Runnable::run);
        CompletionStage<InferenceResponse> inFlight = endpoint.invoke(request());

        TrafficShift shift = TrafficShift.start(endpoint, List.of(green), Policy.allAtOnce(Duration.ZERO,
                TERMINATION), List.of(), scheduler);
        scheduler.advance(Duration.ZERO);
        assertThat(shift.phase()).isEqualTo(Phase.TERMINATING_OLD_FLEET);

        slowBlue.completeAll("blue");
        assertThat(inFlight.toCompletableFuture().join().invokedVariant()).isEqualTo("AllTraffic");
        assertThat(Fixtures.text(inFlight.toCompletableFuture().join())).isEqualTo("blue");
    }

    @Test
    void anAlarmOnTheFailingNewFleetRollsBackDuringBaking() {
        Fixtures.Counting healthy = blueService;
        VariantRoute broken = route("AllTraffic", 1, Fixtures.failing(ErrorCode.INTERNAL_FAILURE));
        AlarmRule alarm = AlarmRule.parseInline("sluice:Invocation5XXErrorRate>0.05@20").orElseThrow();
        Policy policy = Policy.canary(0.5, WAIT, TERMINATION).withAlarmCheckInterval(Duration.ofSeconds(30));
        TrafficShift shift = TrafficShift.start(router, List.of(broken), policy, List.of(alarm), scheduler);
        scheduler.advance(Duration.ZERO);

        for (int i = 0; i < 100; i++) {
            router.invoke(request());
        }
        assertThat(broken.pool().metrics().stats().errors5xx()).isBetween(49L, 51L);
        assertThat(shift.phase()).isEqualTo(Phase.BAKING);

        scheduler.advance(Duration.ofSeconds(30));

        assertThat(shift.phase()).isEqualTo(Phase.ROLLED_BACK);
        assertThat(shift.phaseStartedAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(shift.nextShare()).isZero();
        Outcome outcome = shift.outcome().join();
        assertThat(outcome.rolledBack()).isTrue();
        assertThat(outcome.reason()).contains("sluice:Invocation5XXErrorRate>0.05@20", "Invocation5XXErrorRate",
                "= 1", "threshold 0.05");
        assertThat(router.table().current()).containsExactly(blue);
        assertThat(router.table().next()).isEmpty();
        int before = healthy.calls.get();
        for (int i = 0; i < 20; i++) {
            assertThat(router.invoke(request()).toCompletableFuture()).isCompleted()
                    .isNotCompletedExceptionally();
        }
        assertThat(healthy.calls.get() - before).isEqualTo(20);
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void alarmsBelowTheirMinimumInvocationsDoNotFire() {
        VariantRoute broken = route("AllTraffic", 1, Fixtures.failing(ErrorCode.INTERNAL_FAILURE));
        AlarmRule alarm = AlarmRule.parseInline("sluice:Invocation5XXErrors>0@1000").orElseThrow();
        TrafficShift shift = TrafficShift.start(router, List.of(broken),
                Policy.allAtOnce(WAIT, TERMINATION), List.of(alarm), scheduler);
        scheduler.advance(Duration.ZERO);
        for (int i = 0; i < 10; i++) {
            router.invoke(request());
        }

        scheduler.advance(WAIT.plus(TERMINATION));

        assertThat(shift.phase()).isEqualTo(Phase.COMPLETED);
    }

    @Test
    void alarmsAreNotEvaluatedOnceTheTerminationWaitBegins() {
        VariantRoute flaky = route("AllTraffic", 1, Fixtures.failing(ErrorCode.SERVICE_UNAVAILABLE));
        AlarmRule alarm = new AlarmRule("errors", AlarmRule.Metric.INVOCATION_5XX_ERRORS, 0, 1);
        TrafficShift shift = TrafficShift.start(router, List.of(flaky),
                Policy.allAtOnce(WAIT, TERMINATION).withAlarmCheckInterval(Duration.ofSeconds(10)), List.of(alarm),
                scheduler);
        scheduler.advance(WAIT);
        assertThat(shift.phase()).isEqualTo(Phase.TERMINATING_OLD_FLEET);

        router.invoke(request());
        scheduler.advance(TERMINATION);

        assertThat(shift.phase()).isEqualTo(Phase.COMPLETED);
        assertThat(shift.outcome().join().rolledBack()).isFalse();
    }

    @Test
    void exceedingTheMaximumExecutionTimeoutBeforeFullTrafficRollsBack() {
        Policy policy = Policy.linear(0.1, Duration.ofMinutes(10), TERMINATION)
                .withMaximumExecutionTimeout(Duration.ofMinutes(35));
        TrafficShift shift = start(policy);
        scheduler.advance(Duration.ofMinutes(30));
        assertThat(shift.nextShare()).isCloseTo(0.4, within(1e-9));

        scheduler.advance(Duration.ofMinutes(5));

        assertThat(shift.phase()).isEqualTo(Phase.ROLLED_BACK);
        Outcome outcome = shift.outcome().join();
        assertThat(outcome.rolledBack()).isTrue();
        assertThat(outcome.reason()).contains("maximum execution timeout", "PT35M");
        assertThat(router.table().next()).isEmpty();
        assertThat(router.table().current()).containsExactly(blue);
    }

    @Test
    void theTimeoutNoLongerAppliesOnceTheNewFleetHasAllTraffic() {
        Policy policy = Policy.allAtOnce(Duration.ofMinutes(10), TERMINATION)
                .withMaximumExecutionTimeout(Duration.ofMinutes(5));
        TrafficShift shift = start(policy);

        scheduler.advance(Duration.ofMinutes(12));

        assertThat(shift.phase()).isEqualTo(Phase.COMPLETED);
    }

    @Test
    void abortRollsBackAtOnceAndIsANoOpOnceFinished() {
        TrafficShift shift = start(Policy.canary(0.2, WAIT, TERMINATION));
        scheduler.advance(Duration.ZERO);

        shift.abort("operator said so");

        assertThat(shift.phase()).isEqualTo(Phase.ROLLED_BACK);
        assertThat(shift.outcome().join()).isEqualTo(new Outcome(true, "aborted: operator said so"));
        assertThat(greenShareOf(100)).isZero();
        shift.abort("again");
        scheduler.advance(Duration.ofHours(1));
        assertThat(shift.outcome().join().reason()).isEqualTo("aborted: operator said so");
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void abortDuringTheTerminationWaitRestoresTheOldFleet() {
        TrafficShift shift = start(Policy.allAtOnce(Duration.ZERO, TERMINATION));
        scheduler.advance(Duration.ZERO);
        assertThat(router.table().current()).containsExactly(green);

        shift.abort("regression found");

        assertThat(router.table().current()).containsExactly(blue);
        assertThat(greenShareOf(50)).isZero();
    }

    @Test
    void shadowsAndWeightUpdatesSurviveTheShift() {
        ShadowRoute shadow = new ShadowRoute("Shadow", "m", 0.5,
                Fixtures.pool(new SimpleMeterRegistry(), "Shadow",
                        Fixtures.answering("blue")));
        router.update(router.table().withShadows(List.of(shadow)));
        TrafficShift shift = start(Policy.canary(0.5, WAIT, Duration.ZERO));
        scheduler.advance(Duration.ZERO);
        router.updateTable(table -> table.withWeights(Map.of("AllTraffic", 3.0)));

        scheduler.advance(WAIT);
        assertThat(router.table().current()).containsExactly(blue.withWeight(3.0));
        assertThat(router.table().nextShare()).isEqualTo(1.0);

        scheduler.advance(WAIT);
        assertThat(shift.phase()).isEqualTo(Phase.COMPLETED);
        assertThat(router.table().shadows()).containsExactly(shadow);
    }

    @Test
    void onlyOneShiftAtATime() {
        start(Policy.canary(0.1, WAIT, TERMINATION));
        assertThatThrownBy(() -> start(Policy.allAtOnce(WAIT, TERMINATION)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already shifting");
    }

    @Test
    void policyValidation() {
        assertThatThrownBy(() -> Policy.canary(0.0, WAIT, TERMINATION)).hasMessageContaining("stepFraction");
        assertThatThrownBy(() -> Policy.linear(1.5, WAIT, TERMINATION)).hasMessageContaining("stepFraction");
        assertThatThrownBy(() -> Policy.allAtOnce(Duration.ofSeconds(-1), TERMINATION))
                .hasMessageContaining("waitInterval");
        assertThatThrownBy(() -> Policy.allAtOnce(WAIT, TERMINATION).withAlarmCheckInterval(Duration.ZERO))
                .hasMessageContaining("alarmCheckInterval");
        assertThatThrownBy(() -> Policy.allAtOnce(WAIT, TERMINATION).withMaximumExecutionTimeout(Duration.ZERO))
                .hasMessageContaining("maximumExecutionTimeout");
        // ALL_AT_ONCE ignores the step.
        assertThat(new Policy(Type.ALL_AT_ONCE, 0.0, WAIT, TERMINATION, null, Duration.ofSeconds(1)).shares())
                .containsExactly(1.0);
        assertThatThrownBy(() -> TrafficShift.start(router, List.of(), Policy.allAtOnce(WAIT, TERMINATION),
                List.of(), scheduler)).hasMessageContaining("newFleet");
    }
}
