package dev.sluice.pipeline.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.ContainerPipeline;
import dev.sluice.pipeline.processors.classifier.ClassifierProvider;
import dev.sluice.pipeline.processors.tabular.TabularProvider;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.EncodedPayload;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.testing.OrtTensorModel;
import dev.sluice.pipeline.testing.TabularFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/tabular-churn} as committed: the model file is what the fixture writes, and the three containers of
 * its pipeline.yaml — tabular features, the ONNX model, the classifier — turn customers.csv into the scores worked
 * out by hand.
 */
class TabularChurnExampleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path example;
    private static Map<String, ContainerProcessor> processors;
    private static OrtSession session;
    private static OrtTensorModel model;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("examples/tabular-churn"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root with examples/tabular-churn").isNotNull();
        example = dir.resolve("examples/tabular-churn");
        processors = new HashMap<>();
        JsonNode pipeline = new YAMLMapper().readTree(example.resolve("pipeline.yaml").toFile());
        assertThat(pipeline.path("InferenceExecutionConfig").path("Mode").asText()).isEqualTo("Serial");
        List<String> images = new java.util.ArrayList<>();
        for (JsonNode container : pipeline.get("Containers")) {
            String image = container.get("Image").asText();
            images.add(image);
            Path modelData = example.resolve(container.get("ModelDataUrl").asText());
            Map<String, String> environment = new LinkedHashMap<>();
            container.path("Environment").properties().forEach(e -> environment.put(e.getKey(), e.getValue().asText()));
            ProcessorContext context = new ProcessorContext(container.get("ContainerHostname").asText(), environment,
                    modelData, CodecRegistry.standard());
            switch (image) {
                case "sluice/tabular" -> processors.put(image, new TabularProvider().create(context));
                case "sluice/classifier" -> processors.put(image, new ClassifierProvider().create(context));
                case "sluice/onnx" -> {
                    assertThat(modelData).isEqualTo(example.resolve("model/model.onnx"));
                    session = OrtEnvironment.getEnvironment().createSession(modelData.toString(), new OrtSession.SessionOptions());
                    model = new OrtTensorModel("churn", session);
                }
                default -> throw new AssertionError("unexpected image " + image);
            }
        }
        assertThat(images).containsExactly("sluice/tabular", "sluice/onnx", "sluice/classifier");
    }

    @AfterAll
    static void close() throws Exception {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void committedModelIsWhatTheFixtureWrites() throws Exception {
        assertThat(Files.readAllBytes(example.resolve("model/model.onnx")))
                .as("examples/tabular-churn/model/model.onnx is stale: run TabularFixture.main from the repository root")
                .isEqualTo(TabularFixture.modelBytes());
        assertThat(Files.readAllLines(example.resolve("model/labels.txt"))).isEqualTo(TabularFixture.LABELS);
        assertThat(model.signature().inputs().get(0).shape()).containsExactly(-1, TabularFixture.FEATURE_COUNT);
        assertThat(processors.get("sluice/tabular").signature().output("input").orElseThrow().shape())
                .containsExactly(-1, TabularFixture.FEATURE_COUNT);
    }

    /** customers.csv through the three containers, as the pipeline runs them. */
    private static Map<String, Tensor> score() throws Exception {
        ContainerProcessor features = processors.get("sluice/tabular");
        DecodedPayload decoded = features.decode(Files.readAllBytes(example.resolve("customers.csv")), "text/csv");
        Map<String, Tensor> input = features.process(decoded.inputs());
        Map<String, Tensor> logits = model.infer(Map.of("input", input.get("input"))).toCompletableFuture().get();
        return processors.get("sluice/classifier").process(logits);
    }

    /** The features of one customer, from the numbers in features.json. */
    private static float[] features(double tenure, double charges, int contract, double calls) {
        float[] x = new float[6];
        x[0] = (float) ((tenure - 32) / 24);
        x[1] = (float) ((charges - 65) / 30);
        x[2 + contract] = 1f;
        x[5] = (float) ((calls - 1) / 1.2);
        return x;
    }

    @Test
    void scoresEveryCustomerAsWorkedOutByHand() throws Exception {
        Map<String, Tensor> out = score();
        // C-1001: 2 months, 89.95 a month, month-to-month, 3 support calls:
        // z = -0.9 - 1.2·(-1.25) + 0.7·0.83167 + 1.1 + 0.5·1.66667 = 3.11550, P(churn) = 1 / (1 + e^-3.1155) = 0.95753
        // C-1002: 60 months, 45.50, two-year, no calls:
        // z = -0.9 - 1.2·1.16667 + 0.7·(-0.65) - 1.6 + 0.5·(-0.83333) = -4.77167, P(stay) = 0.99160
        List<String> labels = strings(out.get("label"));
        assertThat(labels).containsExactly("churn", "stay", "stay", "churn", "churn", "churn");
        float[] probability = out.get("probability").floats();
        assertThat(probability[0]).isCloseTo(0.9575276f, within(2e-6f));
        assertThat(probability[1]).isCloseTo(0.9916048f, within(2e-6f));

        // Every row against the fixture's weights applied to features computed here from features.json's numbers;
        // C-1004 leaves support_calls empty (default 0), C-1006 leaves contract empty (default month-to-month).
        float[][] rows = {features(2, 89.95, 0, 3), features(60, 45.50, 2, 0), features(14, 70.00, 1, 1),
                features(36, 104.20, 0, 0), features(8, 25.10, 0, 5), features(48, 99.00, 0, 1)};
        float[] probabilities = out.get("probabilities").floats();
        for (int r = 0; r < rows.length; r++) {
            double z = TabularFixture.referenceLogits(rows[r])[1];
            double churn = 1 / (1 + Math.exp(-z));
            assertThat(probabilities[r * 2]).as("row %d stay", r + 1).isCloseTo((float) (1 - churn), within(2e-6f));
            assertThat(probabilities[r * 2 + 1]).as("row %d churn", r + 1).isCloseTo((float) churn, within(2e-6f));
            assertThat(labels.get(r)).isEqualTo(churn > 0.5 ? "churn" : "stay");
        }
        assertThat(strings(out.get("top_k_labels"))).startsWith("churn", "stay", "stay", "churn");
    }

    @Test
    void csvResponseHasOneLinePerCustomerWithEveryClassProbability() throws Exception {
        EncodedPayload csv = processors.get("sluice/classifier").encode(score(), "text/csv", Map.of());
        assertThat(csv.contentType()).isEqualTo("text/csv");
        String[] lines = new String(csv.body(), StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(6);
        String[] first = lines[0].split(",");
        assertThat(first[0]).isEqualTo("churn");
        assertThat(Float.parseFloat(first[1])).isCloseTo(0.9575276f, within(2e-6f));
        assertThat(Float.parseFloat(first[2])).isCloseTo(0.0424724f, within(2e-6f));
        assertThat(Float.parseFloat(first[3])).isCloseTo(0.9575276f, within(2e-6f));
        for (String line : lines) {
            assertThat(line.split(",")).hasSize(4);
        }
        assertThat(lines[1]).startsWith("stay,0.99160");
    }

    @Test
    void jsonResponseListsTheTopTwoPerCustomer() throws Exception {
        EncodedPayload json = processors.get("sluice/classifier").encode(score(), "*/*", Map.of());
        assertThat(json.contentType()).isEqualTo("application/json");
        JsonNode body = JSON.readTree(json.body());
        assertThat(body).hasSize(6);
        JsonNode second = body.get(1);
        assertThat(second.get("label").asText()).isEqualTo("stay");
        assertThat(second.get("top_k")).hasSize(2);
        assertThat(second.get("top_k").get(1).get("label").asText()).isEqualTo("churn");
        assertThat(second.get("top_k").get(1).get("probability").asDouble()).isCloseTo(0.0083952, within(2e-6));
        assertThat(second.get("probabilities")).hasSize(2);
    }

    @Test
    void jsonRecordsScoreLikeTheirCsvRows() throws Exception {
        ContainerProcessor features = processors.get("sluice/tabular");
        DecodedPayload decoded = features.decode("""
                {"instances": [{"customer_id": "C-1001", "tenure_months": 2, "monthly_charges": 89.95,
                                "contract": "month-to-month", "support_calls": 3},
                               [60, 45.50, "two-year", 0]]}""".getBytes(StandardCharsets.UTF_8), "application/json");
        Map<String, Tensor> logits = model.infer(Map.of("input", features.process(decoded.inputs()).get("input")))
                .toCompletableFuture().get();
        ContainerProcessor classifier = processors.get("sluice/classifier");
        JsonNode body = JSON.readTree(classifier.encode(classifier.process(logits), "application/json",
                decoded.hints()).body());
        assertThat(body.get("predictions").get(0).get("label").asText()).isEqualTo("churn");
        assertThat(body.get("predictions").get(0).get("probability").asDouble()).isCloseTo(0.9575276, within(2e-6));
        assertThat(body.get("predictions").get(1).get("label").asText()).isEqualTo("stay");
    }

    /** The same three containers in the pipeline runner, bytes in and out as a client sees them. */
    @Test
    void runsInTheContainerPipeline() throws Exception {
        ContainerPipeline pipeline = new ContainerPipeline("churn", ContainerPipeline.Mode.SERIAL, List.of(
                new ContainerPipeline.ProcessorContainer("features", processors.get("sluice/tabular")),
                new ContainerPipeline.ModelContainer("model", model),
                new ContainerPipeline.ProcessorContainer("scores", processors.get("sluice/classifier"))),
                CodecRegistry.standard(), null, null);
        InferenceResponse csv = pipeline.invoke(InferenceRequest.of(Files.readAllBytes(example.resolve("customers.csv")),
                "text/csv", "text/csv")).toCompletableFuture().get();
        assertThat(csv.contentType()).isEqualTo("text/csv");
        String[] lines = new String(csv.body(), StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(6);
        assertThat(lines[0]).startsWith("churn,0.95752");
        InferenceResponse json = pipeline.invoke(InferenceRequest.of(
                "{\"instances\": [[60, 45.50, \"two-year\", 0]]}".getBytes(StandardCharsets.UTF_8), "application/json",
                null)).toCompletableFuture().get();
        assertThat(JSON.readTree(json.body()).get("predictions").get(0).get("label").asText()).isEqualTo("stay");
    }

    private static List<String> strings(Tensor t) {
        return java.util.Arrays.stream(t.strings()).map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }
}
