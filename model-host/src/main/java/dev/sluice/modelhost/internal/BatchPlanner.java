package dev.sluice.modelhost.internal;

import dev.sluice.core.config.BatchingConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The dynamic-batching decisions, free of threads and clocks: given the batch being assembled, what is still queued
 * and the current time, it moves compatible requests into the batch and says whether to run it now or how long to
 * wait for more. {@link RequestQueue} drives it under its lock with a real clock; tests drive it with a virtual one.
 *
 * <p>Rules (see {@link BatchingConfig}): the batch's first request fixes the row shape; later requests join in queue
 * order when compatible and when they fit in {@code maxBatchSize} rows. Incompatible requests are skipped and stay
 * queued in order, so the queue head always starts the next batch and nothing is overtaken for longer than one batch.
 * The first compatible request that does not fit closes the batch: letting later, smaller requests jump it would
 * reorder without bound. A batch runs when it is full, when {@code maxQueueDelay} has passed since its first request
 * was enqueued, or early when its row count is a preferred size and nothing more compatible is queued.
 */
public final class BatchPlanner {

    /** A queued request as the planner sees it. */
    public interface Item {
        /** Rows along the first dimension. */
        int rows();

        /** {@link System#nanoTime()}-based time it was enqueued (the planner's clock). */
        long enqueuedNanos();

        /** Whether the request may be concatenated with others at all (model batchable, consistent rows). */
        boolean batchable();

        /** Whether it can be concatenated with {@code first} along the first dimension. */
        boolean canJoin(Item first);
    }

    public enum Reason {
        /** Batching is off, the model is not batchable, or the first request is not. */
        SINGLE,
        FULL,
        /** The next compatible request in line would overflow maxBatchSize. */
        NEXT_DOES_NOT_FIT,
        DELAY_ELAPSED,
        PREFERRED_SIZE,
        WAIT
    }

    /** Run now, or wait up to {@code waitNanos} for more requests and ask again. */
    public record Decision(Reason reason, long waitNanos) {
        public boolean run() {
            return reason != Reason.WAIT;
        }
    }

    /** A batch under assembly. */
    public static final class Batch<T extends Item> {
        private final List<T> items = new ArrayList<>();
        private int rows;
        private boolean blocked;

        public Batch(T first) {
            add(Objects.requireNonNull(first, "first"));
        }

        private void add(T item) {
            items.add(item);
            rows += item.rows();
        }

        public T first() {
            return items.get(0);
        }

        public List<T> items() {
            return items;
        }

        public int rows() {
            return rows;
        }
    }

    private final boolean enabled;
    private final int maxBatchSize;
    private final long maxDelayNanos;
    private final Set<Integer> preferredSizes;

    /**
     * @param config         the model's batching configuration
     * @param modelBatchable {@code ModelSignature.batchable()}: without a dynamic first dimension nothing is batched
     */
    public BatchPlanner(BatchingConfig config, boolean modelBatchable) {
        this.enabled = config.enabled() && modelBatchable;
        this.maxBatchSize = config.maxBatchSize();
        this.maxDelayNanos = saturatedNanos(config.maxQueueDelay());
        this.preferredSizes = Set.copyOf(config.preferredBatchSizes());
    }

    private static long saturatedNanos(java.time.Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Whether requests are ever combined. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Moves what fits from {@code queue} into {@code batch} (removing it from the queue, keeping the rest in order),
     * then decides. Call again after waiting; it only looks at what is new to it in the sense that requests already
     * moved are gone from the queue.
     */
    public <T extends Item> Decision plan(Batch<T> batch, Collection<T> queue, long nowNanos) {
        if (!enabled || !batch.first().batchable()) {
            return new Decision(Reason.SINGLE, 0);
        }
        if (!batch.blocked) {
            for (Iterator<T> it = queue.iterator(); it.hasNext() && batch.rows < maxBatchSize; ) {
                T item = it.next();
                if (!item.canJoin(batch.first())) {
                    continue;
                }
                if (batch.rows + item.rows() > maxBatchSize) {
                    batch.blocked = true;
                    break;
                }
                it.remove();
                batch.add(item);
            }
        }
        if (batch.rows >= maxBatchSize) {
            return new Decision(Reason.FULL, 0);
        }
        if (batch.blocked) {
            return new Decision(Reason.NEXT_DOES_NOT_FIT, 0);
        }
        long waited = nowNanos - batch.first().enqueuedNanos();
        if (waited >= maxDelayNanos) {
            return new Decision(Reason.DELAY_ELAPSED, 0);
        }
        // Everything compatible that was queued has been taken, so "nothing more compatible is queued" holds here.
        if (preferredSizes.contains(batch.rows)) {
            return new Decision(Reason.PREFERRED_SIZE, 0);
        }
        return new Decision(Reason.WAIT, maxDelayNanos - waited);
    }
}
