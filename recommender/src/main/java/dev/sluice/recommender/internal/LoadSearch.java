package dev.sluice.recommender.internal;

import dev.sluice.recommender.LoadStep;
import dev.sluice.recommender.StopReason;
import dev.sluice.recommender.StoppingConditions;
import dev.sluice.recommender.TrafficPattern;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Finds the highest rate at which a candidate meets the SLA by driving a {@link StepRunner} through a traffic pattern.
 * Noise is handled at the two places where one unlucky step would mislead the answer: a climbing step that misses the
 * SLA is measured twice before the climb stops (else a hiccup caps the answer low), and the answer itself is confirmed
 * by a longer step (else a lucky step sets it high).
 * Pure logic over measured steps: the load tests plug in a real generator, the unit tests a synthetic latency curve.
 */
public final class LoadSearch {
    public static final double MIN_RATE_PER_SECOND = TrafficPattern.Stairs.MIN_RATE_PER_SECOND;
    /** Bisection stops when the bracket is this narrow relative to its top: finer is below the noise of a step. */
    static final double REFINE_RESOLUTION = 0.05;
    /**
     * Confirmation attempts: the best rate is measured once more, and if that fails the next lower passing rate.
     * One step's p99 rests on few samples; a rate that passes twice is what verification will see.
     */
    static final int CONFIRMATIONS = 2;

    /** Measures one step at a rate. Implementations honour interruption. */
    @FunctionalInterface
    public interface StepRunner {
        LoadStep run(String kind, double ratePerSecond, Duration duration) throws InterruptedException;
    }

    /**
     * @param steps     every step in the order measured, each marked passed or not
     * @param best      the step whose rate is the answer (a confirmed pass where possible), or null if none passed
     * @param stoppedBy why the search stopped there
     */
    public record Result(List<LoadStep> steps, LoadStep best, StopReason stoppedBy) {
        public Result {
            steps = List.copyOf(steps);
            Objects.requireNonNull(stoppedBy, "stoppedBy");
        }

        /** MaxInvocations: the best passing rate in invocations per minute, 0 if no step passed. */
        public long maxInvocationsPerMinute() {
            return best == null ? 0 : (long) Math.floor(best.ratePerSecond() * 60 + 1e-9);
        }
    }

    private final StoppingConditions stop;
    private final StepRunner runner;
    private final BooleanSupplier outOfTime;
    private final List<LoadStep> steps = new ArrayList<>();

    private LoadSearch(StoppingConditions stop, StepRunner runner, BooleanSupplier outOfTime) {
        this.stop = stop;
        this.runner = runner;
        this.outOfTime = outOfTime;
    }

    /**
     * @param autoStartRate what a STAIRS pattern without a start rate starts from (half the warm-up's single-client
     *                      rate is a good guess: near the bottom of the curve, a few doublings below saturation)
     * @param outOfTime     true once the job's time budget is spent; checked before every step
     */
    public static Result run(TrafficPattern pattern, StoppingConditions stop, double autoStartRate, StepRunner runner,
                             BooleanSupplier outOfTime) throws InterruptedException {
        LoadSearch search = new LoadSearch(stop, runner, outOfTime);
        return switch (pattern) {
            case TrafficPattern.Stairs stairs -> search.stairs(stairs, autoStartRate);
            case TrafficPattern.Phases phases -> search.phases(phases);
        };
    }

