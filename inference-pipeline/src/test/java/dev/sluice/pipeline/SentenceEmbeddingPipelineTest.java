package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorModel;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.testing.MiniLm;
import dev.sluice.pipeline.testing.OrtTensorModel;
import dev.sluice.pipeline.testing.TestJsonCodec;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The product owner's acceptance test: the pipeline's embeddings must match what the model gives when each sentence
 * is run alone, unpadded, with pooling and normalisation written out by hand. That catches padding leaking into the
 * mean, a wrong mask, token type ids the model did not expect, and truncation or normalisation mistakes.
 *
 * <p>The fp32 model is exact under padding and batching. The int8 model quantises activations per tensor, so padded
 * or batched it drifts to cosine 0.986-0.993 (see {@link MiniLm}); its pipeline therefore runs with
 * {@code perSequence=true}, as the built-in demo does, and must then meet the same 0.9999 bar.
 */
class SentenceEmbeddingPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CodecRegistry CODECS = new CodecRegistry(List.of(new TestJsonCodec()));
    private static final List<String> SENTENCES = List.of(
            "a cat sits",
            "a kitten sat",
            "The quarterly report shows revenue growth across all regions, driven by strong demand.",
            "Wie spät ist es?");

    private static final Map<MiniLm, OrtTensorModel> MODELS = new EnumMap<>(MiniLm.class);
    private static final Map<MiniLm, Pipeline> PIPELINES = new EnumMap<>(MiniLm.class);
    private static OrtTensorModel model;
    private static Pipeline pipeline;

    @BeforeAll
    static void load() {
        for (MiniLm variant : MiniLm.values()) {
            OrtTensorModel m = new OrtTensorModel("minilm-" + variant, variant.session());
            MODELS.put(variant, m);
            Map<String, String> options = variant == MiniLm.INT8
                    ? Map.of(Pipelines.OPTION_PER_SEQUENCE, "true") : Map.of();
            PIPELINES.put(variant, Pipelines.sentenceEmbedding("minilm", m, variant.tokenizerJson(), options, CODECS));
        }
        model = MODELS.get(MiniLm.INT8);
        pipeline = PIPELINES.get(MiniLm.INT8);
    }

    @AfterAll
    static void close() {
        PIPELINES.values().forEach(Pipeline::close);
    }

    static Stream<Arguments> variants() {
        // Without perSequence the int8 model measured 0.986-0.992 here; with it, the same as the direct run.
        return Stream.of(Arguments.of(MiniLm.FP32, 0.9999), Arguments.of(MiniLm.INT8, 0.9999));
    }

    @ParameterizedTest
    @MethodSource("variants")
    void embeddingsMatchTheModelRunDirectlyOnEachSentence(MiniLm variant, double minimumCosine) throws Exception {
        float[][] expected = reference(variant, true);

        float[][] actual = embed(PIPELINES.get(variant), SENTENCES);

        assertThat(actual).hasNumberOfRows(SENTENCES.size());
        for (int i = 0; i < SENTENCES.size(); i++) {
            assertThat(actual[i]).hasSize(MiniLm.HIDDEN);
            assertThat(cosine(actual[i], expected[i])).as("%s cosine of sentence %d", variant, i)
                    .isGreaterThanOrEqualTo(minimumCosine);
            assertThat(norm(actual[i])).isCloseTo(1.0, within(1e-5));
        }
        for (int i = 0; i < SENTENCES.size(); i++) {
            for (int j = i + 1; j < SENTENCES.size(); j++) {
                assertThat(cosine(actual[i], actual[j])).as("sentences %d and %d", i, j).isLessThan(0.99);
            }
        }
        // Related sentences land closer than unrelated ones: the model is actually doing its job.
        assertThat(cosine(actual[0], actual[1])).isGreaterThan(cosine(actual[0], actual[2]));
    }

    @Test
    void answersTheFlatJsonFormWithOneVectorPerText() throws Exception {
        InferenceResponse response = pipeline.invoke(request("{\"inputs\":[\"a cat sits\",\"a kitten sat\"]}"))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);

        JsonNode body = JSON.readTree(response.body());
        assertThat(response.contentType()).isEqualTo("application/json");
        assertThat(body.properties()).hasSize(1);
        assertThat(body.get("embeddings")).hasSize(2);
        assertThat(body.get("embeddings").get(0)).hasSize(384);
        assertThat(body.get("embeddings").get(1)).hasSize(384);
        assertThat(response.modelLatencyNanos()).isPositive();
    }

    @Test
    void externalSignatureIsTextsInVectorsOut() {
        assertThat(pipeline.signature()).isEqualTo(new ModelSignature(
                List.of(new TensorSpec("inputs", DataType.BYTES, new long[] {-1})),
                List.of(new TensorSpec("embeddings", DataType.FP32, new long[] {-1, 384}))));
    }

    @Test
    void withoutNormalisationTheVectorsAreThePlainMeans() throws Exception {
        float[][] expected = reference(MiniLm.FP32, false);
        try (Pipeline raw = Pipelines.sentenceEmbedding("raw", MODELS.get(MiniLm.FP32), MiniLm.FP32.tokenizerJson(),
                Map.of(Pipelines.OPTION_NORMALIZE, "false", Pipelines.OPTION_MAX_LENGTH, "128"), CODECS)) {
            float[][] actual = embed(raw, SENTENCES);

            for (int i = 0; i < SENTENCES.size(); i++) {
                assertThat(cosine(actual[i], expected[i])).isGreaterThanOrEqualTo(0.9999);
                assertThat(norm(actual[i])).isCloseTo(norm(expected[i]), within(1e-3 * norm(expected[i])));
            }
        }
    }

    @Test
    void badTextsAreValidationErrorsThatNeverReachTheModel() {
        int before = model.calls();

        assertThat(failure(pipeline.invoke(request("{\"inputs\":[]}"))).code())
                .isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(failure(pipeline.invoke(request("{\"inputs\":[\"ok\", 7]}"))).code())
                .isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(failure(pipeline.invoke(request("{\"texts\":[\"ok\"]}"))).code())
                .isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(model.calls()).isEqualTo(before);
    }

    @Test
    void aClosedPipelineHasReleasedItsTokenizer() {
        Pipeline closing = Pipelines.sentenceEmbedding("closing", model, MiniLm.INT8.tokenizerJson(), Map.of(), CODECS);
        closing.close();

        assertThat(failure(closing.invoke(request("{\"inputs\":[\"a cat sits\"]}"))).code())
                .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(closing.preProcessors().getFirst()).isInstanceOfSatisfying(AutoCloseable.class,
                tokenizer -> assertThatThrownBy(() -> ((Processor) tokenizer).process(Map.of("inputs",
                        Tensor.ofStrings(new long[] {1}, new byte[][] {{'a'}}))))
                        .isInstanceOfSatisfying(SluiceException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE)));
    }

    @Test
    void configurationMistakesFailAtLoadTimeNamingTheProblem() {
        TensorModel noMask = new TensorModel() {
            @Override
            public String name() {
                return "no-mask";
            }

            @Override
            public ModelSignature signature() {
                return new ModelSignature(List.of(new TensorSpec("input_ids", DataType.INT64, new long[] {-1, -1})),
                        List.of(new TensorSpec("last_hidden_state", DataType.FP32, new long[] {-1, -1, 8})));
            }

            @Override
            public CompletionStage<Map<String, Tensor>> infer(Map<String, Tensor> inputs) {
                return CompletableFuture.failedFuture(new AssertionError("not called"));
            }
        };

        assertThatThrownBy(() -> Pipelines.sentenceEmbedding("x", model, MiniLm.INT8.tokenizerJson(),
                Map.of("maxLenght", "64"), CODECS)).hasMessageContaining("maxLenght");
        assertThatThrownBy(() -> Pipelines.sentenceEmbedding("x", model, MiniLm.INT8.tokenizerJson(),
                Map.of(Pipelines.OPTION_POOLING, "max"), CODECS)).hasMessageContaining("pooling");
        assertThatThrownBy(() -> Pipelines.sentenceEmbedding("x", model, MiniLm.INT8.tokenizerJson(),
                Map.of(Pipelines.OPTION_TOKEN_EMBEDDINGS, "nope"), CODECS)).hasMessageContaining("'nope'");
        assertThatThrownBy(() -> Pipelines.sentenceEmbedding("x", noMask, MiniLm.INT8.tokenizerJson(), Map.of(), CODECS))
                .hasMessageContaining("attention_mask");
        assertThatThrownBy(() -> Pipelines.sentenceEmbedding("x", model,
                MiniLm.INT8.tokenizerJson().resolveSibling("missing.json"), Map.of(), CODECS))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void clsPoolingTakesTheFirstTokensVector() throws Exception {
        try (Pipeline cls = Pipelines.sentenceEmbedding("cls", MODELS.get(MiniLm.FP32), MiniLm.FP32.tokenizerJson(),
                Map.of(Pipelines.OPTION_POOLING, "cls", Pipelines.OPTION_NORMALIZE, "false"), CODECS)) {
            float[] actual = embed(cls, List.of("a cat sits"))[0];
            float[][] tokens = runAlone(MiniLm.FP32, "a cat sits");

            assertThat(cosine(actual, tokens[0])).isGreaterThanOrEqualTo(0.9999);
        }
    }

    // --- the reference, written out without any pipeline code ---

    private static float[][] reference(MiniLm variant, boolean normalize) throws Exception {
        float[][] out = new float[SENTENCES.size()][];
        for (int s = 0; s < SENTENCES.size(); s++) {
            float[][] tokens = runAlone(variant, SENTENCES.get(s));
            float[] mean = new float[MiniLm.HIDDEN];
            for (float[] token : tokens) {
                for (int h = 0; h < MiniLm.HIDDEN; h++) {
                    mean[h] += token[h] / tokens.length;
                }
            }
            if (normalize) {
                double n = norm(mean);
                for (int h = 0; h < mean.length; h++) {
                    mean[h] /= (float) n;
                }
            }
            out[s] = mean;
        }
        return out;
    }

    /** Token embeddings [L][H] of one sentence, tokenised alone: no padding, the mask is all ones. */
    private static float[][] runAlone(MiniLm variant, String sentence) throws Exception {
        Map<String, String> options = Map.of("padding", "false", "truncation", "true", "maxLength", "256");
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(variant.tokenizerJson(), options)) {
            Encoding encoding = tokenizer.encode(sentence);
            long[] ids = encoding.getIds();
            long[] shape = {1, ids.length};
            assertThat(encoding.getAttentionMask()).containsOnly(1);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession session = variant.session();
            Map<String, OnnxTensor> feeds = new HashMap<>();
            feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(encoding.getAttentionMask()),
                    shape));
            if (session.getInputNames().contains("token_type_ids")) {
                feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]),
                        shape));
            }
            try (OrtSession.Result result = session.run(feeds)) {
                float[][][] hidden = (float[][][]) result.get(0).getValue();
                return hidden[0];
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
    }

    // --- helpers ---

    private static float[][] embed(Pipeline target, List<String> sentences) throws Exception {
        String body = JSON.writeValueAsString(Map.of("inputs", sentences));
        InferenceResponse response = target.invoke(request(body)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        return JSON.readValue(response.body(), EmbeddingsBody.class).embeddings();
    }

    record EmbeddingsBody(float[][] embeddings) {
    }

    private static InferenceRequest request(String json) {
        return InferenceRequest.of(json.getBytes(StandardCharsets.UTF_8), "application/json", null);
    }

    private static SluiceException failure(CompletionStage<InferenceResponse> stage) {
        try {
            stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SluiceException.class);
            return (SluiceException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}
