package dev.sluice.variants;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A virtual clock for tests: time stands still until {@link #advance} moves it, running every task that falls
 * due on the way, in due-time order (ties in the order they were scheduled), each with {@link #now()} reading its
 * due time. Tasks may schedule more tasks; those run too when they fall due within the same advance. Tasks run on
 * the thread that calls {@code advance}, never under the scheduler's lock, so they may schedule and cancel freely.
 * It lives in the main sources so that other modules' tests can drive deployments with it.
 */
public final class ManualScheduler implements Scheduler {
    private final Object lock = new Object();
    private final PriorityQueue<Task> queue = new PriorityQueue<>(
            Comparator.comparing((Task task) -> task.due).thenComparingLong(task -> task.sequence));
    private Instant now;
    private long sequence;

    public ManualScheduler(Instant start) {
        this.now = Objects.requireNonNull(start, "start");
    }

    @Override
    public Instant now() {
        synchronized (lock) {
            return now;
        }
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(delay, "delay");
        synchronized (lock) {
            Task scheduled = new Task(task, now.plus(delay.isNegative() ? Duration.ZERO : delay), sequence++);
            queue.add(scheduled);
            return () -> {
                synchronized (lock) {
                    queue.remove(scheduled);
                }
            };
        }
    }

    /**
     * Moves the clock forward by {@code duration}, running the tasks that fall due. {@code Duration.ZERO} runs
     * the tasks due now. A task that throws stops the advance there, with the clock at that task's due time.
     */
    public void advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative, got: " + duration);
        }
        Instant target;
        synchronized (lock) {
            target = now.plus(duration);
        }
        while (true) {
            Task due;
            synchronized (lock) {
                due = queue.peek();
                if (due == null || due.due.isAfter(target)) {
                    now = target;
                    return;
                }
                queue.poll();
                if (due.due.isAfter(now)) {
                    now = due.due;
                }
            }
            due.runnable.run();
        }
    }

    /** Tasks scheduled and neither run nor cancelled. */
    public int pendingTasks() {
        synchronized (lock) {
            return queue.size();
        }
    }

    private record Task(Runnable runnable, Instant due, long sequence) {
    }
}
