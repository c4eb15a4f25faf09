package dev.sluice.modelhost.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.modelhost.testing.OnnxFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OnnxModelTest {
    static final RunnerConfig ONE_RUNNER = new RunnerConfig(1, 1, 64);

    @TempDir
    Path dir;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<OnnxModel> models = new ArrayList<>();

    @AfterEach
    void closeModels() {
        models.forEach(OnnxModel::close);
    }

    OnnxModel load(String name, Path file, RunnerConfig runners, BatchingConfig batching) {
        OnnxModel model = OnnxModel.load(name, file, runners, batching, registry);
        models.add(model);
        return model;
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** The failure of a stage that must already be complete: admission and validation never wait. */
    static SluiceException failedNow(CompletionStage<?> stage) {
        CompletableFuture<?> future = stage.toCompletableFuture();
        assertThat(future).isCompletedExceptionally();
        try {
            future.getNow(null);
        } catch (Exception e) {
            return SluiceException.from(e);
        }
        throw new AssertionError("not failed");
    }

    static SluiceException failure(CompletionStage<?> stage) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> stage.toCompletableFuture().get(30, TimeUnit.SECONDS));
        return SluiceException.from(e);
    }

    static Tensor rows(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
        }
        return Tensor.ofFloats(new long[] {rows.length, rows[0].length}, flat);
    }

    static float[][] randomRows(Random random, int n) {
        float[][] rows = new float[n][OnnxFixtures.MLP_IN];
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) (random.nextGaussian() * 2);
            }
        }
        return rows;
    }

    static void assertMatchesReference(float[][] input, Tensor output) {
        assertThat(output.shape()).containsExactly(input.length, OnnxFixtures.MLP_OUT);
        for (int r = 0; r < input.length; r++) {
            double[] expected = OnnxFixtures.mlpReference(input[r]);
            for (int k = 0; k < expected.length; k++) {
                assertThat((double) output.floats()[r * OnnxFixtures.MLP_OUT + k]).isCloseTo(expected[k], within(1e-5));
            }
        }
    }

    @Test
    void mlpOutputsEqualTheJavaReference() throws Exception {
        OnnxModel model = load("mlp", OnnxFixtures.mlp(dir), ONE_RUNNER, BatchingConfig.defaults());
        float[][] input = randomRows(new Random(1), 5);

        Map<String, Tensor> out = await(model.infer(Map.of("input", rows(input))));

        assertThat(out).containsOnlyKeys("output");
        assertMatchesReference(input, out.get("output"));
    }

    @Test
    void signatureComesFromTheSession() {
        OnnxModel model = load("mlp", OnnxFixtures.mlp(dir), ONE_RUNNER, BatchingConfig.defaults());

        assertThat(model.signature().inputs()).containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 4}));
        assertThat(model.signature().outputs()).containsExactly(new TensorSpec("output", DataType.FP32, new long[] {-1, 3}));
        assertThat(model.signature().batchable()).isTrue();
        assertThat(model.batching()).isTrue();
        assertThat(model.loadTime()).isPositive();
    }

    @Test
    void runnerThreadsAreNamedAfterTheModel() throws Exception {
        OnnxModel model = load("named", OnnxFixtures.mlp(dir), new RunnerConfig(2, 1, 8), BatchingConfig.disabled());

        String thread = await(model.infer(Map.of("input", rows(randomRows(new Random(2), 1))))
                .thenApply(out -> Thread.currentThread().getName()));

        // The stage completes on the runner, so an already-completed future would report this thread instead.
        assertThat(thread).matches("sluice-runner-named-[01]|" + Thread.currentThread().getName());
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("sluice-runner-named-"))
                .hasSize(2).allMatch(Thread::isDaemon);
    }

    @Test
    void twoInputsAreFedByName() throws Exception {
        OnnxModel model = load("two", OnnxFixtures.twoInputs(dir), ONE_RUNNER, BatchingConfig.defaults());
        Tensor a = Tensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4});
        Tensor b = Tensor.ofFloats(new long[] {2, 2}, new float[] {10, 20, 30, 40});

        Map<String, Tensor> out = await(model.infer(Map.of("b", b, "a", a)));

        assertThat(out.get("sum").floats()).containsExactly(11, 22, 33, 44);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"INT64", "INT32", "INT16", "FP64", "BOOL", "UINT8", "INT8", "FP16", "BYTES"})
    void everyExchangeableTypeRoundTrips(DataType type) throws Exception {
        OnnxModel model = load("identity", OnnxFixtures.identity(dir, type), ONE_RUNNER, BatchingConfig.disabled());
        assertThat(model.signature().inputs().get(0).type()).isEqualTo(type);
        assertThat(model.signature().inputs().get(0).shape()).containsExactly(-1, -1);
        long[] shape = {2, 3};
        Object data = switch (type) {
            case INT64 -> new long[] {1, -2, 3, Long.MAX_VALUE, Long.MIN_VALUE, 0};
            case INT32 -> new int[] {1, -2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, 0};
            case INT16 -> new short[] {1, -2, 3, Short.MAX_VALUE, Short.MIN_VALUE, 0};
            case FP64 -> new double[] {1.5, -2.25, Math.PI, Double.MAX_VALUE, -0.0, 1e-300};
            case BOOL -> new boolean[] {true, false, true, true, false, false};
            case UINT8 -> new byte[] {0, 1, (byte) 200, (byte) 255, 7, 8};
            case INT8 -> new byte[] {0, -1, -128, 127, 7, 8};
            case FP16 -> new short[] {Float.floatToFloat16(1.5f), Float.floatToFloat16(-2f), Float.floatToFloat16(0.25f),
                    Float.floatToFloat16(65504f), Float.floatToFloat16(-0.5f), Float.floatToFloat16(3f)};
            case BYTES -> new byte[][] {"a".getBytes(StandardCharsets.UTF_8), "".getBytes(StandardCharsets.UTF_8),
                    "héllo".getBytes(StandardCharsets.UTF_8), "日本".getBytes(StandardCharsets.UTF_8),
                    "x y".getBytes(StandardCharsets.UTF_8), "z".getBytes(StandardCharsets.UTF_8)};
            default -> throw new IllegalArgumentException(type.toString());
        };

        Tensor out = await(model.infer(Map.of("input", Tensor.of(type, shape, data)))).get("output");

        assertThat(out.type()).isEqualTo(type);
        assertThat(out.shape()).containsExactly(shape);
        assertThat(out.data()).isEqualTo(data);
    }

    @Test
    void fixedBatchModelIsNeverBatched() throws Exception {
        OnnxModel model = load("fixed", OnnxFixtures.fixedBatch(dir), new RunnerConfig(1, 1, 64),
                new BatchingConfig(true, 32, Duration.ofMillis(50), List.of()));
        assertThat(model.signature().inputs().get(0).shape()).containsExactly(1, 4);
        assertThat(model.batching()).isFalse();

        Random random = new Random(3);
        List<float[][]> inputs = new ArrayList<>();
        List<CompletionStage<Map<String, Tensor>>> results = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            float[][] input = randomRows(random, 1);
            inputs.add(input);
            results.add(model.infer(Map.of("input", rows(input))));
        }
        for (int i = 0; i < results.size(); i++) {
            assertMatchesReference(inputs.get(i), await(results.get(i)).get("output"));
        }

        var batchSize = registry.get(ModelMetrics.BATCH_SIZE).tag("model", "fixed").summary();
        assertThat(batchSize.count()).isEqualTo(30);
        assertThat(batchSize.max()).isEqualTo(1);
    }

    @Test
    void validationFailuresNameTheInputAndNeverReachTheQueue() {
        OnnxModel model = load("two", OnnxFixtures.twoInputs(dir), ONE_RUNNER, BatchingConfig.defaults());
        Tensor good = Tensor.ofFloats(new long[] {1, 2}, new float[] {1, 2});

        SluiceException missing = failedNow(model.infer(Map.of("a", good)));
        assertThat(missing.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(missing.getMessage()).contains("missing input 'b'");

        SluiceException unknown = failedNow(model.infer(Map.of("a", good, "b", good, "c", good)));
        assertThat(unknown.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(unknown.getMessage()).contains("unknown input 'c'");

        SluiceException dtype = failedNow(model.infer(Map.of("a", good,
                "b", Tensor.ofLongs(new long[] {1, 2}, new long[] {1, 2}))));
        assertThat(dtype.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(dtype.getMessage()).contains("input 'b'").contains("FP32").contains("INT64");

        SluiceException dim = failedNow(model.infer(Map.of("a", Tensor.ofFloats(new long[] {1, 3}, new float[3]),
                "b", good)));
        assertThat(dim.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(dim.getMessage()).contains("input 'a'").contains("dimension 1");

        SluiceException rank = failedNow(model.infer(Map.of("a", Tensor.ofFloats(new long[] {2}, new float[2]),
                "b", good)));
        assertThat(rank.getMessage()).contains("input 'a'").contains("rank 2");

        assertThat(failedNow(model.infer(null)).code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(registry.get(ModelMetrics.BATCH_SIZE).tag("model", "two").summary().count()).isZero();
    }

    @Test
    void runtimeFailureIsAModelErrorAndTheModelKeepsServing() throws Exception {
        OnnxModel model = load("failing", OnnxFixtures.failing(dir), ONE_RUNNER, BatchingConfig.defaults());

        SluiceException error = failure(model.infer(Map.of("index", Tensor.ofLongs(new long[] {1, 1}, new long[] {7}))));

        assertThat(error.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(error.originalStatusCode()).isEqualTo(500);
        assertThat(error.originalMessage()).isNotBlank();
        assertThat(error.getMessage()).contains("failing").contains(error.originalMessage());

        Map<String, Tensor> ok = await(model.infer(Map.of("index", Tensor.ofLongs(new long[] {2, 1}, new long[] {1, -1}))));
        assertThat(ok.get("value").floats()).containsExactly(20f, 40f);
        assertThat(registry.get(ModelMetrics.ERRORS).tag("model", "failing").counter().count()).isEqualTo(1);
    }

    @Test
    void aBadRequestInABatchFailsAloneWhileItsNeighboursSucceed() throws Exception {
        // A long delay and maxBatchSize 3: the three requests below always form one batch (it runs when full).
        OnnxModel model = load("failing", OnnxFixtures.failing(dir), ONE_RUNNER,
                new BatchingConfig(true, 3, Duration.ofSeconds(20), List.of()));

        var first = model.infer(Map.of("index", Tensor.ofLongs(new long[] {1, 1}, new long[] {0})));
        var bad = model.infer(Map.of("index", Tensor.ofLongs(new long[] {1, 1}, new long[] {99})));
        var third = model.infer(Map.of("index", Tensor.ofLongs(new long[] {1, 1}, new long[] {3})));

        assertThat(await(first).get("value").floats()).containsExactly(10f);
        assertThat(await(third).get("value").floats()).containsExactly(40f);
        assertThat(failure(bad).code()).isEqualTo(ErrorCode.MODEL_ERROR);
        var batchSize = registry.get(ModelMetrics.BATCH_SIZE).tag("model", "failing").summary();
        assertThat(batchSize.max()).isEqualTo(3);
        assertThat(batchSize.count()).isEqualTo(4);
        assertThat(registry.get(ModelMetrics.ERRORS).tag("model", "failing").counter().count()).isEqualTo(1);
    }

    @Test
    void fullQueueAnswersServiceUnavailableImmediately() throws Exception {
        OnnxModel model = load("slow", OnnxFixtures.slow(dir, 32), new RunnerConfig(1, 1, 2), BatchingConfig.disabled());
        // 1024 × 32 × 512² multiply-adds (~0.1 s on one AVX-512 core) keep the only runner busy for orders of
        // magnitude longer than the loop below takes.
        var busy = model.infer(Map.of("input", slowInput(1024)));
        List<CompletionStage<Map<String, Tensor>>> more = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            more.add(model.infer(Map.of("input", slowInput(1))));
        }

        List<SluiceException> rejected = new ArrayList<>();
        for (var stage : more) {
            if (stage.toCompletableFuture().isCompletedExceptionally()) {
                rejected.add(failedNow(stage));
            }
        }
        // At most the capacity (2) is queued behind the running request, or all 3 when the runner had not yet
        // taken it.
        assertThat(rejected).hasSizeGreaterThanOrEqualTo(8).allSatisfy(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
            assertThat(e.getMessage()).contains("queue full");
        });
        assertThat(await(busy).get("output").shape()).containsExactly(1024, OnnxFixtures.SLOW_WIDTH);
        for (var stage : more) {
            if (!stage.toCompletableFuture().isCompletedExceptionally()) {
                assertThat(await(stage)).containsKey("output");
            }
        }
        assertThat(registry.get(ModelMetrics.REJECTED).tag("model", "slow").counter().count())
                .isEqualTo(rejected.size());
    }

    @Test
    void closeFinishesWhatIsQueuedThenRefusesNewWork() throws Exception {
        OnnxModel model = load("drain", OnnxFixtures.slow(dir, 4), new RunnerConfig(1, 1, 16), BatchingConfig.disabled());
        List<CompletionStage<Map<String, Tensor>>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(model.infer(Map.of("input", slowInput(32))));
        }

        assertThat(model.close(Duration.ofSeconds(30))).isTrue();

        for (var stage : queued) {
            assertThat(stage.toCompletableFuture()).isCompleted();
            assertThat(await(stage).get("output").shape()).containsExactly(32, OnnxFixtures.SLOW_WIDTH);
        }
        SluiceException refused = failedNow(model.infer(Map.of("input", slowInput(1))));
        assertThat(refused.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(refused.getMessage()).contains("shutting down");
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("sluice-runner-drain-"));
    }

    @Test
    void closeFailsWhatCouldNotRunWithinTheDrainTimeout() throws Exception {
        OnnxModel model = load("slow", OnnxFixtures.slow(dir, 32), new RunnerConfig(1, 1, 16), BatchingConfig.disabled());
        List<CompletionStage<Map<String, Tensor>>> queued = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            queued.add(model.infer(Map.of("input", slowInput(1024))));
        }

        model.close(Duration.ZERO);

        int unavailable = 0;
        for (var stage : queued) {
            try {
                await(stage);
            } catch (ExecutionException e) {
                assertThat(SluiceException.from(e).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
                unavailable++;
            }
        }
        assertThat(unavailable).isGreaterThanOrEqualTo(3);
    }

    @Test
    void metricsAreTaggedWithTheModelAndRemovedOnClose() throws Exception {
        OnnxModel model = load("mlp", OnnxFixtures.mlp(dir), ONE_RUNNER, BatchingConfig.defaults());
        await(model.infer(Map.of("input", rows(randomRows(new Random(4), 2)))));

        assertThat(registry.get(ModelMetrics.QUEUE_DEPTH).tag("model", "mlp").gauge().value()).isZero();
        assertThat(registry.get(ModelMetrics.QUEUE_TIME).tag("model", "mlp").timer().count()).isEqualTo(1);
        assertThat(registry.get(ModelMetrics.INFERENCE_TIME).tag("model", "mlp").timer().count()).isEqualTo(1);
        assertThat(registry.get(ModelMetrics.BATCH_SIZE).tag("model", "mlp").summary().totalAmount()).isEqualTo(2);
        assertThat(registry.get(ModelMetrics.LOAD_TIME).tag("model", "mlp").timer().count()).isEqualTo(1);

        model.close();

        assertThat(registry.find(ModelMetrics.QUEUE_DEPTH).meters()).isEmpty();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void loadFailuresAreIllegalArgumentsNamingTheFile() throws Exception {
        Path missing = dir.resolve("nope.onnx");
        assertThatThrownBy(() -> load("m", missing, ONE_RUNNER, BatchingConfig.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());

        Path garbage = java.nio.file.Files.writeString(dir.resolve("garbage.onnx"), "not a model");
        assertThatThrownBy(() -> load("m", garbage, ONE_RUNNER, BatchingConfig.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(garbage.toString());

        assertThatThrownBy(() -> load("m", OnnxFixtures.identity(dir, DataType.UINT32), ONE_RUNNER,
                BatchingConfig.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input 'input'");
    }

    static Tensor slowInput(int rows) {
        float[] data = new float[rows * OnnxFixtures.SLOW_WIDTH];
        for (int i = 0; i < data.length; i++) {
            data[i] = i % 7;
        }
        return Tensor.ofFloats(new long[] {rows, OnnxFixtures.SLOW_WIDTH}, data);
    }
}
