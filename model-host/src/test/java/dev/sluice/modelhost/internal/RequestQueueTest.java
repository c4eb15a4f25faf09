package dev.sluice.modelhost.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.tensor.Tensor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Admission and batch taking; everything is queued before a batch is taken, so no test waits on time. */
class RequestQueueTest {
    private final AtomicLong clock = new AtomicLong();

    private static PendingRequest request(int rows, int width) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("input", Tensor.ofFloats(new long[] {rows, width}, new float[rows * width]));
        return new PendingRequest(inputs, rows, true, 0, new CompletableFuture<>());
    }

    private RequestQueue queue(int capacity, BatchingConfig batching) {
        return new RequestQueue(capacity, new BatchPlanner(batching, true), clock::get);
    }

    @Test
    void offerAnswersFullAtOnceWhenAtCapacity() {
        RequestQueue queue = queue(2, BatchingConfig.defaults());

        assertThat(queue.offer(request(1, 4))).isEqualTo(RequestQueue.OfferResult.ACCEPTED);
        assertThat(queue.offer(request(1, 4))).isEqualTo(RequestQueue.OfferResult.ACCEPTED);
        assertThat(queue.offer(request(1, 4))).isEqualTo(RequestQueue.OfferResult.FULL);
        assertThat(queue.size()).isEqualTo(2);
    }

    @Test
    void takesCompatibleRequestsTogetherAndLeavesOthersForTheNextBatch() throws InterruptedException {
        RequestQueue queue = queue(16, new BatchingConfig(true, 8, Duration.ZERO, List.of()));
        PendingRequest a = request(1, 4);
        PendingRequest other = request(1, 5);
        PendingRequest b = request(2, 4);
        queue.offer(a);
        queue.offer(other);
        queue.offer(b);

        assertThat(queue.takeBatch()).containsExactly(a, b);
        assertThat(queue.takeBatch()).containsExactly(other);
        assertThat(queue.size()).isZero();
    }

    @Test
    void afterCloseDrainsThenAnswersNull() throws InterruptedException {
        RequestQueue queue = queue(16, BatchingConfig.disabled());
        PendingRequest a = request(1, 4);
        queue.offer(a);
        queue.close();

        assertThat(queue.offer(request(1, 4))).isEqualTo(RequestQueue.OfferResult.CLOSED);
        assertThat(queue.takeBatch()).containsExactly(a);
        assertThat(queue.takeBatch()).isNull();
    }

    @Test
    void closeRunsAPartialBatchAtOnceInsteadOfWaitingOutTheDelay() throws Exception {
        RequestQueue queue = queue(16, new BatchingConfig(true, 8, Duration.ofDays(1), List.of()));
        PendingRequest a = request(1, 4);
        queue.offer(a);
        CompletableFuture<List<PendingRequest>> taken = new CompletableFuture<>();
        Thread runner = Thread.ofPlatform().start(() -> {
            try {
                taken.complete(queue.takeBatch());
            } catch (InterruptedException e) {
                taken.completeExceptionally(e);
            }
        });

        queue.close();

        assertThat(taken.get(10, java.util.concurrent.TimeUnit.SECONDS)).containsExactly(a);
        runner.join();
    }
}
