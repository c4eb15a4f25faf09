package dev.sluice.variants;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One blue/green deployment of an endpoint (SageMaker's {@code BlueGreenUpdatePolicy}): traffic moves from the
 * serving fleet to a new one in steps, each followed by a baking period during which alarms on the new fleet can
 * roll everything back; once the new fleet has baked at 100% it becomes the serving fleet and, after the
 * termination wait, the deployment completes.
 *
 * <p>Both fleets serve throughout: every step is one atomic swap of the router's table, so requests already
 * routed finish where they were sent and no request fails because of a step. Steps, alarm checks and timeouts
 * run as tasks on the {@link Scheduler}; state changes are serialized on this object's monitor, which is held
 * only for the table swap and the bookkeeping (nothing in it waits), and the outcome is completed after the
 * monitor is released. The caller drains and unloads whichever fleet lost once {@link #outcome()} completes;
 * this class never closes pools.
 */
public final class TrafficShift {
    private static final Logger log = LoggerFactory.getLogger(TrafficShift.class);
    /** Linear steps are summed in doubles: 0.1 · 10 lands a hair below 1, which still means "everything". */
    private static final double FULL_SHARE_SLACK = 1e-9;

    public enum Type { ALL_AT_ONCE, CANARY, LINEAR }

    /** Mirrors the VariantStatus values DescribeEndpoint reports during an update, plus the two endings. */
    public enum Phase {
        ACTIVATING_TRAFFIC, BAKING, TERMINATING_OLD_FLEET, COMPLETED, ROLLED_BACK;

        public boolean isFinished() {
            return this == COMPLETED || this == ROLLED_BACK;
        }
    }

    /**
     * SageMaker's {@code TrafficRoutingConfiguration} with the blue/green waits. The gateway enforces SageMaker's
     * narrower limits (canary at most half the traffic, linear steps of 10–50%); this record only requires what
     * the algorithm needs.
     *
     * @param stepFraction            canary size or linear step as a fraction of traffic, in (0, 1]; ignored for
     *                                ALL_AT_ONCE
     * @param waitInterval            baking period after every step
     * @param terminationWait         how long the old fleet is kept after the swap before the deployment completes
     * @param maximumExecutionTimeout null for none; reaching it before all traffic is on the new fleet rolls back
     * @param alarmCheckInterval      how often alarms are evaluated while traffic shifts and bakes
     */
    public record Policy(Type type, double stepFraction, Duration waitInterval, Duration terminationWait,
                         Duration maximumExecutionTimeout, Duration alarmCheckInterval) {
        public static final Duration DEFAULT_ALARM_CHECK_INTERVAL = Duration.ofSeconds(10);

        public Policy {
            Objects.requireNonNull(type, "type");
            requireNotNegative(waitInterval, "waitInterval");
            requireNotNegative(terminationWait, "terminationWait");
            Objects.requireNonNull(alarmCheckInterval, "alarmCheckInterval");
            if (alarmCheckInterval.isNegative() || alarmCheckInterval.isZero()) {
                throw new IllegalArgumentException("alarmCheckInterval must be positive, got: " + alarmCheckInterval);
            }
            if (maximumExecutionTimeout != null
                    && (maximumExecutionTimeout.isNegative() || maximumExecutionTimeout.isZero())) {
                throw new IllegalArgumentException(
                        "maximumExecutionTimeout must be positive when set, got: " + maximumExecutionTimeout);
            }
            if (type != Type.ALL_AT_ONCE && !(stepFraction > 0.0 && stepFraction <= 1.0)) {
                throw new IllegalArgumentException("stepFraction must be in (0, 1] for " + type + ", got: "
                        + stepFraction);
            }
        }

        public static Policy allAtOnce(Duration waitInterval, Duration terminationWait) {
            return new Policy(Type.ALL_AT_ONCE, 1.0, waitInterval, terminationWait, null,
                    DEFAULT_ALARM_CHECK_INTERVAL);
        }

        public static Policy canary(double size, Duration waitInterval, Duration terminationWait) {
            return new Policy(Type.CANARY, size, waitInterval, terminationWait, null, DEFAULT_ALARM_CHECK_INTERVAL);
        }

        public static Policy linear(double step, Duration waitInterval, Duration terminationWait) {
            return new Policy(Type.LINEAR, step, waitInterval, terminationWait, null, DEFAULT_ALARM_CHECK_INTERVAL);
        }

        public Policy withMaximumExecutionTimeout(Duration timeout) {
            return new Policy(type, stepFraction, waitInterval, terminationWait, timeout, alarmCheckInterval);
        }

        public Policy withAlarmCheckInterval(Duration interval) {
            return new Policy(type, stepFraction, waitInterval, terminationWait, maximumExecutionTimeout, interval);
        }

        /** The new fleet's share after each step; the last is always 1. */
        public List<Double> shares() {
            List<Double> shares = new ArrayList<>();
            switch (type) {
                case ALL_AT_ONCE -> shares.add(1.0);
                case CANARY -> {
                    if (stepFraction < 1.0 - FULL_SHARE_SLACK) {
                        shares.add(stepFraction);
                    }
                    shares.add(1.0);
                }
                case LINEAR -> {
                    for (int k = 1; ; k++) {
                        double share = k * stepFraction;
                        if (share >= 1.0 - FULL_SHARE_SLACK) {
                            shares.add(1.0);
                            break;
                        }
                        shares.add(share);
                    }
                }
            }
            return List.copyOf(shares);
        }

        private static void requireNotNegative(Duration value, String field) {
            Objects.requireNonNull(value, field);
            if (value.isNegative()) {
                throw new IllegalArgumentException(field + " must not be negative, got: " + value);
            }
        }
    }

    /** @param reason why it ended: the alarm, metric, value and threshold on an alarm rollback */
    public record Outcome(boolean rolledBack, String reason) {
        public Outcome {
            Objects.requireNonNull(reason, "reason");
        }
    }

    private final EndpointRouter router;
    private final List<VariantRoute> oldFleet;
    private final List<VariantRoute> newFleet;
    private final Policy policy;
    private final List<AlarmRule> alarms;
    private final Scheduler scheduler;
    private final List<Double> shares;
    private final Instant startedAt;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

    private volatile Phase phase = Phase.ACTIVATING_TRAFFIC;
    private volatile double nextShare;
    private volatile Instant phaseStartedAt;
    // Guarded by this.
    private boolean swapped;
    private Cancellable stepTask;
    private Cancellable alarmTask;
    private Cancellable timeoutTask;

    private TrafficShift(EndpointRouter router, List<VariantRoute> oldFleet, List<VariantRoute> newFleet,
                         Policy policy, List<AlarmRule> alarms, Scheduler scheduler) {
        this.router = router;
        this.oldFleet = oldFleet;
        this.newFleet = newFleet;
        this.policy = policy;
        this.alarms = alarms;
        this.scheduler = scheduler;
        this.shares = policy.shares();
        this.startedAt = scheduler.now();
        this.phaseStartedAt = startedAt;
    }

    /**
     * Starts shifting the router's traffic from its serving fleet to {@code newFleet}. The new fleet joins the
     * table at once with no share (so it can be targeted by name); the first step runs as a task due now, on the
     * scheduler's thread, so this returns without waiting for it.
     *
     * @throws IllegalStateException    when the router is already shifting traffic to another fleet
     * @throws IllegalArgumentException when the new fleet is empty or its names are not unique
     */
    public static TrafficShift start(EndpointRouter router, List<VariantRoute> newFleet, Policy policy,
                                     List<AlarmRule> alarms, Scheduler scheduler) {
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(newFleet, "newFleet");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(alarms, "alarms");
        Objects.requireNonNull(scheduler, "scheduler");
        List<VariantRoute> fleet = List.copyOf(newFleet);
        if (fleet.isEmpty()) {
            throw new IllegalArgumentException("newFleet must hold at least one variant");
        }
        RoutingTable table = router.updateTable(current -> {
            if (!current.next().isEmpty()) {
                throw new IllegalStateException("endpoint " + router.endpointName()
                        + " is already shifting traffic to another fleet");
            }
            return current.withNext(fleet, 0.0);
        });
        TrafficShift shift = new TrafficShift(router, table.current(), fleet, policy, List.copyOf(alarms), scheduler);
        shift.begin();
        return shift;
    }

    private synchronized void begin() {
        log.info("endpoint {}: {} deployment started, steps {}", router.endpointName(), policy.type(), shares);
        stepTask = scheduler.schedule(() -> step(0), Duration.ZERO);
        if (!alarms.isEmpty()) {
            alarmTask = scheduler.schedule(this::periodicAlarmCheck, policy.alarmCheckInterval());
        }
        if (policy.maximumExecutionTimeout() != null) {
            timeoutTask = scheduler.schedule(this::timedOut, policy.maximumExecutionTimeout());
        }
    }

    public Phase phase() {
        return phase;
    }

    /** The new fleet's share of traffic: 0 before the first step and after a rollback, 1 once it serves alone. */
    public double nextShare() {
        return nextShare;
    }

    public Instant phaseStartedAt() {
        return phaseStartedAt;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public List<VariantRoute> oldFleet() {
        return oldFleet;
    }

    public List<VariantRoute> newFleet() {
        return newFleet;
    }

    public Policy policy() {
        return policy;
    }

    /** Completes when the deployment has completed or rolled back. Each call returns a copy, safe to cancel. */
    public CompletableFuture<Outcome> outcome() {
        return outcome.copy();
    }

    /** Rolls back at once (all traffic to the old fleet); does nothing once the deployment has finished. */
    public void abort(String reason) {
        Objects.requireNonNull(reason, "reason");
        Outcome finished;
        synchronized (this) {
            if (phase.isFinished()) {
                return;
            }
            finished = rollBack("aborted: " + reason);
        }
        outcome.complete(finished);
    }

    private void step(int index) {
        Outcome finished = null;
        synchronized (this) {
            if (phase.isFinished() || swapped) {
                return;
            }
            // Each step ends a bake (the first ends nothing, and a check then is harmless): judge it first.
            String breach = breachedAlarm();
            if (breach != null) {
                finished = rollBack(breach);
            } else {
                double share = shares.get(index);
                try {
                    phase = Phase.ACTIVATING_TRAFFIC;
                    router.updateTable(table -> table.withNext(newFleet, share));
                    nextShare = share;
                    if (share >= 1.0 && timeoutTask != null) {
                        timeoutTask.cancel();
                        timeoutTask = null;
                    }
                    enter(Phase.BAKING);
                    log.info("endpoint {}: new fleet at {}% of traffic, baking for {}", router.endpointName(),
                            share * 100, policy.waitInterval());
                    stepTask = scheduler.schedule(index + 1 < shares.size() ? () -> step(index + 1) : this::swap,
                            policy.waitInterval());
                } catch (RuntimeException failure) {
                    finished = rollBack("traffic step to " + share + " failed: " + failure.getMessage());
                }
            }
        }
        if (finished != null) {
            outcome.complete(finished);
        }
    }

    private void swap() {
        Outcome finished = null;
        synchronized (this) {
            if (phase.isFinished() || swapped) {
                return;
            }
            String breach = breachedAlarm();
            if (breach != null) {
                finished = rollBack(breach);
            } else {
                try {
                    router.updateTable(table -> new RoutingTable(newFleet, List.of(), 0.0, table.shadows()));
                    swapped = true;
                    nextShare = 1.0;
                    cancel(alarmTask);
                    cancel(timeoutTask);
                    enter(Phase.TERMINATING_OLD_FLEET);
                    log.info("endpoint {}: new fleet serves all traffic; old fleet terminates in {}",
                            router.endpointName(), policy.terminationWait());
                    stepTask = scheduler.schedule(this::complete, policy.terminationWait());
                } catch (RuntimeException failure) {
                    finished = rollBack("swapping to the new fleet failed: " + failure.getMessage());
                }
            }
        }
        if (finished != null) {
            outcome.complete(finished);
        }
    }

    private void complete() {
        synchronized (this) {
            if (phase != Phase.TERMINATING_OLD_FLEET) {
                return;
            }
            enter(Phase.COMPLETED);
        }
        log.info("endpoint {}: deployment completed", router.endpointName());
        outcome.complete(new Outcome(false, "all traffic shifted to the new fleet"));
    }

    private void periodicAlarmCheck() {
        Outcome finished = null;
        synchronized (this) {
            if (phase.isFinished() || swapped) {
                return;
            }
            String breach = breachedAlarm();
            if (breach != null) {
                finished = rollBack(breach);
            } else {
                alarmTask = scheduler.schedule(this::periodicAlarmCheck, policy.alarmCheckInterval());
            }
        }
        if (finished != null) {
            outcome.complete(finished);
        }
    }

    private void timedOut() {
        Outcome finished;
        synchronized (this) {
            if (phase.isFinished() || swapped || nextShare >= 1.0) {
                return;
            }
            finished = rollBack("maximum execution timeout " + policy.maximumExecutionTimeout()
                    + " exceeded before the new fleet took all traffic (it had " + nextShare * 100 + "%)");
        }
        outcome.complete(finished);
    }

    /** Must hold the monitor. Returns the outcome for the caller to complete once it has released it. */
    private Outcome rollBack(String reason) {
        cancel(stepTask);
        cancel(alarmTask);
        cancel(timeoutTask);
        try {
            if (swapped) {
                router.updateTable(table -> new RoutingTable(oldFleet, List.of(), 0.0, table.shadows()));
            } else {
                router.updateTable(table -> table.withNext(List.of(), 0.0));
            }
        } catch (RuntimeException failure) {
            log.error("endpoint {}: rolling back the routing table failed", router.endpointName(), failure);
        }
        nextShare = 0.0;
        enter(Phase.ROLLED_BACK);
        log.warn("endpoint {}: deployment rolled back: {}", router.endpointName(), reason);
        return new Outcome(true, reason);
    }

    private String breachedAlarm() {
        if (alarms.isEmpty()) {
            return null;
        }
        VariantMetrics.Stats stats = AlarmRule.fleetStats(newFleet);
        for (AlarmRule alarm : alarms) {
            if (alarm.isBreached(stats)) {
                return alarm.describe(stats);
            }
        }
        return null;
    }

    private void enter(Phase next) {
        phase = next;
        phaseStartedAt = scheduler.now();
    }

    private static void cancel(Cancellable task) {
        if (task != null) {
            task.cancel();
        }
    }
}
