package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Health checking on a virtual clock: every probe and every threshold crossing happens at a known instant. */
class HealthCheckerTest {
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    private final ManualScheduler scheduler = new ManualScheduler(Instant.parse("2026-01-01T00:00:00Z"));
    private final InstancePool pool = new InstancePool("v1", RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
            new VariantMetrics(new VariantMeterRegistry(new SimpleMeterRegistry()), "ep", "v1", "m"));
    private final Fixtures.Counting a = new Fixtures.Counting("a");
    private final Fixtures.Counting b = new Fixtures.Counting("b");

    HealthCheckerTest() {
        pool.add(new VariantInstance("a", a));
        pool.add(new VariantInstance("b", b));
    }

    /** A /ping stand-in: answers at once with whatever {@code up} says, and counts its calls. */
    private static final class Ping implements Supplier<CompletableFuture<Boolean>> {
        final AtomicBoolean up = new AtomicBoolean(true);
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public CompletableFuture<Boolean> get() {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(up.get());
        }
    }

    /** A probe whose answers the test gives by hand. */
    private static final class ManualPing implements Supplier<CompletableFuture<Boolean>> {
        final List<CompletableFuture<Boolean>> calls = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Boolean> get() {
            CompletableFuture<Boolean> call = new CompletableFuture<>();
            calls.add(call);
            return call;
        }
    }

    private void tick() {
        scheduler.advance(INTERVAL);
    }

