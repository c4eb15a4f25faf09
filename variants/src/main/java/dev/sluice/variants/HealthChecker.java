package dev.sluice.variants;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes instances of {@link InstancePool}s on a fixed interval and flips their {@link InstancePool#setHealthy
 * health}: unhealthy after {@code unhealthyThreshold} consecutive failed probes, healthy again after
 * {@code healthyThreshold} consecutive successful ones. Thresholds above one keep a single lost ping from pulling a
 * host out of routing, and a single lucky one from putting a flapping host back (the same pair of knobs as a
 * Kubernetes readiness probe or an AWS target group health check).
 *
 * <p>A probe fails when its future fails, completes with anything but {@code true}, or the supplier throws or
 * returns null. Probes of one instance never overlap: when a probe is still unanswered at the next tick, that tick
 * counts as one more failure and starts nothing, and the late answer is ignored. So a probe slower than the interval
 * is a failure, and a host that hangs is taken out even when its probe future never completes; probes should still
 * carry their own shorter timeout (SageMaker's {@code /ping} allows 2 s).
 *
 * <p>Time comes from the {@link Scheduler}, so tests drive it with a {@link ManualScheduler}. Ticks run on the
 * scheduler's thread and probe answers on whatever thread completes them; each instance's state is guarded by its
 * own small lock, held only for counting and the (non-blocking) flag write, never across a probe.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final Scheduler scheduler;
    private final Duration interval;
    private final int unhealthyThreshold;
    private final int healthyThreshold;
    private final Object lock = new Object();
    /** Guarded by {@code lock}. */
    private final Map<Key, Watch> watches = new HashMap<>();
    /** Guarded by {@code lock}. */
    private boolean closed;

    /**
     * @param interval           time between the starts of two probes of one instance; also the probe timeout
     * @param unhealthyThreshold consecutive failures that take an instance out of routing, at least 1
     * @param healthyThreshold   consecutive successes that put it back, at least 1
     */
    public HealthChecker(Scheduler scheduler, Duration interval, int unhealthyThreshold, int healthyThreshold) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got: " + interval);
        }
        if (unhealthyThreshold < 1) {
            throw new IllegalArgumentException("unhealthyThreshold must be >= 1, got: " + unhealthyThreshold);
        }
        if (healthyThreshold < 1) {
            throw new IllegalArgumentException("healthyThreshold must be >= 1, got: " + healthyThreshold);
        }
        this.unhealthyThreshold = unhealthyThreshold;
        this.healthyThreshold = healthyThreshold;
    }

    /**
     * Starts probing an instance of {@code pool}: the first probe at once, then one per interval. Watching the same
     * instance of the same pool again replaces the earlier watch. Counting starts afresh from the instance's current
     * health. The watch ends by itself once the instance has left the pool. On a closed checker it does nothing:
     * an instance finishing its start while the server shuts down must not fail for want of health checks.
     *
     * @param probe starts one probe, e.g. a {@code GET /ping}; must not block
     */
    public void watch(InstancePool pool, String instanceId, Supplier<CompletableFuture<Boolean>> probe) {
        Watch watch = new Watch(new Key(Objects.requireNonNull(pool, "pool"),
                Objects.requireNonNull(instanceId, "instanceId")), Objects.requireNonNull(probe, "probe"));
        Watch previous;
        synchronized (lock) {
            if (closed) {
                log.debug("health checker closed: instance {} of variant {} not watched", instanceId,
                        pool.variantName());
                return;
            }
            previous = watches.put(watch.key, watch);
        }
        if (previous != null) {
            previous.stop();
        }
        watch.start();
    }

    /**
     * Stops probing every watched instance with this id, in whichever pool. The instance's health stays as it is.
     * Instance ids need not be unique across pools (two endpoints may both have a {@code AllTraffic-0}); when one
     * checker watches several pools, {@link #unwatch(InstancePool, String)} says which one is meant.
     */
    public void unwatch(String instanceId) {
        Objects.requireNonNull(instanceId, "instanceId");
        List<Watch> stopped = new ArrayList<>();
        synchronized (lock) {
            watches.values().removeIf(watch -> {
                if (watch.key.instanceId.equals(instanceId)) {
                    stopped.add(watch);
                    return true;
                }
                return false;
            });
        }
        stopped.forEach(Watch::stop);
    }

    /** Stops probing one instance of one pool. The instance's health stays as it is. */
    public void unwatch(InstancePool pool, String instanceId) {
        Watch watch;
        synchronized (lock) {
            watch = watches.remove(new Key(Objects.requireNonNull(pool, "pool"),
                    Objects.requireNonNull(instanceId, "instanceId")));
        }
        if (watch != null) {
            watch.stop();
        }
    }

    /** Instances being probed. */
    public int watched() {
        synchronized (lock) {
            return watches.size();
        }
    }

    /** Stops every watch; probes in flight finish unobserved. Idempotent. */
    @Override
    public void close() {
        List<Watch> stopped;
        synchronized (lock) {
            closed = true;
            stopped = new ArrayList<>(watches.values());
            watches.clear();
        }
        stopped.forEach(Watch::stop);
    }

    private void forget(Watch watch) {
        synchronized (lock) {
            watches.remove(watch.key, watch);
        }
        watch.stop();
    }

    /** Pools compare by identity (InstancePool keeps Object's equals), so equal ids in two pools stay apart. */
    private record Key(InstancePool pool, String instanceId) {
    }

    private final class Watch {
        final Key key;
        final Supplier<CompletableFuture<Boolean>> probe;
        /** Guarded by {@code this}. */
        private boolean stopped;
        /** Guarded by {@code this}. */
        private Cancellable nextTick;
        /** Guarded by {@code this}: the number of the probe in flight, 0 when none. */
        private long probing;
        /** Guarded by {@code this}: the probe in flight has already been counted as a failure by a tick. */
        private boolean probeTimedOut;
        /** Guarded by {@code this}. */
        private long probes;
        /** Guarded by {@code this}. */
        private int failures;
        /** Guarded by {@code this}. */
        private int successes;

        Watch(Key key, Supplier<CompletableFuture<Boolean>> probe) {
            this.key = key;
            this.probe = probe;
        }

        void start() {
            synchronized (this) {
                // Scheduling is non-blocking and the scheduler never calls back under its own lock, so holding this
                // lock here cannot deadlock; it makes stop() and a tick's rescheduling mutually exclusive.
                if (!stopped) {
                    nextTick = scheduler.schedule(this::tick, Duration.ZERO);
                }
            }
        }

        void stop() {
            synchronized (this) {
                stopped = true;
                if (nextTick != null) {
                    nextTick.cancel();
                    nextTick = null;
                }
            }
        }

        private void tick() {
            if (!key.pool.contains(key.instanceId)) {
                log.debug("instance {} left variant {}: no longer probed", key.instanceId, key.pool.variantName());
                forget(this);
                return;
            }
            long started;
            Transition transition;
            synchronized (this) {
                if (stopped) {
                    return;
                }
                // Rescheduled before probing, so a slow or hung probe cannot stretch the cadence.
                nextTick = scheduler.schedule(this::tick, interval);
                if (probing != 0) {
                    // The probe in flight outlived its interval: a failure (one per interval it stays unanswered),
                    // and no second probe beside it; its answer, whenever it comes, is ignored.
                    probeTimedOut = true;
                    transition = count(false);
                    started = 0;
                } else {
                    started = ++probes;
                    probing = started;
                    transition = null;
                }
            }
            report(transition);
            if (started != 0) {
                launch(started);
            }
        }

        private void launch(long probeNumber) {
            CompletableFuture<Boolean> answer;
            try {
                answer = probe.get();
            } catch (RuntimeException thrown) {
                log.debug("health probe of instance {} threw", key.instanceId, thrown);
                answered(probeNumber, false);
                return;
            }
            if (answer == null) {
                answered(probeNumber, false);
                return;
            }
            answer.whenComplete((healthy, failure) -> answered(probeNumber, failure == null
                    && Boolean.TRUE.equals(healthy)));
        }

        private void answered(long probeNumber, boolean healthy) {
            Transition transition;
            synchronized (this) {
                if (stopped || probing != probeNumber) {
                    return;
                }
                probing = 0;
                if (probeTimedOut) {
                    probeTimedOut = false;
                    return;
                }
                transition = count(healthy);
            }
            report(transition);
        }

        /**
         * Counts one probe outcome and applies the flag when a threshold is reached. Runs under this watch's lock so
         * that two outcomes (a tick's timeout and a probe's answer on another thread) cannot apply their flags in the
         * opposite order; {@link InstancePool#setHealthy} is a lock-free flag write, so the lock stays short.
         */
        private Transition count(boolean healthy) {
            if (healthy) {
                failures = 0;
                successes++;
            } else {
                successes = 0;
                failures++;
            }
            boolean target;
            if (healthy && successes >= healthyThreshold) {
                target = true;
            } else if (!healthy && failures >= unhealthyThreshold) {
                target = false;
            } else {
                return null;
            }
            try {
                if (key.pool.isHealthy(key.instanceId) == target) {
                    return null;
                }
                key.pool.setHealthy(key.instanceId, target);
                return target ? Transition.HEALTHY : Transition.UNHEALTHY;
            } catch (IllegalArgumentException gone) {
                // Removed from the pool since the tick; the next tick forgets the watch.
                return null;
            }
        }

        /** Logs outside the lock: an appender may block. */
        private void report(Transition transition) {
            if (transition == Transition.UNHEALTHY) {
                log.warn("instance {} of variant {} failed {} health checks in a row: out of routing",
                        key.instanceId, key.pool.variantName(), unhealthyThreshold);
            } else if (transition == Transition.HEALTHY) {
                log.info("instance {} of variant {} passed {} health checks in a row: back in routing",
                        key.instanceId, key.pool.variantName(), healthyThreshold);
            }
        }
    }

    private enum Transition {
        HEALTHY,
        UNHEALTHY
    }
}
