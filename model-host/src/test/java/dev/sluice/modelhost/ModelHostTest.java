package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.modelhost.testing.OnnxFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelHostTest {
    static final RunnerConfig ONE_RUNNER = new RunnerConfig(1, 1, 64);

    @TempDir
    Path tmp;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ModelHost host;

    ModelHost host() {
        if (host == null) {
            host = new ModelHost(tmp.resolve("work"), registry, new CodecRegistry(List.of(new LinesCodec())));
        }
        return host;
    }

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(60, TimeUnit.SECONDS);
    }

    static Throwable failureOf(CompletableFuture<?> future) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> future.get(60, TimeUnit.SECONDS));
        return e.getCause();
    }

    static ModelConfig config(String name, String source, String pipeline) {
        return new ModelConfig(name, source, pipeline, ONE_RUNNER, BatchingConfig.defaults(), Map.of());
    }

    static String invoke(HostedModel model, String body) throws Exception {
        InferenceResponse response = model.service().invoke(InferenceRequest.of(body.getBytes(StandardCharsets.UTF_8),
                LinesCodec.MEDIA_TYPE, LinesCodec.MEDIA_TYPE)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void loadsATensorModelFromADirectoryAndServesItThroughItsPipeline() throws Exception {
        Path dir = tmp.resolve("mlp");
        Files.move(OnnxFixtures.mlp(dir), dir.resolve("model.onnx"));

        HostedModel model = await(host().load(config("mlp", dir.toString(), ModelConfig.PIPELINE_TENSOR)));

        assertThat(model.name()).isEqualTo("mlp");
        assertThat(model.platform()).isEqualTo("onnxruntime");
        assertThat(model.loadTime()).isPositive();
        assertThat(model.signature()).isEqualTo(model.modelSignature());
        assertThat(model.modelSignature().inputs()).containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 4}));
        assertThat(host().get("mlp")).containsSame(model);
        assertThat(host().isReady("mlp")).isTrue();
        assertThat(host().models()).containsExactly(model);

        String[] answer = invoke(model, "1,2,3,4\n-1,0.5,2,-3").trim().split("\n");
        float[][] rows = {{1, 2, 3, 4}, {-1, 0.5f, 2, -3}};
        for (int r = 0; r < rows.length; r++) {
            double[] expected = OnnxFixtures.mlpReference(rows[r]);
            double[] actual = Arrays.stream(answer[r].split(",")).mapToDouble(Double::parseDouble).toArray();
            for (int k = 0; k < expected.length; k++) {
                assertThat(actual[k]).isCloseTo(expected[k], within(1e-5));
            }
        }
    }

    @Test
    void builtinMinilmLoadsAsATensorModel() throws Exception {
        HostedModel model = await(host().load(config("minilm-raw", ModelConfig.BUILTIN_MINILM,
                ModelConfig.PIPELINE_TENSOR)));

        assertThat(model.modelSignature().inputs()).extracting(TensorSpec::name)
                .containsExactlyInAnyOrder("input_ids", "attention_mask", "token_type_ids");
        assertThat(model.modelSignature().inputs()).allSatisfy(spec -> {
            assertThat(spec.type()).isEqualTo(DataType.INT64);
            assertThat(spec.shape()).containsExactly(-1, -1);
        });
        assertThat(model.modelSignature().outputs()).extracting(TensorSpec::name).contains("last_hidden_state");
        assertThat(model.modelSignature().output("last_hidden_state").orElseThrow().shape()).containsExactly(-1, -1, 384);
    }

    @Test
    void builtinMinilmServesSentenceEmbeddings() throws Exception {
        HostedModel model = await(host().load(config("minilm", ModelConfig.BUILTIN_MINILM,
                ModelConfig.PIPELINE_SENTENCE_EMBEDDING)));

        assertThat(model.signature().inputs()).extracting(TensorSpec::type).containsExactly(DataType.BYTES);
        assertThat(model.signature().outputs().get(0).shape()).containsExactly(-1, 384);

        String[] vectors = invoke(model, "a cat sits on the mat\nstock markets fell sharply today").trim().split("\n");
        assertThat(vectors).hasSize(2);
        for (String vector : vectors) {
            double[] v = Arrays.stream(vector.split(",")).mapToDouble(Double::parseDouble).toArray();
            assertThat(v).hasSize(384);
            assertThat(Math.sqrt(Arrays.stream(v).map(x -> x * x).sum())).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void sentenceEmbeddingWithoutATokenizerFailsToLoadAndFreesTheName() throws Exception {
        Path model = OnnxFixtures.mlp(tmp.resolve("m"));

        Throwable failure = failureOf(host().load(config("embed", model.toString(),
                ModelConfig.PIPELINE_SENTENCE_EMBEDDING)));

        assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokenizer.json");
        assertThat(host().isReady("embed")).isFalse();
        assertThat(registry.getMeters()).isEmpty();
        assertThat(await(host().load(config("embed", model.toString(), ModelConfig.PIPELINE_TENSOR))).name())
                .isEqualTo("embed");
    }

    @Test
    void badSourcesAndTakenNamesFailTheLoad() throws Exception {
        Throwable missing = failureOf(host().load(config("m", tmp.resolve("nope").toString(),
                ModelConfig.PIPELINE_TENSOR)));
        assertThat(missing).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");

        Path model = OnnxFixtures.mlp(tmp.resolve("m"));
        await(host().load(config("m", model.toString(), ModelConfig.PIPELINE_TENSOR)));
        Throwable taken = failureOf(host().load(config("m", model.toString(), ModelConfig.PIPELINE_TENSOR)));
        assertThat(taken).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'m'");
    }

    @Test
    void unloadStopsServingAndReleasesTheModel() throws Exception {
        Path source = OnnxFixtures.mlp(tmp.resolve("m"));
        HostedModel model = await(host().load(config("m", source.toString(), ModelConfig.PIPELINE_TENSOR)));

        await(host().unload("m"));

        assertThat(host().get("m")).isEmpty();
        assertThat(registry.getMeters()).isEmpty();
        SluiceException refused = SluiceException.from(failureOf(model.service().invoke(InferenceRequest.of(
                "1,2,3,4".getBytes(StandardCharsets.UTF_8), LinesCodec.MEDIA_TYPE, null)).toCompletableFuture()));
        assertThat(refused.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(SluiceException.from(failureOf(host().unload("m"))).code()).isEqualTo(ErrorCode.NOT_FOUND);
        try (var left = Files.list(tmp.resolve("work"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void closeStopsEveryModel() throws Exception {
        Path source = OnnxFixtures.mlp(tmp.resolve("m"));
        HostedModel a = await(host().load(config("a", source.toString(), ModelConfig.PIPELINE_TENSOR)));
        await(host().load(config("b", source.toString(), ModelConfig.PIPELINE_TENSOR)));

        host().close();

        assertThat(host().models()).isEmpty();
        assertThat(registry.getMeters()).isEmpty();
        Tensor input = Tensor.ofFloats(new long[] {1, 4}, new float[4]);
        SluiceException refused = SluiceException.from(failureOf(
                a.model().infer(Map.of("input", input)).toCompletableFuture()));
        assertThat(refused.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(failureOf(host().load(config("c", source.toString(), ModelConfig.PIPELINE_TENSOR))))
                .isInstanceOf(IllegalStateException.class);
    }
}