    @Test
    void anInstanceIsSkippedAfterThresholdFailuresAndBackAfterThresholdSuccesses() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 3, 2);
        Ping ping = new Ping();
        checker.watch(pool, "a", ping);
        scheduler.advance(Duration.ZERO);
        assertThat(ping.calls.get()).as("first probe at once").isEqualTo(1);

        ping.up.set(false);
        tick();
        tick();
        assertThat(pool.isHealthy("a")).as("two failures of three").isTrue();
        tick();
        assertThat(pool.isHealthy("a")).isFalse();
        assertThat(ping.calls.get()).isEqualTo(4);

        int before = a.calls.get();
        for (int i = 0; i < 100; i++) {
            pool.invoke(request());
        }
        assertThat(a.calls.get()).as("no requests while unhealthy").isEqualTo(before);

        ping.up.set(true);
        tick();
        assertThat(pool.isHealthy("a")).as("one success of two").isFalse();
        tick();
        assertThat(pool.isHealthy("a")).isTrue();
        for (int i = 0; i < 100; i++) {
            pool.invoke(request());
        }
        assertThat(a.calls.get()).as("back in routing").isGreaterThan(before + 20);
    }

    @Test
    void onlyConsecutiveOutcomesCount() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 2, 2);
        Ping ping = new Ping();
        checker.watch(pool, "a", ping);
        scheduler.advance(Duration.ZERO);

        for (boolean up : new boolean[] {false, true, false, true, false}) {
            ping.up.set(up);
            tick();
            assertThat(pool.isHealthy("a")).isTrue();
        }
        ping.up.set(false);
        tick();
        assertThat(pool.isHealthy("a")).isFalse();
        for (boolean up : new boolean[] {true, false, true, false}) {
            ping.up.set(up);
            tick();
            assertThat(pool.isHealthy("a")).isFalse();
        }
    }

    @Test
    void aFailedFutureAThrowAndANullAllCountAsFailures() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 3, 1);
        AtomicInteger calls = new AtomicInteger();
        checker.watch(pool, "a", () -> switch (calls.getAndIncrement()) {
            case 0 -> CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
            case 1 -> throw new IllegalStateException("probe could not start");
            case 2 -> null;
            default -> CompletableFuture.completedFuture(null);
        });

        scheduler.advance(Duration.ZERO);
        tick();
        assertThat(pool.isHealthy("a")).isTrue();
        tick();
        assertThat(pool.isHealthy("a")).isFalse();
        tick();
        assertThat(pool.isHealthy("a")).as("a null Boolean is no success").isFalse();
    }

    @Test
    void probesNeverOverlapAndAProbeOutlivingItsIntervalIsAFailure() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 2, 1);
        ManualPing ping = new ManualPing();
        checker.watch(pool, "a", ping);
        scheduler.advance(Duration.ZERO);
        assertThat(ping.calls).hasSize(1);

        tick();
        assertThat(ping.calls).as("no second probe beside a hung one").hasSize(1);
        assertThat(pool.isHealthy("a")).isTrue();
        tick();
        assertThat(ping.calls).hasSize(1);
        assertThat(pool.isHealthy("a")).as("a host whose probe hangs is taken out").isFalse();

        // The hung probe answers at last: too late, it was already counted.
        ping.calls.get(0).complete(true);
        assertThat(pool.isHealthy("a")).isFalse();

        tick();
        assertThat(ping.calls).as("the next tick probes again").hasSize(2);
        ping.calls.get(1).complete(true);
        assertThat(pool.isHealthy("a")).isTrue();
    }

    @Test
    void anAnswerWithinTheIntervalIsCountedWhenItArrives() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 1, 1);
        ManualPing ping = new ManualPing();
        checker.watch(pool, "a", ping);
        scheduler.advance(Duration.ZERO);

        scheduler.advance(Duration.ofSeconds(2));
        ping.calls.get(0).complete(false);
        assertThat(pool.isHealthy("a")).isFalse();

        scheduler.advance(Duration.ofSeconds(3));
        assertThat(ping.calls).hasSize(2);
        ping.calls.get(1).completeExceptionally(new IllegalStateException("still down"));
        assertThat(pool.isHealthy("a")).isFalse();
        tick();
        ping.calls.get(2).complete(true);
        assertThat(pool.isHealthy("a")).isTrue();
    }

    @Test
    void unwatchStopsProbingAndLeavesHealthAsItIs() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 1, 1);
        ManualPing ping = new ManualPing();
        checker.watch(pool, "a", ping);
        scheduler.advance(Duration.ZERO);
        ping.calls.get(0).complete(false);
        tick();

        checker.unwatch("a");
        ping.calls.get(1).complete(true);
        for (int i = 0; i < 5; i++) {
            tick();
        }

        assertThat(ping.calls).hasSize(2);
        assertThat(pool.isHealthy("a")).as("a late answer after unwatch changes nothing").isFalse();
        assertThat(checker.watched()).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void aWatchEndsByItselfOnceTheInstanceLeavesThePool() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 1, 1);
        Ping ping = new Ping();
        checker.watch(pool, "a", ping);
        scheduler.advance(Duration.ZERO);

        pool.remove("a");
        tick();
        tick();

        assertThat(ping.calls.get()).isEqualTo(1);
        assertThat(checker.watched()).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void equalIdsInTwoPoolsAreWatchedApart() {
        InstancePool otherPool = new InstancePool("v2", RoutingStrategy.RANDOM,
                new VariantMetrics(new VariantMeterRegistry(new SimpleMeterRegistry()), "ep2", "v2", "m"));
        otherPool.add(new VariantInstance("a", Fixtures.answering("other a")));
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 1, 1);
        Ping up = new Ping();
        Ping down = new Ping();
        down.up.set(false);
        checker.watch(pool, "a", up);
        checker.watch(otherPool, "a", down);
        scheduler.advance(Duration.ZERO);

        assertThat(pool.isHealthy("a")).isTrue();
        assertThat(otherPool.isHealthy("a")).isFalse();

        checker.unwatch(otherPool, "a");
        assertThat(checker.watched()).isEqualTo(1);
        checker.watch(otherPool, "a", down);
        checker.unwatch("a");
        assertThat(checker.watched()).as("unwatch by id alone stops both").isZero();
    }

    @Test
    void watchingAgainReplacesTheEarlierWatch() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 1, 1);
        Ping first = new Ping();
        Ping second = new Ping();
        checker.watch(pool, "a", first);
        checker.watch(pool, "a", second);
        scheduler.advance(Duration.ZERO);
        tick();

        assertThat(first.calls.get()).isZero();
        assertThat(second.calls.get()).isEqualTo(2);
        assertThat(checker.watched()).isEqualTo(1);
    }

    @Test
    void closeStopsEverythingAndLaterWatchesAreIgnored() {
        HealthChecker checker = new HealthChecker(scheduler, INTERVAL, 1, 1);
        Ping ping = new Ping();
        checker.watch(pool, "a", ping);
        checker.watch(pool, "b", ping);
        scheduler.advance(Duration.ZERO);

        checker.close();
        checker.close();
        checker.watch(pool, "a", ping);
        tick();

        assertThat(ping.calls.get()).isEqualTo(2);
        assertThat(checker.watched()).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void rejectsNonsensicalSettings() {
        assertThatThrownBy(() -> new HealthChecker(scheduler, Duration.ZERO, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
        assertThatThrownBy(() -> new HealthChecker(scheduler, INTERVAL, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unhealthyThreshold");
        assertThatThrownBy(() -> new HealthChecker(scheduler, INTERVAL, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("healthyThreshold");
    }
}
