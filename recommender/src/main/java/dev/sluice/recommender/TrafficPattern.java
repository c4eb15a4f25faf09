package dev.sluice.recommender;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How load is offered to a candidate (SageMaker's {@code TrafficPattern}, SAGEMAKER-CONTRACT.md §9). SageMaker counts
 * load in simulated users, a closed model in which a slow server slows its own clients down and hides its latency;
 * Sluice offers an arrival rate instead (an open model): requests start at their scheduled times whether or not earlier
 * ones finished, and latency is measured from the scheduled time, so a queue building up shows in the percentiles.
 */
public sealed interface TrafficPattern {
    /** SageMaker's {@code TrafficType}. */
    String trafficType();

    /**
     * Rising steps: from {@code startRatePerSecond}, each step {@code stepFactor} times the last, until a step misses
     * the SLA or reaches the maximum invocations; then up to {@code refineSteps} bisection steps between the last rate
     * that met the SLA and the first that did not, and a longer step ({@link #confirmDuration()}) that confirms the
     * answer (if it fails, the next lower passing rate is confirmed instead).
     *
     * @param startRatePerSecond the first step's rate; 0 starts at half of what one client sending back to back
     *                           achieved during the warm-up
     * @param maxSteps           the most steps of all kinds for one candidate
     */
    record Stairs(double startRatePerSecond, double stepFactor, Duration stepDuration, int maxSteps, int refineSteps)
            implements TrafficPattern {
        public static final double DEFAULT_STEP_FACTOR = 2;
        public static final Duration DEFAULT_STEP_DURATION = Duration.ofSeconds(4);
        public static final int DEFAULT_MAX_STEPS = 12;
        public static final int DEFAULT_REFINE_STEPS = 3;
        public static final int CONFIRM_FACTOR = 3;
        /** Below one request every two seconds a step of a few seconds says nothing. */
        public static final double MIN_RATE_PER_SECOND = 0.5;

        public Stairs {
            if (!(startRatePerSecond == 0 || startRatePerSecond >= MIN_RATE_PER_SECOND)
                    || Double.isInfinite(startRatePerSecond)) {
                throw new IllegalArgumentException("startRatePerSecond must be 0 (automatic) or at least "
                        + MIN_RATE_PER_SECOND + ", got " + startRatePerSecond);
            }
            if (!(stepFactor > 1) || stepFactor > 100) {
                throw new IllegalArgumentException("stepFactor must be in (1, 100], got " + stepFactor);
            }
            checkDuration("stepDuration", stepDuration);
            if (maxSteps < 1 || maxSteps > 100) {
                throw new IllegalArgumentException("maxSteps must be in [1, 100], got " + maxSteps);
            }
            if (refineSteps < 0 || refineSteps > 20) {
                throw new IllegalArgumentException("refineSteps must be in [0, 20], got " + refineSteps);
            }
        }

        /**
         * The confirmation step runs {@value #CONFIRM_FACTOR} times as long as a search step: near saturation a queue
         * grows slowly, and the rate that becomes MaxInvocations has to hold for longer than the step that found it.
         */
        public Duration confirmDuration() {
            return stepDuration.multipliedBy(CONFIRM_FACTOR);
        }

        public static Stairs defaults() {
            return new Stairs(0, DEFAULT_STEP_FACTOR, DEFAULT_STEP_DURATION, DEFAULT_MAX_STEPS, DEFAULT_REFINE_STEPS);
        }

        @Override
        public String trafficType() {
            return "STAIRS";
        }
    }

    /** Fixed-rate phases in order; measuring stops at the first phase that misses the SLA. */
    record Phases(List<Phase> phases) implements TrafficPattern {
        public Phases {
            phases = List.copyOf(Objects.requireNonNull(phases, "phases"));
            if (phases.isEmpty() || phases.size() > 100) {
                throw new IllegalArgumentException("phases must hold 1-100 phases, got " + phases.size());
            }
        }

        @Override
        public String trafficType() {
            return "PHASES";
        }
    }

    record Phase(double ratePerSecond, Duration duration) {
        public Phase {
            if (!(ratePerSecond > 0) || ratePerSecond > 1_000_000) {
                throw new IllegalArgumentException("a phase's rate must be in (0, 1000000] per second, got "
                        + ratePerSecond);
            }
            checkDuration("a phase's duration", duration);
        }
    }

    private static void checkDuration(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.toMillis() < 100 || d.compareTo(Duration.ofMinutes(30)) > 0) {
            throw new IllegalArgumentException(field + " must be between 100 ms and 30 min, got " + d);
        }
    }
}
