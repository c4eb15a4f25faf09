package dev.sluice.modelhost.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.modelhost.internal.BatchPlanner.Batch;
import dev.sluice.modelhost.internal.BatchPlanner.Decision;
import dev.sluice.modelhost.internal.BatchPlanner.Reason;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batching rules against a virtual clock: every time is a number the test chooses. */
class BatchPlannerTest {
    private static final long MS = 1_000_000L;

    /** A request of {@code rows} rows whose row shape is {@code shape}; same shape = concatenable. */
    record Item(String id, int rows, long enqueuedNanos, String shape, boolean batchable) implements BatchPlanner.Item {
        Item(String id, int rows, long enqueuedNanos, String shape) {
            this(id, rows, enqueuedNanos, shape, true);
        }

        @Override
        public boolean canJoin(BatchPlanner.Item first) {
            return batchable && first.batchable() && ((Item) first).shape.equals(shape);
        }
    }

    private static BatchPlanner planner(int max, long delayMs, Integer... preferred) {
        return new BatchPlanner(new BatchingConfig(true, max, Duration.ofMillis(delayMs), List.of(preferred)), true);
    }

    private static List<String> ids(Batch<Item> batch) {
        return batch.items().stream().map(Item::id).toList();
    }

    private static List<String> ids(ArrayDeque<Item> queue) {
        return queue.stream().map(Item::id).toList();
    }

    @Test
    void waitsForTheDelayCountedFromTheFirstRequestsEnqueueTime() {
        BatchPlanner planner = planner(8, 10);
        ArrayDeque<Item> queue = new ArrayDeque<>();
        Batch<Item> batch = new Batch<>(new Item("a", 1, 100 * MS, "x"));

        Decision d = planner.plan(batch, queue, 102 * MS);
        assertThat(d.reason()).isEqualTo(Reason.WAIT);
        assertThat(d.waitNanos()).isEqualTo(8 * MS);

        queue.add(new Item("b", 2, 105 * MS, "x"));
        d = planner.plan(batch, queue, 105 * MS);
        assertThat(d.reason()).isEqualTo(Reason.WAIT);
        assertThat(d.waitNanos()).isEqualTo(5 * MS);
        assertThat(batch.rows()).isEqualTo(3);
        assertThat(queue).isEmpty();

        d = planner.plan(batch, queue, 110 * MS);
        assertThat(d.reason()).isEqualTo(Reason.DELAY_ELAPSED);
        assertThat(ids(batch)).containsExactly("a", "b");
    }

    @Test
    void zeroDelayRunsWithWhatIsAlreadyQueued() {
        BatchPlanner planner = planner(8, 0);
        ArrayDeque<Item> queue = new ArrayDeque<>(List.of(new Item("b", 1, 0, "x"), new Item("c", 1, 0, "x")));
        Batch<Item> batch = new Batch<>(new Item("a", 1, 0, "x"));

        Decision d = planner.plan(batch, queue, 0);

        assertThat(d.reason()).isEqualTo(Reason.DELAY_ELAPSED);
        assertThat(ids(batch)).containsExactly("a", "b", "c");
    }

    @Test
    void stopsAtMaxBatchSizeAndLeavesTheRestQueued() {
        BatchPlanner planner = planner(4, 10);
        ArrayDeque<Item> queue = new ArrayDeque<>();
        for (int i = 0; i < 5; i++) {
            queue.add(new Item("q" + i, 1, 0, "x"));
        }
        Batch<Item> batch = new Batch<>(new Item("a", 1, 0, "x"));

        Decision d = planner.plan(batch, queue, 0);

        assertThat(d.reason()).isEqualTo(Reason.FULL);
        assertThat(batch.rows()).isEqualTo(4);
        assertThat(ids(batch)).containsExactly("a", "q0", "q1", "q2");
        assertThat(ids(queue)).containsExactly("q3", "q4");
    }

    @Test
    void aRequestThatDoesNotFitClosesTheBatchInsteadOfBeingOvertaken() {
        BatchPlanner planner = planner(4, 10);
        ArrayDeque<Item> queue = new ArrayDeque<>(List.of(new Item("big", 3, 0, "x"), new Item("small", 1, 0, "x")));
        Batch<Item> batch = new Batch<>(new Item("a", 2, 0, "x"));

        Decision d = planner.plan(batch, queue, 0);

        assertThat(d.reason()).isEqualTo(Reason.NEXT_DOES_NOT_FIT);
        assertThat(ids(batch)).containsExactly("a");
        assertThat(ids(queue)).containsExactly("big", "small");
    }

