package dev.sluice.pipeline.processors.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.spi.EncodedPayload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code sluice/classifier} computes and how it writes responses. */
class ClassifierProcessorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> RGB = List.of("red", "green", "blue");

    private static ClassifierProcessor classifier(Activation activation, int topK, List<String> labels,
                                                  boolean outputProbabilities) {
        return new ClassifierProcessor("scores", new ClassifierProcessor.Settings("logits", activation, topK, labels,
                labels.isEmpty() ? null : "Environment.LABELS", outputProbabilities));
    }

    private static Map<String, Tensor> logits(int rows, int classes, float... values) {
        return Map.of("logits", Tensor.ofFloats(new long[] {rows, classes}, values));
    }

    private static List<String> strings(Tensor t) {
        return Arrays.stream(t.strings()).map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    private static double[] softmax(double... x) {
        double max = Arrays.stream(x).max().orElseThrow();
        double[] e = Arrays.stream(x).map(v -> Math.exp(v - max)).toArray();
        double sum = Arrays.stream(e).sum();
        return Arrays.stream(e).map(v -> v / sum).toArray();
    }

    @Test
    void softmaxGivesLabelsProbabilitiesAndTopK() {
        Map<String, Tensor> out = classifier(Activation.SOFTMAX, 2, RGB, false)
                .process(logits(2, 3, 2f, 1f, 0.1f, -1f, 3f, 0.5f));
        double[] row0 = softmax(2, 1, 0.1);
        double[] row1 = softmax(-1, 3, 0.5);
        assertThat(out.keySet()).containsExactly("label", "probability", "probabilities", "top_k_labels",
                "top_k_probabilities");
        assertThat(out.get("label").shape()).containsExactly(2);
        assertThat(strings(out.get("label"))).containsExactly("red", "green");
        assertThat(out.get("probability").floats()).containsExactly(new float[] {(float) row0[0], (float) row1[1]},
                within(1e-7f));
        assertThat(out.get("probabilities").shape()).containsExactly(2, 3);
        assertThat(out.get("probabilities").floats()).containsExactly(new float[] {(float) row0[0], (float) row0[1],
                (float) row0[2], (float) row1[0], (float) row1[1], (float) row1[2]}, within(1e-7f));
        assertThat(out.get("top_k_labels").shape()).containsExactly(2, 2);
        assertThat(strings(out.get("top_k_labels"))).containsExactly("red", "green", "green", "blue");
        assertThat(out.get("top_k_probabilities").floats()).containsExactly(new float[] {(float) row0[0],
                (float) row0[1], (float) row1[1], (float) row1[2]}, within(1e-7f));
        assertThat(out.get("top_k_probabilities").type()).isEqualTo(DataType.FP32);
    }

    @Test
    void aRankOneTensorIsOneRow() {
        Map<String, Tensor> out = classifier(Activation.SOFTMAX, 1, RGB, false)
                .process(Map.of("logits", Tensor.ofFloats(new long[] {3}, new float[] {0f, 0f, 5f})));
        assertThat(out.get("label").shape()).containsExactly(1);
        assertThat(strings(out.get("label"))).containsExactly("blue");
        assertThat(out.get("probabilities").shape()).containsExactly(1, 3);
    }

    @Test
    void fp16Fp64AndIntegerScoresGiveTheSameResultAsFp32() {
        float[] values = {0.5f, -2f, 1.25f, 4f, 0f, -0.75f};
        ClassifierProcessor classifier = classifier(Activation.SOFTMAX, 3, RGB, false);
        Map<String, Tensor> fp32 = classifier.process(logits(2, 3, values));
        double[] doubles = new double[values.length];
        short[] halves = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
            halves[i] = Float.floatToFloat16(values[i]);
        }
        for (Tensor t : List.of(Tensor.of(DataType.FP64, new long[] {2, 3}, doubles),
                Tensor.of(DataType.FP16, new long[] {2, 3}, halves))) {
            Map<String, Tensor> out = classifier.process(Map.of("logits", t));
            assertThat(out.get("probabilities").floats()).as(t.toString())
                    .containsExactly(fp32.get("probabilities").floats(), within(1e-7f));
            assertThat(strings(out.get("top_k_labels"))).isEqualTo(strings(fp32.get("top_k_labels")));
        }
        Map<String, Tensor> ints = classifier.process(Map.of("logits", Tensor.ofLongs(new long[] {1, 3}, new long[] {1, 3, 2})));
        assertThat(strings(ints.get("top_k_labels"))).containsExactly("green", "blue", "red");
    }

    @Test
    void largeLogitsStayFinite() {
        Map<String, Tensor> out = classifier(Activation.SOFTMAX, 1, RGB, false)
                .process(logits(2, 3, 1000f, 999f, -1000f, 3e38f, -3e38f, 3e38f));
        for (float p : out.get("probabilities").floats()) {
            assertThat(p).isBetween(0f, 1f);
        }
        assertThat(out.get("probabilities").floats()[0]).isCloseTo((float) (1 / (1 + Math.exp(-1))), within(1e-6f));
        assertThat(strings(out.get("label"))).containsExactly("red", "red");
        assertThat(out.get("probabilities").floats()[3]).isEqualTo(0.5f);
    }

    @Test
    void sigmoidScoresEachClassOnItsOwn() {
        Map<String, Tensor> out = classifier(Activation.SIGMOID, 2, RGB, false)
                .process(logits(1, 3, 2f, -1f, 40f));
        float[] p = out.get("probabilities").floats();
        assertThat(p).containsExactly(new float[] {(float) (1 / (1 + Math.exp(-2))), (float) (1 / (1 + Math.exp(1))),
                1f}, within(1e-7f));
        assertThat(strings(out.get("top_k_labels"))).containsExactly("blue", "red");
        assertThat(strings(out.get("label"))).containsExactly("blue");
        // Large negative scores go through exp(s)/(1+exp(s)): tiny, not 0/0.
        Map<String, Tensor> tiny = classifier(Activation.SIGMOID, 1, List.of(), false).process(logits(1, 1, -800f));
        assertThat(tiny.get("probability").floats()[0]).isEqualTo(0f);
        assertThat(classifier(Activation.SIGMOID, 1, List.of(), false).process(logits(1, 1, -30f))
                .get("probability").floats()[0]).isCloseTo((float) Math.exp(-30), within(1e-20f));
    }

    @Test
    void noneTakesTheScoresAsProbabilities() {
        Map<String, Tensor> out = classifier(Activation.NONE, 3, RGB, false).process(logits(1, 3, 0.2f, 0.7f, 0.1f));
        assertThat(out.get("probabilities").floats()).containsExactly(0.2f, 0.7f, 0.1f);
        assertThat(strings(out.get("top_k_labels"))).containsExactly("green", "red", "blue");
        assertThat(out.get("top_k_probabilities").floats()).containsExactly(0.7f, 0.2f, 0.1f);
    }

    @Test
    void topKIsCappedAtTheClassCountAndTiesKeepClassOrder() {
        Map<String, Tensor> out = classifier(Activation.SOFTMAX, 10, RGB, false).process(logits(1, 3, 1f, 3f, 3f));
        assertThat(out.get("top_k_labels").shape()).containsExactly(1, 3);
        assertThat(strings(out.get("top_k_labels"))).containsExactly("green", "blue", "red");
        assertThat(strings(out.get("label"))).containsExactly("green");
    }

    @Test
    void rankingMoreThanSixteenClassesSortsStably() {
        int classes = 40;
        float[] values = new float[classes];
        for (int i = 0; i < classes; i++) {
            values[i] = i % 5;
        }
        Map<String, Tensor> out = classifier(Activation.SOFTMAX, 20, List.of(), false).process(logits(1, classes, values));
        assertThat(strings(out.get("top_k_labels"))).startsWith("4", "9", "14", "19", "24", "29", "34", "39", "3", "8");
        assertThat(out.get("top_k_probabilities").floats()).isSortedAccordingTo((a, b) -> Float.compare(b, a));
    }

    @Test
    void withoutLabelsTheLabelIsTheClassIndex() {
        Map<String, Tensor> out = classifier(Activation.SOFTMAX, 2, List.of(), false).process(logits(2, 3, 0f, 0f, 9f, 9f, 0f, 0f));
        assertThat(strings(out.get("label"))).containsExactly("2", "0");
        assertThat(strings(out.get("top_k_labels"))).containsExactly("2", "0", "0", "1");
    }

    @Test
    void readsTheConfiguredInputAndIgnoresOtherTensors() {
        ClassifierProcessor classifier = new ClassifierProcessor("scores", new ClassifierProcessor.Settings("scores",
                Activation.SOFTMAX, 1, List.of("a", "b"), "Environment.LABELS", false));
        Map<String, Tensor> out = classifier.process(Map.of(
                "scores", Tensor.ofFloats(new long[] {1, 2}, new float[] {0f, 1f}),
                "logits", Tensor.ofFloats(new long[] {1, 2}, new float[] {1f, 0f})));
        assertThat(strings(out.get("label"))).containsExactly("b");
    }

    @Test
    void aLabelCountThatDoesNotMatchTheClassesIsAClearError() {
        assertThatThrownBy(() -> classifier(Activation.SOFTMAX, 1, List.of("stay", "churn"), false)
                .process(logits(1, 3, 1f, 2f, 3f)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("container 'scores': 2 labels (Environment.LABELS) but 'logits' has 3 classes (shape [1, 3]); "
                        + "give one label per class");
    }

    @Test
    void nonFiniteScoresAreAValidationErrorNamingTheRow() {
        ClassifierProcessor classifier = classifier(Activation.SOFTMAX, 1, RGB, false);
        assertThatThrownBy(() -> classifier.process(logits(3, 3, 0f, 0f, 0f, 0f, 0f, 0f, 1f, Float.NaN, 2f)))
                .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR))
                .hasMessage("row 3 of 3: 'logits' holds NaN for class 1 ('green'); the classifier needs finite scores");
        assertThatThrownBy(() -> classifier.process(logits(1, 3, Float.NEGATIVE_INFINITY, 0f, 0f)))
                .hasMessageContaining("row 1 of 1: 'logits' holds -Infinity for class 0 ('red')");
        assertThatThrownBy(() -> classifier(Activation.NONE, 1, List.of(), false).process(logits(1, 2, 0f, Float.POSITIVE_INFINITY)))
                .hasMessageContaining("holds Infinity for class 1;");
    }

    @Test
    void wrongInputsAreWiringErrors() {
        ClassifierProcessor classifier = classifier(Activation.SOFTMAX, 1, List.of(), false);
        assertThatThrownBy(() -> classifier.process(Map.of("other", Tensor.ofFloats(new long[] {1, 2}, new float[2]))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs tensor 'logits'");
        assertThatThrownBy(() -> classifier.process(Map.of("logits", Tensor.ofStrings(new long[] {1}, new byte[][] {{'a'}}))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("numeric scores").hasMessageContaining("BYTES");
        assertThatThrownBy(() -> classifier.process(Map.of("logits", Tensor.ofFloats(new long[] {1, 1, 2}, new float[2]))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("[1, 1, 2]");
        assertThatThrownBy(() -> classifier.process(Map.of("logits", Tensor.ofFloats(new long[] {2, 0}, new float[0]))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("has no classes");
    }

    @Test
    void zeroRowsGiveEmptyOutputs() {
        ClassifierProcessor classifier = classifier(Activation.SOFTMAX, 2, RGB, false);
        Map<String, Tensor> out = classifier.process(logits(0, 3));
        assertThat(out.get("top_k_labels").shape()).containsExactly(0, 2);
        assertThat(new String(classifier.encode(out, null, Map.of()).body(), StandardCharsets.UTF_8)).isEqualTo("[]");
    }

    // ------------------------------------------------------------------------------------------------- encode

    private static final ClassifierProcessor TOP2 = classifier(Activation.NONE, 2, RGB, false);
    private static final Map<String, Tensor> TWO_ROWS = TOP2.process(logits(2, 3, 0.91f, 0.06f, 0.03f, 0.2f, 0.3f, 0.5f));

    private static String body(EncodedPayload payload) {
        return new String(payload.body(), StandardCharsets.UTF_8);
    }

    @Test
    void jsonIsTheDefault() throws IOException {
        for (String accept : new String[] {null, "", "*/*", "application/*", "application/json",
                "application/json; charset=utf-8", "text/html;q=0.9, */*;q=0.1"}) {
            EncodedPayload payload = TOP2.encode(TWO_ROWS, accept, Map.of());
            assertThat(payload.contentType()).as(accept).isEqualTo("application/json");
            assertThat(JSON.readTree(payload.body())).isEqualTo(JSON.readTree("""
                    [{"label":"red","probability":0.91,"top_k":[{"label":"red","probability":0.91},{"label":"green","probability":0.06}]},
                     {"label":"blue","probability":0.5,"top_k":[{"label":"blue","probability":0.5},{"label":"green","probability":0.3}]}]
                    """));
        }
        assertThat(body(TOP2.encode(TWO_ROWS, null, Map.of()))).startsWith(
                "[{\"label\":\"red\",\"probability\":0.91,\"top_k\":[{\"label\":\"red\",\"probability\":0.91},");
    }

    @Test
    void instancesRequestsGetPredictionsAsJsonCodecWritesThem() throws IOException {
        JsonNode json = JSON.readTree(TOP2.encode(TWO_ROWS, "application/json",
                Map.of(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES)).body());
        assertThat(json.fieldNames()).toIterable().containsExactly("predictions");
        assertThat(json.get("predictions")).hasSize(2);
        assertThat(json.get("predictions").get(1).get("label").asText()).isEqualTo("blue");
        // Other styles keep the classifier's own array.
        assertThat(JSON.readTree(TOP2.encode(TWO_ROWS, null, Map.of(DecodedPayload.HINT_STYLE,
                DecodedPayload.STYLE_INPUTS)).body()).isArray()).isTrue();
    }

    @Test
    void anOpenInferenceProtocolRequestLeavesTheResponseToTheCodecs() {
        Map<String, String> v2 = Map.of(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_V2);
        assertThat(TOP2.encode(TWO_ROWS, "application/json", v2)).isNull();
        assertThat(TOP2.encode(TWO_ROWS, "text/csv", v2).contentType()).isEqualTo("text/csv");
    }

    @Test
    void outputProbabilitiesAddsEveryClassToJson() throws IOException {
        ClassifierProcessor classifier = classifier(Activation.NONE, 1, RGB, true);
        JsonNode json = JSON.readTree(classifier.encode(classifier.process(logits(1, 3, 0.2f, 0.7f, 0.1f)), null, Map.of()).body());
        assertThat(json.get(0).get("probabilities").toString()).isEqualTo("[0.2,0.7,0.1]");
        assertThat(json.get(0).get("top_k")).hasSize(1);
    }

    @Test
    void jsonLinesWritesOneRecordPerLine() throws IOException {
        for (String accept : new String[] {"application/jsonlines", "application/x-jsonlines", "application/jsonl"}) {
            EncodedPayload payload = TOP2.encode(TWO_ROWS, accept, Map.of());
            assertThat(payload.contentType()).isEqualTo(accept);
            String[] lines = body(payload).split("\n", -1);
            assertThat(lines).hasSize(3);
            assertThat(lines[2]).isEmpty();
            assertThat(JSON.readTree(lines[0]).get("label").asText()).isEqualTo("red");
            assertThat(JSON.readTree(lines[1]).get("top_k").get(1).get("label").asText()).isEqualTo("green");
        }
    }

    @Test
    void csvWritesLabelAndProbabilityPerRow() {
        EncodedPayload payload = TOP2.encode(TWO_ROWS, "text/csv", Map.of());
        assertThat(payload.contentType()).isEqualTo("text/csv");
        assertThat(body(payload)).isEqualTo("red,0.91\nblue,0.5\n");
        assertThat(TOP2.encode(TWO_ROWS, "text/*", Map.of()).contentType()).isEqualTo("text/csv");
    }

    @Test
    void csvWithOutputProbabilitiesAppendsEveryClassInLabelOrder() {
        ClassifierProcessor classifier = classifier(Activation.NONE, 2, RGB, true);
        assertThat(body(classifier.encode(classifier.process(logits(2, 3, 0.91f, 0.06f, 0.03f, 0.2f, 0.3f, 0.5f)),
                "text/csv", Map.of()))).isEqualTo("red,0.91,0.91,0.06,0.03\nblue,0.5,0.2,0.3,0.5\n");
    }

    @Test
    void csvQuotesLabelsThatNeedIt() {
        ClassifierProcessor classifier = classifier(Activation.NONE, 1, List.of("a, b", "say \"hi\"", " pad", "plain"), false);
        Map<String, Tensor> out = classifier.process(logits(4, 4, 1f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 1f, 0f,
                0f, 0f, 0f, 1f));
        assertThat(body(classifier.encode(out, "text/csv", Map.of())))
                .isEqualTo("\"a, b\",1.0\n\"say \"\"hi\"\"\",1.0\n\" pad\",1.0\nplain,1.0\n");
    }

    @Test
    void acceptFollowsQValues() {
        assertThat(TOP2.encode(TWO_ROWS, "text/csv;q=0.5, application/json;q=0.9", Map.of()).contentType())
                .isEqualTo("application/json");
        assertThat(TOP2.encode(TWO_ROWS, "application/json;q=0.2, text/csv", Map.of()).contentType())
                .isEqualTo("text/csv");
        assertThat(TOP2.encode(TWO_ROWS, "application/json;q=0, text/csv;q=0.1", Map.of()).contentType())
                .isEqualTo("text/csv");
        assertThat(TOP2.encode(TWO_ROWS, "image/png, application/jsonlines;q=0.3", Map.of()).contentType())
                .isEqualTo("application/jsonlines");
    }

    @Test
    void unsupportedAcceptIsNotAcceptableListingTheSupportedTypes() {
        for (String accept : new String[] {"application/x-npy", "image/png, text/html", "application/json;q=0"}) {
            assertThatThrownBy(() -> TOP2.encode(TWO_ROWS, accept, Map.of()))
                    .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE))
                    .hasMessage("Accept '" + accept + "' is not supported by the classifier; use one of "
                            + "[application/json, application/jsonlines, text/csv]");
        }
    }

    @Test
    void encodingWithoutTheClassifierOutputsIsAWiringError() {
        assertThatThrownBy(() -> TOP2.encode(Map.of("logits", Tensor.ofFloats(new long[] {1, 3}, new float[3])), null, Map.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("output 'label'");
    }
}
