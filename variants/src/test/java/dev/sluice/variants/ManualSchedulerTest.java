package dev.sluice.variants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualSchedulerTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private final ManualScheduler scheduler = new ManualScheduler(T0);
    private final List<String> log = new ArrayList<>();

    private Runnable note(String what) {
        return () -> log.add(what + "@" + Duration.between(T0, scheduler.now()).toSeconds());
    }

    @Test
    void runsDueTasksInTimeOrderWithTheClockAtTheirDueTime() {
        scheduler.schedule(note("c"), Duration.ofSeconds(30));
        scheduler.schedule(note("a"), Duration.ofSeconds(10));
        scheduler.schedule(note("b"), Duration.ofSeconds(10));
        scheduler.schedule(note("late"), Duration.ofSeconds(90));

        scheduler.advance(Duration.ofSeconds(60));

        assertThat(log).containsExactly("a@10", "b@10", "c@30");
        assertThat(scheduler.now()).isEqualTo(T0.plusSeconds(60));
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
    }

    @Test
    void tasksScheduledByTasksRunWhenDueWithinTheSameAdvance() {
        scheduler.schedule(() -> {
            log.add("first");
            scheduler.schedule(note("second"), Duration.ofSeconds(5));
            scheduler.schedule(note("beyond"), Duration.ofSeconds(50));
        }, Duration.ofSeconds(10));

        scheduler.advance(Duration.ofSeconds(20));

        assertThat(log).containsExactly("first", "second@15");
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
        scheduler.advance(Duration.ofSeconds(40));
        assertThat(log).containsExactly("first", "second@15", "beyond@60");
    }

    @Test
    void zeroAdvanceRunsTasksDueNowAndCancelledTasksNeverRun() {
        scheduler.schedule(note("now"), Duration.ZERO);
        Cancellable cancelled = scheduler.schedule(note("cancelled"), Duration.ZERO);
        cancelled.cancel();

        scheduler.advance(Duration.ZERO);

        assertThat(log).containsExactly("now@0");
        assertThat(scheduler.pendingTasks()).isZero();
        cancelled.cancel();
        assertThatThrownBy(() -> scheduler.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void systemSchedulerRunsAndCancelsOnTheGivenExecutor() throws Exception {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("scheduler-test").factory());
        try {
            Scheduler system = Scheduler.system(executor);
            CompletableFuture<String> ran = new CompletableFuture<>();
            system.schedule(() -> ran.complete(Thread.currentThread().getName()), Duration.ZERO);
            CompletableFuture<String> never = new CompletableFuture<>();
            system.schedule(() -> never.complete("ran"), Duration.ofHours(1)).cancel();

            assertThat(ran.get(10, TimeUnit.SECONDS)).isEqualTo("scheduler-test");
            assertThat(never).isNotDone();
            assertThat(system.now()).isAfter(T0);
        } finally {
            executor.shutdownNow();
        }
    }
}
