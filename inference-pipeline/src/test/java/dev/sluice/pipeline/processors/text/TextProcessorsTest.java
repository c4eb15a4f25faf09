package dev.sluice.pipeline.processors.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.ContainerPipeline;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.Pipelines;
import dev.sluice.pipeline.ProcessorRegistry;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.testing.MiniLm;
import dev.sluice.pipeline.testing.OrtTensorModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice/tokenizer} and {@code sluice/pooling} as containers around the real all-MiniLM-L6-v2 (fp32): the
 * three-container pipeline answers exactly what the built-in sentence-embedding pipeline answers.
 */
class TextProcessorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CodecRegistry CODECS = CodecRegistry.standard();
    private static final ProcessorRegistry REGISTRY = ProcessorRegistry.builtIn();
    private static OrtTensorModel encoder;
    private static ContainerProcessor tokenizer;
    private static ContainerProcessor pooling;
    private static ContainerPipeline pipeline;

    @BeforeAll
    static void load() {
        encoder = new OrtTensorModel("minilm", MiniLm.FP32.session());
        Path dir = MiniLm.FP32.tokenizerJson().getParent();
        tokenizer = REGISTRY.find("sluice/tokenizer:1.0").orElseThrow()
                .create(new ProcessorContext("tokenizer", Map.of("MAX_LENGTH", "128"), dir, CODECS));
        pooling = REGISTRY.find("sluice/pooling").orElseThrow()
                .create(new ProcessorContext("pooling", Map.of(), null, CODECS));
        pipeline = new ContainerPipeline("embed", ContainerPipeline.Mode.SERIAL, List.of(
                new ContainerPipeline.ProcessorContainer("tokenizer", tokenizer),
                new ContainerPipeline.ModelContainer("encoder", encoder),
                new ContainerPipeline.ProcessorContainer("pooling", pooling)), CODECS, null, null);
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    private static InferenceResponse invoke(ContainerPipeline target, String body) throws Exception {
        return target.invoke(InferenceRequest.of(body.getBytes(StandardCharsets.UTF_8), "application/json", null))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void threeContainersMatchTheBuiltInSentenceEmbeddingPipeline() throws Exception {
        String request = "{\"inputs\": [\"A cat sits on the mat.\", \"Stock markets fell sharply today.\"]}";
        JsonNode containers = JSON.readTree(invoke(pipeline, request).body());

        try (Pipeline builtIn = Pipelines.sentenceEmbedding("builtin", encoder, MiniLm.FP32.tokenizerJson(),
                Map.of("maxLength", "128"), CODECS)) {
            JsonNode reference = JSON.readTree(builtIn.invoke(InferenceRequest.of(
                    request.getBytes(StandardCharsets.UTF_8), "application/json", null))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS).body());
            assertThat(containers.get("embeddings")).hasSize(2);
            assertThat(containers.get("embeddings").get(0)).hasSize(MiniLm.HIDDEN);
            for (int row = 0; row < 2; row++) {
                for (int i = 0; i < MiniLm.HIDDEN; i++) {
                    assertThat(containers.get("embeddings").get(row).get(i).floatValue())
                            .isEqualTo(reference.get("embeddings").get(row).get(i).floatValue());
                }
            }
        }
        // L2-normalised.
        double norm = 0;
        for (JsonNode v : containers.get("embeddings").get(0)) {
            norm += v.doubleValue() * v.doubleValue();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void pairsAreEncodedAsOneSequenceWithSegmentIds() {
        ContainerProcessor pairs = REGISTRY.find("sluice/tokenizer").orElseThrow().create(new ProcessorContext("t",
                Map.of("PAIRS", "true"), MiniLm.FP32.tokenizerJson().getParent(), CODECS));
        try (pairs) {
            byte[][] texts = {"how old are you".getBytes(StandardCharsets.UTF_8),
                    "I am six".getBytes(StandardCharsets.UTF_8)};
            Map<String, Tensor> out = pairs.process(Map.of("inputs", Tensor.ofStrings(new long[] {1, 2}, texts)));
            long[] typeIds = out.get("token_type_ids").longs();
            long[] mask = out.get("attention_mask").longs();
            // [CLS] how old are you [SEP] i am six [SEP]: segment 0 for the first text, 1 for the second.
            assertThat(typeIds[0]).isZero();
            int ones = 0;
            for (int i = 0; i < typeIds.length; i++) {
                ones += typeIds[i] == 1 && mask[i] == 1 ? 1 : 0;
            }
            assertThat(ones).isEqualTo(4);
        }
    }

    @Test
    void paddingToMaxLengthAndInt32Ids() {
        ContainerProcessor fixed = REGISTRY.find("sluice/tokenizer").orElseThrow().create(new ProcessorContext("t",
                Map.of("PADDING", "max_length", "MAX_LENGTH", "32", "ID_TYPE", "int32", "TOKEN_TYPE_IDS", "false"),
                MiniLm.FP32.tokenizerJson().getParent(), CODECS));
        try (fixed) {
            Map<String, Tensor> out = fixed.process(Map.of("inputs", Tensor.ofStrings(new long[] {1},
                    new byte[][] {"short".getBytes(StandardCharsets.UTF_8)})));
            assertThat(out.get("input_ids").shape()).containsExactly(1, 32);
            assertThat(out.get("input_ids").type()).isEqualTo(DataType.INT32);
            assertThat(out).doesNotContainKey("token_type_ids");
            assertThat(fixed.signature().outputs()).hasSize(2);
        }
    }

    @Test
    void withoutTruncationALongTextIsTheClientsError() {
        ContainerProcessor strict = REGISTRY.find("sluice/tokenizer").orElseThrow().create(new ProcessorContext("t",
                Map.of("TRUNCATION", "false", "MAX_LENGTH", "8"), MiniLm.FP32.tokenizerJson().getParent(), CODECS));
        try (strict) {
            assertThatThrownBy(() -> strict.process(Map.of("inputs", Tensor.ofStrings(new long[] {1},
                    new byte[][] {"one two three four five six seven eight nine ten".getBytes(StandardCharsets.UTF_8)}))))
                    .isInstanceOf(SluiceException.class)
                    .satisfies(e -> assertThat(((SluiceException) e).code()).isEqualTo(ErrorCode.VALIDATION_ERROR))
                    .hasMessageContaining("more than the 8");
        }
    }

    @Test
    void clsPoolingTakesTheFirstToken() throws Exception {
        ContainerProcessor cls = REGISTRY.find("sluice/pooling").orElseThrow().create(new ProcessorContext("p",
                Map.of("POOLING", "cls", "NORMALIZE", "false"), null, CODECS));
        float[] hidden = {1, 2, 3, 4, 5, 6};
        Map<String, Tensor> out = cls.process(Map.of("last_hidden_state", Tensor.ofFloats(new long[] {1, 2, 3}, hidden),
                "attention_mask", Tensor.ofLongs(new long[] {1, 2}, new long[] {1, 1})));
        assertThat(out.get("embeddings").floats()).containsExactly(1, 2, 3);
    }

    @Test
    void badOptionsNameTheEnvironmentKey() {
        Path dir = MiniLm.FP32.tokenizerJson().getParent();
        assertThatThrownBy(() -> REGISTRY.find("sluice/tokenizer").orElseThrow().create(new ProcessorContext("tok",
                Map.of("PADDING", "sideways"), dir, CODECS)))
                .hasMessageContaining("container 'tok': Environment.PADDING must be longest or max_length");
        assertThatThrownBy(() -> REGISTRY.find("sluice/tokenizer").orElseThrow().create(new ProcessorContext("tok",
                Map.of(), null, CODECS))).hasMessageContaining("Environment.TOKENIZER is required");
        assertThatThrownBy(() -> REGISTRY.find("sluice/tokenizer").orElseThrow().create(new ProcessorContext("tok",
                Map.of("TOKENIZER", "../../etc/passwd"), dir, CODECS))).hasMessageContaining("outside the model");
        assertThatThrownBy(() -> REGISTRY.find("sluice/pooling").orElseThrow().create(new ProcessorContext("pool",
                Map.of("POOLING", "max"), null, CODECS))).hasMessageContaining("Environment.POOLING");
    }

    @Test
    void aBadTextIsReportedAgainstTheTokenizerContainer() {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> invoke(pipeline, "{\"inputs\": [1, 2]}"));
        SluiceException failure = SluiceException.from(e.getCause());
        assertThat(failure.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(failure.originalStatusCode()).isEqualTo(400);
        assertThat(failure.getMessage()).contains("container 'tokenizer' (1 of 3)");
    }
}