    @Test
    void aFirstRequestLargerThanMaxRunsAlone() {
        BatchPlanner planner = planner(4, 10);
        ArrayDeque<Item> queue = new ArrayDeque<>(List.of(new Item("b", 1, 0, "x")));
        Batch<Item> batch = new Batch<>(new Item("huge", 10, 0, "x"));

        assertThat(planner.plan(batch, queue, 0).reason()).isEqualTo(Reason.FULL);
        assertThat(ids(batch)).containsExactly("huge");
        assertThat(ids(queue)).containsExactly("b");
    }

    @Test
    void preferredSizeRunsEarlyWhenNothingMoreIsQueued() {
        BatchPlanner planner = planner(8, 10, 2, 4);
        ArrayDeque<Item> queue = new ArrayDeque<>();
        Batch<Item> batch = new Batch<>(new Item("a", 1, 0, "x"));

        assertThat(planner.plan(batch, queue, 0).reason()).isEqualTo(Reason.WAIT);

        queue.add(new Item("b", 1, 1 * MS, "x"));
        assertThat(planner.plan(batch, queue, 1 * MS).reason()).isEqualTo(Reason.PREFERRED_SIZE);
        assertThat(ids(batch)).containsExactly("a", "b");
    }

    @Test
    void preferredSizeDoesNotStopWhileMoreCompatibleRequestsAreQueued() {
        BatchPlanner planner = planner(8, 10, 2);
        ArrayDeque<Item> queue = new ArrayDeque<>(List.of(new Item("b", 1, 0, "x"), new Item("c", 1, 0, "x")));
        Batch<Item> batch = new Batch<>(new Item("a", 1, 0, "x"));

        Decision d = planner.plan(batch, queue, 0);

        // 3 rows is not preferred: everything compatible was taken, so it waits for the delay (or more rows).
        assertThat(d.reason()).isEqualTo(Reason.WAIT);
        assertThat(batch.rows()).isEqualTo(3);
    }

    @Test
    void incompatibleShapesAreNeverMixedAndKeepTheirOrder() {
        BatchPlanner planner = planner(8, 0);
        ArrayDeque<Item> queue = new ArrayDeque<>(List.of(
                new Item("y1", 1, 0, "y"), new Item("x2", 1, 0, "x"), new Item("y2", 1, 0, "y"),
                new Item("x3", 1, 0, "x")));
        Batch<Item> first = new Batch<>(new Item("x1", 1, 0, "x"));

        planner.plan(first, queue, 0);

        assertThat(ids(first)).containsExactly("x1", "x2", "x3");
        assertThat(ids(queue)).containsExactly("y1", "y2");

        Batch<Item> second = new Batch<>(queue.pollFirst());
        planner.plan(second, queue, 0);
        assertThat(ids(second)).containsExactly("y1", "y2");
        assertThat(queue).isEmpty();
    }

    @Test
    void disabledBatchingOrUnbatchableModelRunsOneRequestAtATime() {
        ArrayDeque<Item> queue = new ArrayDeque<>(List.of(new Item("b", 1, 0, "x")));
        BatchPlanner disabled = new BatchPlanner(BatchingConfig.disabled(), true);
        BatchPlanner fixedModel = new BatchPlanner(BatchingConfig.defaults(), false);

        for (BatchPlanner planner : List.of(disabled, fixedModel)) {
            Batch<Item> batch = new Batch<>(new Item("a", 1, 0, "x"));
            assertThat(planner.enabled()).isFalse();
            assertThat(planner.plan(batch, queue, 0).reason()).isEqualTo(Reason.SINGLE);
            assertThat(ids(batch)).containsExactly("a");
        }
        assertThat(ids(queue)).containsExactly("b");
    }

    @Test
    void unbatchableRequestsRunAloneAndAreSkippedByOthers() {
        BatchPlanner planner = planner(8, 0);
        ArrayDeque<Item> queue = new ArrayDeque<>(List.of(new Item("odd", 1, 0, "x", false), new Item("b", 1, 0, "x")));

        Batch<Item> batch = new Batch<>(new Item("a", 1, 0, "x"));
        planner.plan(batch, queue, 0);
        assertThat(ids(batch)).containsExactly("a", "b");

        Batch<Item> alone = new Batch<>(queue.pollFirst());
        assertThat(planner.plan(alone, queue, 0).reason()).isEqualTo(Reason.SINGLE);
    }
}
