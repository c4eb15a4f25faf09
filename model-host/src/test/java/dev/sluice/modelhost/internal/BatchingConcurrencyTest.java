package dev.sluice.modelhost.internal;

import static dev.sluice.modelhost.internal.OnnxModelTest.assertMatchesReference;
import static dev.sluice.modelhost.internal.OnnxModelTest.randomRows;
import static dev.sluice.modelhost.internal.OnnxModelTest.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.modelhost.testing.OnnxFixtures;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many callers at once against real sessions: every caller must get exactly its own rows back. */
class BatchingConcurrencyTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 50;

    @TempDir
    Path dir;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    record Call(float[][] input, CompletableFuture<Map<String, Tensor>> result) {
    }

    @Test
    void concurrentRequestsAreBatchedAndEachGetsItsOwnRows() throws Exception {
        BatchingConfig batching = new BatchingConfig(true, 16, Duration.ofMillis(5), List.of());
        try (OnnxModel model = OnnxModel.load("mlp", OnnxFixtures.mlp(dir), new RunnerConfig(2, 1, 512), batching,
                registry)) {
            List<Call> calls = fire(THREADS, PER_THREAD, (random, i) -> {
                float[][] input = randomRows(random, 1 + random.nextInt(3));
                return new Call(input, model.infer(Map.of("input", rows(input))).toCompletableFuture());
            });

            int totalRows = 0;
            for (Call call : calls) {
                assertMatchesReference(call.input(), call.result().get(30, TimeUnit.SECONDS).get("output"));
                totalRows += call.input().length;
            }

            DistributionSummary batchSize = registry.get(ModelMetrics.BATCH_SIZE).tag("model", "mlp").summary();
            // Every row ran exactly once, at least one run held several requests (one request has ≤ 3 rows), and
            // no run went over maxBatchSize.
            assertThat(batchSize.totalAmount()).isEqualTo(totalRows);
            assertThat(batchSize.count()).isLessThan(calls.size());
            assertThat(batchSize.max()).isGreaterThan(3).isLessThanOrEqualTo(16);
        }
    }

    @Test
    void requestsOfDifferentRowShapesAreNeverMixed() throws Exception {
        BatchingConfig batching = new BatchingConfig(true, 32, Duration.ofMillis(5), List.of());
        try (OnnxModel model = OnnxModel.load("identity", OnnxFixtures.identity(dir, DataType.FP32),
                new RunnerConfig(2, 1, 512), batching, registry)) {
            List<Call> calls = fire(THREADS, PER_THREAD, (random, i) -> {
                int width = 1 + random.nextInt(3);
                float[][] input = new float[1 + random.nextInt(2)][width];
                for (float[] row : input) {
                    for (int c = 0; c < width; c++) {
                        row[c] = random.nextFloat();
                    }
                }
                return new Call(input, model.infer(Map.of("input", rows(input))).toCompletableFuture());
            });

            for (Call call : calls) {
                Tensor out = call.result().get(30, TimeUnit.SECONDS).get("output");
                assertThat(out.shape()).containsExactly(call.input().length, call.input()[0].length);
                assertThat(out.floats()).containsExactly(rows(call.input()).floats());
            }
            DistributionSummary batchSize = registry.get(ModelMetrics.BATCH_SIZE).tag("model", "identity").summary();
            assertThat(batchSize.count()).isLessThan(calls.size());
        }
    }

    interface CallFactory {
        Call call(Random random, int index);
    }

    /** Starts {@code threads} callers together, each making {@code perThread} calls without waiting for answers. */
    private static List<Call> fire(int threads, int perThread, CallFactory factory) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<List<Call>> perCaller = new ArrayList<>();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Call> mine = new ArrayList<>();
            perCaller.add(mine);
            Random random = new Random(100 + t);
            callers.add(Thread.ofPlatform().name("caller-" + t).start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    mine.add(factory.call(random, i));
                }
            }));
        }
        start.countDown();
        for (Thread caller : callers) {
            caller.join();
        }
        List<Call> all = new ArrayList<>();
        perCaller.forEach(all::addAll);
        assertThat(all).hasSize(threads * perThread);
        return all;
    }
}
