package dev.sluice.autoscaler;

import dev.sluice.autoscaler.internal.Decision;
import dev.sluice.autoscaler.internal.EvaluationInput;
import dev.sluice.autoscaler.internal.InvocationWindow;
import dev.sluice.autoscaler.internal.PolicyRuntime;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.Cancellable;
import dev.sluice.variants.Scheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates every registered target's policies on a {@link Scheduler} tick and moves its capacity.
 *
 * <p>Per tick and target: sample the metrics; if the capacity is outside [min, max], move it inside (cause
 * "minimum/maximum capacity was set to N"); otherwise ask each policy, combine as Application Auto Scaling does (out
 * if any policy wants out, to the largest capacity; in only when none holds, to the largest of the proposed
 * capacities), clamp, and call {@link CapacityTarget#setDesiredCapacity}. One activity at a time per target: while
 * one is in progress the target is sampled but not scaled. Cooldowns are per target and start when an activity
 * ends (successful or failed, so a failing provider is not retried every tick): after a scale-out no further
 * scale-out for the causing policy's scale-out cooldown; after a scale-in no further scale-in for its scale-in
 * cooldown; a scale-out is never held back by a scale-in cooldown. Sluice holds a scale-out for the whole cooldown,
 * where AWS lets a larger one through: with per-instance metrics that lag new instances, that is what keeps a burst
 * from doubling the fleet twice.
 *
 * <p>Thread-safety: configuration calls (from the control plane) and ticks (from the scheduler) share one lock,
 * held only for bookkeeping; metrics and capacity are called outside it. Nothing here blocks.
 */
public final class Autoscaler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Autoscaler.class);

    private final Scheduler scheduler;
    private final AutoscalerSettings settings;
    private final Object lock = new Object();
    private final Map<VariantKey, Target> targets = new LinkedHashMap<>();
    /** Kept across deregistration, as AWS keeps a deregistered target's history. Newest first. */
    private final Map<VariantKey, List<ScalingActivity>> activities = new LinkedHashMap<>();
    private Cancellable nextTick;
    private boolean started;
    private boolean closed;

    public Autoscaler(Scheduler scheduler, AutoscalerSettings settings) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public AutoscalerSettings settings() {
        return settings;
    }

    /** Starts ticking: the first evaluation comes one interval from now. Idempotent. */
    public void start() {
        synchronized (lock) {
            if (started || closed) {
                return;
            }
            started = true;
            nextTick = scheduler.schedule(this::tick, settings.evaluationInterval());
        }
    }

    /** Registers a target, or updates its min/max/suspension (keeping its policies, state and history). */
    public TargetRegistration register(ScalableTarget target, CapacityTarget capacity, MetricsSource metrics) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(capacity, "capacity");
        Objects.requireNonNull(metrics, "metrics");
        synchronized (lock) {
            Target existing = targets.get(target.variant());
            if (existing != null) {
                existing.config = target;
                existing.capacity = capacity;
                existing.metrics = metrics;
                return new TargetRegistration(target, existing.creationTime);
            }
            Target created = new Target(target, capacity, metrics, scheduler.now());
            targets.put(target.variant(), created);
            return new TargetRegistration(target, created.creationTime);
        }
    }

    /** Deregisters a target and deletes its policies; false when it was not registered. An activity in progress finishes. */
    public boolean deregister(VariantKey variant) {
        synchronized (lock) {
            return targets.remove(variant) != null;
        }
    }

    public Optional<TargetRegistration> target(VariantKey variant) {
        synchronized (lock) {
            Target t = targets.get(variant);
            return t == null ? Optional.empty() : Optional.of(new TargetRegistration(t.config, t.creationTime));
        }
    }

    /** All registered targets, in registration order. */
    public List<TargetRegistration> targets() {
        synchronized (lock) {
            return targets.values().stream().map(t -> new TargetRegistration(t.config, t.creationTime)).toList();
        }
    }

    /**
     * Attaches a policy, replacing one of the same name (whose alarm state starts over); false when the target is not
     * registered.
     */
    public boolean putPolicy(VariantKey variant, ScalingPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        synchronized (lock) {
            Target t = targets.get(variant);
            if (t == null) {
                return false;
            }
            Attached previous = t.policies.get(policy.name());
            Instant created = previous != null ? previous.creationTime : scheduler.now();
            t.policies.put(policy.name(), new Attached(PolicyRuntime.of(policy), created));
            return true;
        }
    }

    /** Detaches a policy; false when the target or the policy does not exist. */
    public boolean deletePolicy(VariantKey variant, String policyName) {
        synchronized (lock) {
            Target t = targets.get(variant);
            return t != null && t.policies.remove(policyName) != null;
        }
    }

    /** A target's policies in the order they were first put; empty when it is not registered. */
    public List<PolicyRegistration> policies(VariantKey variant) {
        synchronized (lock) {
            Target t = targets.get(variant);
            if (t == null) {
                return List.of();
            }
            return t.policies.values().stream()
                    .map(a -> new PolicyRegistration(variant, a.runtime.policy(), a.creationTime)).toList();
        }
    }

    /** A variant's scaling activities, newest first (bounded by {@link AutoscalerSettings#activityHistory()}). */
    public List<ScalingActivity> activities(VariantKey variant) {
        synchronized (lock) {
            return List.copyOf(activities.getOrDefault(variant, List.of()));
        }
    }

    /** Every variant's scaling activities, newest first. */
    public List<ScalingActivity> activities() {
        synchronized (lock) {
            List<ScalingActivity> all = new ArrayList<>();
            activities.values().forEach(all::addAll);
            all.sort(Comparator.comparing(ScalingActivity::startTime).reversed());
            return all;
        }
    }

    /** Evaluates every target now (what a tick does); for tests and for an operator's "evaluate now". */
    public void evaluateAll() {
        List<Target> snapshot;
        synchronized (lock) {
            snapshot = List.copyOf(targets.values());
        }
        for (Target t : snapshot) {
            try {
                evaluate(t);
            } catch (RuntimeException e) {
                // One broken target must not stop the others from scaling.
                LOG.warn("autoscaling evaluation of {} failed", t.config.variant(), e);
            }
        }
    }

    /** Stops ticking. Activities in progress complete on their own. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (nextTick != null) {
                nextTick.cancel();
            }
        }
    }

    private void tick() {
        try {
            evaluateAll();
        } finally {
            synchronized (lock) {
                if (!closed) {
                    nextTick = scheduler.schedule(this::tick, settings.evaluationInterval());
                }
            }
        }
    }

    private void evaluate(Target t) {
        CapacityTarget capacity;
        MetricsSource metrics;
        synchronized (lock) {
            capacity = t.capacity;
            metrics = t.metrics;
        }
        int current = capacity.currentCapacity();
        long invocations = metrics.invocations();
        double concurrent = metrics.concurrentRequests();
        int instances = metrics.instances();
        Instant now = scheduler.now();

        ScalingActivity activity;
        Decision decision;
        synchronized (lock) {
            if (closed || targets.get(t.config.variant()) != t) {
                return;
            }
            t.window.add(now, invocations);
            // Normalise by the instances in routing; with none (all starting, or scaled to zero) by the capacity.
            double normaliser = instances > 0 ? instances : Math.max(current, 1);
            EvaluationInput input = new EvaluationInput(t.config.variant(), now, current,
                    t.window.perMinute() / normaliser, concurrent / normaliser, settings);
            // Policies see every tick, even during an activity, so their alarm streaks stay true to the metric.
            List<Decision> decisions = new ArrayList<>();
            for (Attached attached : t.policies.values()) {
                decisions.add(attached.runtime.evaluate(input));
            }
            if (t.activityInProgress) {
                return;
            }
            decision = decide(t, current, now, decisions);
            if (decision == null) {
                return;
            }
            activity = new ScalingActivity(UUID.randomUUID().toString(), t.config.variant(),
                    "Setting desired instance count to " + decision.desired() + ".", decision.cause(), now, null,
                    ActivityStatus.IN_PROGRESS, "Setting desired instance count to " + decision.desired() + ".",
                    current, decision.desired(), "from " + current + " to " + decision.desired()
                    + (decision.detail().isEmpty() ? "" : ": " + decision.detail()));
            record(activity);
            t.activityInProgress = true;
        }
        LOG.info("{}: {} → {} ({})", t.config.variant(), current, decision.desired(), decision.cause());
        CompletableFuture<Void> change;
        try {
            change = Objects.requireNonNull(capacity.setDesiredCapacity(decision.desired(), decision.cause()),
                    "setDesiredCapacity returned null");
        } catch (RuntimeException e) {
            change = CompletableFuture.failedFuture(e);
        }
        change.whenComplete((ignored, failure) -> finish(t, activity, decision, failure));
    }

    private Decision decide(Target t, int current, Instant now, List<Decision> decisions) {
        ScalableTarget config = t.config;
        if (current < config.minCapacity()) {
            return new Decision(Decision.Kind.OUT, config.minCapacity(), null,
                    "minimum capacity was set to " + config.minCapacity(), "", java.time.Duration.ZERO);
        }
        if (current > config.maxCapacity()) {
            return new Decision(Decision.Kind.IN, config.maxCapacity(), null,
                    "maximum capacity was set to " + config.maxCapacity(), "", java.time.Duration.ZERO);
        }
        Decision out = null;
        Decision in = null;
        boolean hold = false;
        for (Decision d : decisions) {
            switch (d.kind()) {
                case OUT -> {
                    if (config.suspendedState().dynamicScalingOutSuspended() || now.isBefore(t.scaleOutCooldownUntil)) {
                        hold = true;
                    } else if (out == null || d.desired() > out.desired()) {
                        out = d;
                    }
                }
                case IN -> {
                    if (config.suspendedState().dynamicScalingInSuspended() || now.isBefore(t.scaleInCooldownUntil)) {
                        hold = true;
                    } else if (in == null || d.desired() > in.desired()) {
                        in = d;
                    }
                }
                case HOLD -> hold = true;
                case ABSTAIN -> {
                }
            }
        }
        Decision chosen = out != null ? out : (in != null && !hold ? in : null);
        if (chosen == null) {
            return null;
        }
        int desired = config.clamp(chosen.desired());
        if (desired == current) {
            return null;
        }
        return new Decision(chosen.kind(), desired, chosen.policyName(), chosen.cause(), chosen.detail(),
                chosen.cooldown());
    }

    private void finish(Target t, ScalingActivity activity, Decision decision, Throwable failure) {
        Instant end = scheduler.now();
        ScalingActivity finished;
        if (failure == null) {
            finished = activity.finish(end, ActivityStatus.SUCCESSFUL, "Successfully set desired instance count to "
                    + decision.desired() + ". Change successfully fulfilled by sagemaker.");
        } else {
            String reason = SluiceException.from(failure).getMessage();
            LOG.warn("{}: scaling to {} failed: {}", t.config.variant(), decision.desired(), reason);
            finished = activity.finish(end, ActivityStatus.FAILED, "Failed to set desired instance count to "
                    + decision.desired() + ". Reason: " + reason);
        }
        synchronized (lock) {
            List<ScalingActivity> list = activities.get(activity.variant());
            if (list != null) {
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i).activityId().equals(activity.activityId())) {
                        list.set(i, finished);
                        break;
                    }
                }
            }
            t.activityInProgress = false;
            if (decision.kind() == Decision.Kind.OUT) {
                t.scaleOutCooldownUntil = end.plus(decision.cooldown());
            } else if (decision.kind() == Decision.Kind.IN) {
                t.scaleInCooldownUntil = end.plus(decision.cooldown());
            }
        }
    }

    private void record(ScalingActivity activity) {
        List<ScalingActivity> list = activities.computeIfAbsent(activity.variant(), k -> new ArrayList<>());
        list.add(0, activity);
        while (list.size() > settings.activityHistory()) {
            list.remove(list.size() - 1);
        }
    }

    /** A registered target's configuration and runtime state; fields guarded by {@link #lock}. */
    private static final class Target {
        ScalableTarget config;
        CapacityTarget capacity;
        MetricsSource metrics;
        final Instant creationTime;
        final Map<String, Attached> policies = new LinkedHashMap<>();
        final InvocationWindow window = new InvocationWindow();
        Instant scaleOutCooldownUntil = Instant.MIN;
        Instant scaleInCooldownUntil = Instant.MIN;
        boolean activityInProgress;

        Target(ScalableTarget config, CapacityTarget capacity, MetricsSource metrics, Instant creationTime) {
            this.config = config;
            this.capacity = capacity;
            this.metrics = metrics;
            this.creationTime = creationTime;
        }
    }

    private record Attached(PolicyRuntime runtime, Instant creationTime) {
    }
}
