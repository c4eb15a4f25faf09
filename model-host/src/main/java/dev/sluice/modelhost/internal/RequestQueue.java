package dev.sluice.modelhost.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The bounded queue between callers and runner threads. {@link #offer} never blocks (admission answers at once);
 * {@link #takeBatch} blocks a runner until it has a batch per {@link BatchPlanner}.
 *
 * <p>One runner at a time assembles a batch (the "assembler"); the others wait their turn. With several runners
 * competing for the head, two half-full batches would form where one full batch should: this is the single
 * scheduler of Triton's dynamic batcher, with the runners taking turns at being it. Arrivals wake the assembler
 * only, so a burst does not wake every idle runner.
 */
final class RequestQueue {
    enum OfferResult { ACCEPTED, FULL, CLOSED }

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the assembler may have something new to take. */
    private final Condition arrival = lock.newCondition();
    /** Signalled when a runner may become the assembler. */
    private final Condition turn = lock.newCondition();
    private final ArrayDeque<PendingRequest> queue;
    private final int capacity;
    private final BatchPlanner planner;
    private final LongSupplier nanoClock;
    private volatile int size;
    private boolean assembling;
    private boolean closed;

    RequestQueue(int capacity, BatchPlanner planner, LongSupplier nanoClock) {
        this.capacity = capacity;
        this.queue = new ArrayDeque<>(Math.min(capacity, 1024));
        this.planner = planner;
        this.nanoClock = nanoClock;
    }

    OfferResult offer(PendingRequest request) {
        lock.lock();
        try {
            if (closed) {
                return OfferResult.CLOSED;
            }
            if (queue.size() >= capacity) {
                return OfferResult.FULL;
            }
            queue.addLast(request);
            size = queue.size();
            (assembling ? arrival : turn).signal();
            return OfferResult.ACCEPTED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next batch (at least one request), or null once the queue is closed and empty. After {@link #close} the
     * batch being assembled runs at once with what it has, and the rest drains batch by batch.
     */
    List<PendingRequest> takeBatch() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (assembling || (queue.isEmpty() && !closed)) {
                turn.await();
            }
            if (queue.isEmpty()) {
                // Closed and drained: pass the wake-up on so every runner gets to leave.
                turn.signal();
                return null;
            }
            assembling = true;
            try {
                BatchPlanner.Batch<PendingRequest> batch = new BatchPlanner.Batch<>(queue.pollFirst());
                while (true) {
                    BatchPlanner.Decision decision = planner.plan(batch, queue, nanoClock.getAsLong());
                    size = queue.size();
                    if (decision.run() || closed) {
                        return new ArrayList<>(batch.items());
                    }
                    arrival.await(decision.waitNanos(), TimeUnit.NANOSECONDS);
                }
            } finally {
                assembling = false;
                size = queue.size();
                // Hand the assembler role on; with nothing queued the next runner simply waits again.
                turn.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops admission; runners drain what is queued and then get null from {@link #takeBatch}. */
    void close() {
        lock.lock();
        try {
            closed = true;
            turn.signalAll();
            arrival.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns everything still queued (after a drain timed out). */
    List<PendingRequest> drainRemaining() {
        lock.lock();
        try {
            List<PendingRequest> rest = new ArrayList<>(queue);
            queue.clear();
            size = 0;
            return rest;
        } finally {
            lock.unlock();
        }
    }

    /** Requests waiting for a runner, not counting a batch being assembled. Lock-free for the metrics gauge. */
    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }
}
