package dev.sluice.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sluice.pipeline.internal.TokenizerProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The committed text-classification example head ({@code examples/text-classification/model}) classifies sentences
 * it was not built from. Run with {@code -Dsluice.regenerate=true} to rewrite it from {@link TextClassifierFixture}.
 */
class TextClassifierFixtureTest {
    static final Path EXAMPLE = Path.of("..", "examples", "text-classification", "model");

    @Test
    void theCommittedHeadClassifiesUnseenSentencesByTopic() throws Exception {
        if (Boolean.getBoolean("sluice.regenerate")) {
            TextClassifierFixture.write(EXAMPLE);
        }
        assertThat(Files.readAllLines(EXAMPLE.resolve("labels.txt"))).isEqualTo(TextClassifierFixture.LABELS);
        Map<String, String> unseen = Map.of(
                "The goalkeeper saved a penalty in extra time.", "sports",
                "The bank reported record quarterly profits.", "finance",
                "Thunderstorms will hit the city this evening.", "weather",
                "Grill the salmon with lemon and herbs.", "food");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession head = env.createSession(EXAMPLE.resolve("model.onnx").toString(),
                new OrtSession.SessionOptions());
             TokenizerProcessor tokenizer = TokenizerProcessor.open(MiniLm.INT8.tokenizerJson(),
                     TokenizerProcessor.Settings.defaults("texts").withTokenTypeIds(true))) {
            OrtTensorModel model = new OrtTensorModel("minilm", MiniLm.INT8.session());
            for (Map.Entry<String, String> sentence : unseen.entrySet()) {
                float[] embedding = TextClassifierFixture.embed(tokenizer, model, sentence.getKey());
                try (OnnxTensor input = OnnxTensor.createTensor(env, new float[][] {embedding});
                     OrtSession.Result result = head.run(Map.of("embeddings", input))) {
                    float[] logits = ((float[][]) result.get(0).getValue())[0];
                    int best = 0;
                    for (int i = 1; i < logits.length; i++) {
                        best = logits[i] > logits[best] ? i : best;
                    }
                    assertThat(TextClassifierFixture.LABELS.get(best)).as(sentence.getKey())
                            .isEqualTo(sentence.getValue());
                    // Logits are cosine similarities times the temperature.
                    assertThat(logits[best]).isBetween(0f, TextClassifierFixture.TEMPERATURE);
                }
            }
        }
        assertThat(List.of(EXAMPLE.resolve("model.onnx"))).allMatch(Files::isRegularFile);
    }
}
