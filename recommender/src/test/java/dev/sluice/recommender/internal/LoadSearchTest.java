package dev.sluice.recommender.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.recommender.LoadStep;
import dev.sluice.recommender.StopReason;
import dev.sluice.recommender.StoppingConditions;
import dev.sluice.recommender.StoppingConditions.LatencyThreshold;
import dev.sluice.recommender.StoppingConditions.Percentile;
import dev.sluice.recommender.TrafficPattern;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The search on synthetic latency curves: no load is generated, each "step" is a formula of the rate. */
class LoadSearchTest {
    private static final StoppingConditions P99_50MS = StoppingConditions.of(new LatencyThreshold(Percentile.P99, 50),
            0);
    private static final TrafficPattern.Stairs STAIRS = new TrafficPattern.Stairs(10, 2, Duration.ofSeconds(1), 12, 3);

    /** A queue: p99 grows as 5 ms / (1 - rate / capacity), and beyond capacity it is a second. */
    static LoadStep queue(String kind, double rate, double capacity) {
        double p99 = rate >= capacity ? 1000 : 5 / (1 - rate / capacity);
        return step(kind, rate, p99, 0);
    }

    static LoadStep step(String kind, double rate, double p99, long errors) {
        long requests = Math.max(1, Math.round(rate));
        return new LoadStep(kind, rate, 1, requests, Math.min(errors, requests), rate, p99 / 3, p99 / 1.5, p99, p99,
                50.0, 10.0, 1L << 30, 0.1, p99 / 3, p99 / 3, false);
    }

    static final class Recording implements LoadSearch.StepRunner {
        final List<Double> rates = new ArrayList<>();
        final DoubleFunction<LoadStep> curve;

        Recording(DoubleFunction<LoadStep> curve) {
            this.curve = curve;
        }

        @Override
        public LoadStep run(String kind, double ratePerSecond, Duration duration) {
            rates.add(ratePerSecond);
            return curve.apply(ratePerSecond);
        }
    }

