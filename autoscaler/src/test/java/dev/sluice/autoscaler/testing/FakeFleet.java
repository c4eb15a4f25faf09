package dev.sluice.autoscaler.testing;

import dev.sluice.autoscaler.CapacityTarget;
import dev.sluice.autoscaler.MetricsSource;
import dev.sluice.variants.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A variant's fleet on a virtual clock: traffic is a rate in invocations per minute, so the monotonic counter the
 * autoscaler samples is a function of the scheduler's time; capacity changes complete at once unless a test holds
 * them back or makes them fail. Its instance count is its capacity.
 */
public final class FakeFleet implements CapacityTarget, MetricsSource {
    private final Scheduler clock;
    private int capacity;
    private double ratePerMinute;
    private double countAtChange;
    private Instant rateChangedAt;
    private double concurrentPerInstance;
    private Double concurrentTotal;
    private RuntimeException failure;
    private CompletableFuture<Void> pending;
    private final List<Integer> requests = new ArrayList<>();
    private int metricReads;

    public FakeFleet(Scheduler clock, int capacity) {
        this.clock = clock;
        this.capacity = capacity;
        this.rateChangedAt = clock.now();
    }

    /** Invocations per minute from now on. */
    public synchronized FakeFleet rate(double perMinute) {
        countAtChange = count();
        rateChangedAt = clock.now();
        ratePerMinute = perMinute;
        return this;
    }

    /** Requests in flight, per instance, whatever the instance count. */
    public synchronized FakeFleet concurrentPerInstance(double perInstance) {
        this.concurrentPerInstance = perInstance;
        this.concurrentTotal = null;
        return this;
    }

    /** Requests in flight in total. */
    public synchronized FakeFleet concurrentTotal(double total) {
        this.concurrentTotal = total;
        return this;
    }

    /** The next capacity changes fail with this (null: succeed again). */
    public synchronized void failWith(RuntimeException e) {
        this.failure = e;
    }

    /** The next capacity change stays in progress until the returned future is completed. */
    public synchronized CompletableFuture<Void> holdNextChange() {
        pending = new CompletableFuture<>();
        return pending;
    }

    public synchronized void setCapacity(int capacity) {
        this.capacity = capacity;
    }

    /** The desired capacities asked for, in order. */
    public synchronized List<Integer> requests() {
        return List.copyOf(requests);
    }

    public synchronized int metricReads() {
        return metricReads;
    }

    private double count() {
        double minutes = Duration.between(rateChangedAt, clock.now()).toMillis() / 60_000.0;
        return countAtChange + ratePerMinute * minutes;
    }

    @Override
    public synchronized int currentCapacity() {
        return capacity;
    }

    @Override
    public synchronized CompletableFuture<Void> setDesiredCapacity(int desired, String cause) {
        requests.add(desired);
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        if (pending != null) {
            CompletableFuture<Void> held = pending;
            pending = null;
            return held.thenRun(() -> setCapacity(desired));
        }
        capacity = desired;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized long invocations() {
        metricReads++;
        return Math.round(count());
    }

    @Override
    public synchronized double concurrentRequests() {
        return concurrentTotal != null ? concurrentTotal : concurrentPerInstance * capacity;
    }

    @Override
    public synchronized int instances() {
        return capacity;
    }
}