    private Result stairs(TrafficPattern.Stairs s, double autoStartRate) throws InterruptedException {
        double maxRate = stop.maxRatePerSecond();
        double rate = s.startRatePerSecond() > 0 ? s.startRatePerSecond()
                : Math.max(MIN_RATE_PER_SECOND, roundRate(autoStartRate / 2));
        rate = Math.min(rate, maxRate);
        // Climbing and bisection leave one step of the budget for the confirmation.
        int searchBudget = Math.max(1, s.maxSteps() - 1);
        TreeMap<Double, LoadStep> passes = new TreeMap<>();
        double lowestFail = Double.POSITIVE_INFINITY;
        StopReason failure = null;
        StopReason reason = null;

        while (true) {
            if (steps.size() >= searchBudget) {
                reason = StopReason.STEP_LIMIT;
                break;
            }
            if (outOfTime.getAsBoolean()) {
                reason = StopReason.TIME_LIMIT;
                break;
            }
            LoadStep step = measure("stairs", rate, s.stepDuration());
            if (!step.passed() && steps.size() < searchBudget && !outOfTime.getAsBoolean()) {
                // A climbing step that misses decides where the search looks from then on, and one noisy step on
                // a shared machine would cap the answer far below the candidate's capacity: it gets a second try.
                step = measure("stairs", rate, s.stepDuration());
            }
            if (step.passed()) {
                passes.put(rate, step);
                if (rate >= maxRate) {
                    reason = StopReason.MAX_INVOCATIONS;
                    break;
                }
                double next = Math.min(rate * s.stepFactor(), maxRate);
                if (next >= lowestFail) {
                    break;
                }
                rate = next;
            } else {
                lowestFail = Math.min(lowestFail, rate);
                failure = stop.failure(step);
                if (!passes.isEmpty()) {
                    break;
                }
                // Even the first step missed: step down until one passes or the rate is too low to say anything.
                double lower = rate / s.stepFactor();
                if (lower < MIN_RATE_PER_SECOND) {
                    reason = failure;
                    break;
                }
                rate = roundRate(lower);
            }
        }
        if (reason == null) {
            reason = failure;
            for (int i = 0; i < s.refineSteps() && steps.size() < searchBudget && !outOfTime.getAsBoolean(); i++) {
                double low = passes.lastKey();
                if (lowestFail - low <= REFINE_RESOLUTION * lowestFail) {
                    break;
                }
                double mid = roundRate((low + lowestFail) / 2);
                if (mid <= low || mid >= lowestFail) {
                    break;
                }
                LoadStep step = measure("refine", mid, s.stepDuration());
                if (step.passed()) {
                    passes.put(mid, step);
                } else {
                    lowestFail = mid;
                }
            }
        }
        if (reason == StopReason.STEP_LIMIT && passes.isEmpty()) {
            reason = failure == null ? StopReason.STEP_LIMIT : failure;
        }
        LoadStep best = null;
        for (int attempt = 0; attempt < CONFIRMATIONS && !passes.isEmpty(); attempt++) {
            if (steps.size() >= s.maxSteps() || outOfTime.getAsBoolean()) {
                break;
            }
            double candidate = passes.lastKey();
            LoadStep confirm = measure("confirm", candidate, s.confirmDuration());
            if (confirm.passed()) {
                best = confirm;
                break;
            }
            passes.remove(candidate);
            StopReason missed = stop.failure(confirm);
            if (reason == StopReason.MAX_INVOCATIONS || reason == StopReason.STEP_LIMIT
                    || reason == StopReason.TIME_LIMIT) {
                reason = missed;
            }
        }
        if (best == null && !passes.isEmpty()) {
            // Unconfirmed: the budget ran out, or the confirmation of a higher rate failed.
            best = passes.lastEntry().getValue();
        }
        return new Result(steps, best, reason);
    }

    private Result phases(TrafficPattern.Phases p) throws InterruptedException {
        double maxRate = stop.maxRatePerSecond();
        LoadStep best = null;
        StopReason reason = StopReason.PHASES_COMPLETED;
        for (TrafficPattern.Phase phase : p.phases()) {
            if (outOfTime.getAsBoolean()) {
                reason = StopReason.TIME_LIMIT;
                break;
            }
            double rate = Math.min(phase.ratePerSecond(), maxRate);
            LoadStep step = measure("phase", rate, phase.duration());
            if (!step.passed()) {
                reason = stop.failure(step);
                break;
            }
            if (best == null || rate >= best.ratePerSecond()) {
                best = step;
            }
            if (rate >= maxRate) {
                reason = StopReason.MAX_INVOCATIONS;
                break;
            }
        }
        return new Result(steps, best, reason);
    }

    private LoadStep measure(String kind, double rate, Duration duration) throws InterruptedException {
        LoadStep raw = runner.run(kind, rate, duration);
        LoadStep step = raw.withKind(kind).withPassed(stop.meets(raw));
        steps.add(step);
        return step;
    }

    /** Two significant digits (and never below the minimum), so step rates read as 250/s, 1300/s. */
    static double roundRate(double rate) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            return MIN_RATE_PER_SECOND;
        }
        double rounded = new BigDecimal(rate).round(new MathContext(2)).doubleValue();
        return Math.max(MIN_RATE_PER_SECOND, rounded);
    }
}