    @Test
    void climbsUntilTheSlaIsMissedThenBisectsAndConfirms() throws InterruptedException {
        // p99 <= 50 ms while rate <= 0.9 capacity.
        Recording runner = new Recording(r -> queue("x", r, 100));
        LoadSearch.Result result = LoadSearch.run(STAIRS, P99_50MS, 0, runner, () -> false);
        assertThat(runner.rates).startsWith(10.0, 20.0, 40.0, 80.0, 160.0, 160.0);
        assertThat(result.stoppedBy()).isEqualTo(StopReason.LATENCY_THRESHOLD);
        assertThat(result.best().kind()).isEqualTo("confirm");
        assertThat(result.best().passed()).isTrue();
        assertThat(result.best().ratePerSecond()).isBetween(80.0, 90.0);
        assertThat(result.maxInvocationsPerMinute()).isEqualTo((long) Math.floor(result.best().ratePerSecond() * 60));
        assertThat(result.steps()).filteredOn(s -> s.ratePerSecond() > 90).noneMatch(LoadStep::passed);
        assertThat(result.steps()).filteredOn(s -> s.kind().equals("refine")).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void stopsAtTheMaximumInvocationsWhenTheSlaStillHolds() throws InterruptedException {
        Recording runner = new Recording(r -> queue("x", r, 1000));
        StoppingConditions stop = StoppingConditions.of(new LatencyThreshold(Percentile.P99, 50), 3000);
        LoadSearch.Result result = LoadSearch.run(STAIRS, stop, 0, runner, () -> false);
        assertThat(runner.rates).containsExactly(10.0, 20.0, 40.0, 50.0, 50.0);
        assertThat(result.stoppedBy()).isEqualTo(StopReason.MAX_INVOCATIONS);
        assertThat(result.maxInvocationsPerMinute()).isEqualTo(3000);
    }

    @Test
    void stepsDownWhenEvenTheFirstStepMissesTheSla() throws InterruptedException {
        Recording runner = new Recording(r -> queue("x", r, 100));
        TrafficPattern.Stairs high = new TrafficPattern.Stairs(400, 2, Duration.ofSeconds(1), 12, 3);
        LoadSearch.Result result = LoadSearch.run(high, P99_50MS, 0, runner, () -> false);
        assertThat(runner.rates).as("each miss of the climb measured twice").startsWith(400.0, 400.0, 200.0, 200.0,
                100.0, 100.0, 50.0);
        assertThat(result.best()).isNotNull();
        assertThat(result.best().ratePerSecond()).isBetween(50.0, 90.0);
    }

    @Test
    void aClimbingStepThatMissesOnceByChanceDoesNotEndTheClimb() throws InterruptedException {
        int[] calls = {0};
        LoadSearch.StepRunner hiccup = (kind, rate, duration) -> {
            calls[0]++;
            return calls[0] == 2 ? step(kind, rate, 900, 0) : queue(kind, rate, 100);
        };
        LoadSearch.Result result = LoadSearch.run(STAIRS, P99_50MS, 0, hiccup, () -> false);
        assertThat(result.steps()).extracting(LoadStep::ratePerSecond).startsWith(10.0, 20.0, 20.0, 40.0, 80.0);
        assertThat(result.best().ratePerSecond()).isGreaterThanOrEqualTo(80.0);
    }

    @Test
    void aCandidateThatNeverMeetsTheSlaHasNoMaxInvocations() throws InterruptedException {
        Recording runner = new Recording(r -> step("x", r, 500, 0));
        LoadSearch.Result result = LoadSearch.run(STAIRS, P99_50MS, 0, runner, () -> false);
        assertThat(result.best()).isNull();
        assertThat(result.maxInvocationsPerMinute()).isZero();
        assertThat(result.stoppedBy()).isEqualTo(StopReason.LATENCY_THRESHOLD);
        assertThat(runner.rates).containsExactly(10.0, 10.0, 5.0, 5.0, 2.5, 2.5, 1.3, 1.3, 0.65, 0.65);
    }

    @Test
    void errorsFailAStepEvenWithLowLatency() throws InterruptedException {
        Recording runner = new Recording(r -> step("x", r, 2, r > 30 ? 5 : 0));
        LoadSearch.Result result = LoadSearch.run(STAIRS, P99_50MS, 0, runner, () -> false);
        assertThat(result.stoppedBy()).isEqualTo(StopReason.ERRORS);
        assertThat(result.best().ratePerSecond()).isLessThanOrEqualTo(30.0);
    }

    @Test
    void theStepBudgetAndTheTimeBudgetBoundTheSearch() throws InterruptedException {
        Recording fast = new Recording(r -> step("x", r, 1, 0));
        TrafficPattern.Stairs three = new TrafficPattern.Stairs(10, 2, Duration.ofSeconds(1), 3, 3);
        LoadSearch.Result limited = LoadSearch.run(three, P99_50MS, 0, fast, () -> false);
        assertThat(fast.rates).hasSize(3);
        assertThat(limited.stoppedBy()).isEqualTo(StopReason.STEP_LIMIT);
        assertThat(limited.best().ratePerSecond()).isEqualTo(20.0);

        Recording timed = new Recording(r -> step("x", r, 1, 0));
        LoadSearch.Result outOfTime = LoadSearch.run(STAIRS, P99_50MS, 0, timed, () -> timed.rates.size() >= 2);
        assertThat(timed.rates).hasSize(2);
        assertThat(outOfTime.stoppedBy()).isEqualTo(StopReason.TIME_LIMIT);
        assertThat(outOfTime.best().kind()).as("unconfirmed: no time left").isEqualTo("stairs");
    }

    @Test
    void aConfirmationThatFailsFallsBackToTheNextLowerPassingRate() throws InterruptedException {
        int[] confirmations = {0};
        LoadSearch.StepRunner noisy = (kind, rate, duration) -> {
            if (kind.equals("confirm") && confirmations[0]++ == 0) {
                return step(kind, rate, 80, 0);
            }
            return queue(kind, rate, 100);
        };
        LoadSearch.Result result = LoadSearch.run(new TrafficPattern.Stairs(10, 2, Duration.ofSeconds(1), 12, 0),
                P99_50MS, 0, noisy, () -> false);
        assertThat(result.best().ratePerSecond()).isEqualTo(40.0);
        assertThat(result.best().kind()).isEqualTo("confirm");
        assertThat(result.steps()).filteredOn(s -> s.kind().equals("confirm")).extracting(LoadStep::ratePerSecond)
                .containsExactly(80.0, 40.0);
    }

    @Test
    void aGrowingQueueFailsAStepWhoseLatencyIsStillUnderTheSla() throws InterruptedException {
        // Above 60/s the median of the last third is five times the first's: the queue grows, the p99 not yet.
        LoadSearch.StepRunner runner = (kind, rate, duration) -> {
            double early = 4;
            double late = rate > 60 ? 20 : 4.5;
            return new LoadStep(kind, rate, 1, Math.round(rate), 0, rate, 5.0, 10.0, 20.0, 25.0, null, null, null, 0,
                    early, late, false);
        };
        LoadSearch.Result result = LoadSearch.run(STAIRS, P99_50MS, 0, runner, () -> false);
        assertThat(result.stoppedBy()).isEqualTo(StopReason.SATURATED);
        assertThat(result.best().ratePerSecond()).isLessThanOrEqualTo(60.0);
        assertThat(result.steps()).filteredOn(s -> s.ratePerSecond() > 60).allMatch(s -> s.backlogGrew(P99_50MS.backlogSlackMillis()))
                .noneMatch(LoadStep::passed);
    }

    @Test
    void phasesRunInOrderAndStopAtTheFirstMiss() throws InterruptedException {
        Recording runner = new Recording(r -> queue("x", r, 100));
        TrafficPattern.Phases phases = new TrafficPattern.Phases(List.of(
                new TrafficPattern.Phase(10, Duration.ofSeconds(1)), new TrafficPattern.Phase(50, Duration.ofSeconds(1)),
                new TrafficPattern.Phase(150, Duration.ofSeconds(1)), new TrafficPattern.Phase(20, Duration.ofSeconds(1))));
        LoadSearch.Result result = LoadSearch.run(phases, P99_50MS, 0, runner, () -> false);
        assertThat(runner.rates).containsExactly(10.0, 50.0, 150.0);
        assertThat(result.best().ratePerSecond()).isEqualTo(50.0);
        assertThat(result.stoppedBy()).isEqualTo(StopReason.LATENCY_THRESHOLD);
    }

    @Property(tries = 200)
    void neverReportsARateThatMissedTheSlaAndStaysWithinItsBudget(
            @ForAll @DoubleRange(min = 0.3, max = 20000) double capacity,
            @ForAll @DoubleRange(min = 0.5, max = 5000) double start,
            @ForAll @IntRange(min = 1, max = 20) int maxSteps) throws InterruptedException {
        Recording runner = new Recording(r -> queue("x", r, capacity));
        TrafficPattern.Stairs stairs = new TrafficPattern.Stairs(start, 2, Duration.ofSeconds(1), maxSteps, 3);
        LoadSearch.Result result = LoadSearch.run(stairs, P99_50MS, 100, runner, () -> false);
        assertThat(runner.rates.size()).isLessThanOrEqualTo(maxSteps);
        if (result.best() != null) {
            assertThat(result.best().passed()).isTrue();
            assertThat(result.best().ratePerSecond()).isLessThanOrEqualTo(0.9 * capacity + 1e-9);
            assertThat(result.maxInvocationsPerMinute()).isPositive();
        } else {
            assertThat(result.maxInvocationsPerMinute()).isZero();
        }
    }
}
