package dev.sluice.pipeline.processors.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.spi.ProcessorProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The options of {@code sluice/classifier} and their errors at creation. */
class ClassifierProviderTest {
    @TempDir
    Path dir;

    private ClassifierProcessor create(Map<String, String> environment) {
        return create(environment, dir);
    }

    private static ClassifierProcessor create(Map<String, String> environment, Path modelDir) {
        return (ClassifierProcessor) new ClassifierProvider().create(
                new ProcessorContext("scores", environment, modelDir, CodecRegistry.standard()));
    }

    @Test
    void isFoundThroughTheServiceLoaderByItsImage() {
        assertThat(ServiceLoader.load(ProcessorProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.image().equals("sluice/classifier")).toList())
                .singleElement().isInstanceOf(ClassifierProvider.class);
        assertThat(new ClassifierProvider().description()).contains("ACTIVATION", "TOP_K", "LABELS");
    }

    @Test
    void defaults() {
        ClassifierProcessor.Settings settings = create(Map.of(), null).settings();
        assertThat(settings).isEqualTo(ClassifierProcessor.Settings.defaults());
        assertThat(settings.input()).isEqualTo("logits");
        assertThat(settings.activation()).isEqualTo(Activation.SOFTMAX);
        assertThat(settings.topK()).isEqualTo(1);
        assertThat(settings.labels()).isEmpty();
        assertThat(settings.outputProbabilities()).isFalse();
    }

    @Test
    void readsEveryOption() {
        ClassifierProcessor.Settings settings = create(Map.of("INPUT", "scores", "ACTIVATION", "SigMoid",
                "TOP_K", "3", "LABELS", " cat, dog ,bird,", "OUTPUT_PROBABILITIES", "yes")).settings();
        assertThat(settings.input()).isEqualTo("scores");
        assertThat(settings.activation()).isEqualTo(Activation.SIGMOID);
        assertThat(settings.topK()).isEqualTo(3);
        assertThat(settings.labels()).containsExactly("cat", "dog", "bird");
        assertThat(settings.labelsSource()).isEqualTo("Environment.LABELS");
        assertThat(settings.outputProbabilities()).isTrue();
        assertThat(create(Map.of("ACTIVATION", "none")).settings().activation()).isEqualTo(Activation.NONE);
    }

    @Test
    void signatureCarriesTheClassCountWhenLabelsAreKnown() {
        ClassifierProcessor labelled = create(Map.of("LABELS", "a,b,c", "TOP_K", "5"));
        assertThat(labelled.signature().inputs()).containsExactly(new TensorSpec("logits", DataType.FP32, new long[] {-1, 3}));
        assertThat(labelled.signature().outputs()).containsExactly(
                new TensorSpec("label", DataType.BYTES, new long[] {-1}),
                new TensorSpec("probability", DataType.FP32, new long[] {-1}),
                new TensorSpec("probabilities", DataType.FP32, new long[] {-1, 3}),
                new TensorSpec("top_k_labels", DataType.BYTES, new long[] {-1, 3}),
                new TensorSpec("top_k_probabilities", DataType.FP32, new long[] {-1, 3}));
        ClassifierProcessor unlabelled = create(Map.of());
        assertThat(unlabelled.signature().input("logits").orElseThrow().shape()).containsExactly(-1, -1);
        assertThat(unlabelled.signature().output("top_k_labels").orElseThrow().shape()).containsExactly(-1, -1);
    }

    @Test
    void labelsTxtInTheModelDirectoryIsTheDefault() throws IOException {
        Files.writeString(dir.resolve("labels.txt"), "\uFEFFstay\r\nchurn \r\n\n\n");
        ClassifierProcessor.Settings settings = create(Map.of()).settings();
        assertThat(settings.labels()).containsExactly("stay", "churn");
        assertThat(settings.labelsSource()).isEqualTo("labels.txt");
    }

    @Test
    void labelsJsonIsTheFallbackDefault() throws IOException {
        Files.writeString(dir.resolve("labels.json"), "[\"cat\", \"dog\", \"ça va\"]");
        assertThat(create(Map.of()).settings().labels()).containsExactly("cat", "dog", "ça va");
        Files.writeString(dir.resolve("labels.txt"), "one\ntwo\n");
        assertThat(create(Map.of()).settings().labels()).as("labels.txt wins").containsExactly("one", "two");
    }

    @Test
    void labelsFileNamesAnyFileInTheModelDirectory() throws IOException {
        Files.createDirectories(dir.resolve("meta"));
        Files.writeString(dir.resolve("meta/classes.json"), "[\"x\",\"y\"]");
        Files.writeString(dir.resolve("meta/classes.names"), "p\nq\nr\n");
        assertThat(create(Map.of("LABELS_FILE", "meta/classes.json")).settings().labels()).containsExactly("x", "y");
        assertThat(create(Map.of("LABELS_FILE", "meta/classes.names")).settings().labels()).containsExactly("p", "q", "r");
    }

    @Test
    void inlineLabelsWinOverADefaultFile() throws IOException {
        Files.writeString(dir.resolve("labels.txt"), "one\ntwo\n");
        assertThat(create(Map.of("LABELS", "a,b")).settings().labels()).containsExactly("a", "b");
    }

    @Test
    void withoutLabelsClassesAreNamedByIndex() {
        assertThat(create(Map.of(), null).settings().labels()).isEmpty();
    }

    @Test
    void rejectsInvalidOptionsNamingTheKey() throws IOException {
        assertThatThrownBy(() -> create(Map.of("ACTIVATION", "relu")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("container 'scores': Environment.ACTIVATION must be softmax, sigmoid or none, got 'relu'");
        assertThatThrownBy(() -> create(Map.of("TOP_K", "0")))
                .hasMessageContaining("Environment.TOP_K must be between 1 and");
        assertThatThrownBy(() -> create(Map.of("TOP_K", "two")))
                .hasMessageContaining("Environment.TOP_K must be a whole number, got 'two'");
        assertThatThrownBy(() -> create(Map.of("OUTPUT_PROBABILITIES", "maybe")))
                .hasMessageContaining("Environment.OUTPUT_PROBABILITIES must be true or false");
        assertThatThrownBy(() -> create(Map.of("LABELS", " , ,")))
                .hasMessageContaining("Environment.LABELS holds no labels");
        Files.writeString(dir.resolve("l.txt"), "a\n");
        assertThatThrownBy(() -> create(Map.of("LABELS", "a", "LABELS_FILE", "l.txt")))
                .hasMessageContaining("Environment.LABELS and Environment.LABELS_FILE are both set; use one");
    }

    @Test
    void rejectsBrokenLabelFiles() throws IOException {
        assertThatThrownBy(() -> create(Map.of("LABELS_FILE", "missing.txt")))
                .hasMessageContaining("Environment.LABELS_FILE file 'missing.txt' does not exist");
        assertThatThrownBy(() -> create(Map.of("LABELS_FILE", "../outside.txt")))
                .hasMessageContaining("points outside the model directory");
        assertThatThrownBy(() -> create(Map.of("LABELS_FILE", "labels.txt"), null))
                .hasMessageContaining("no ModelDataUrl");

        Files.writeString(dir.resolve("gap.txt"), "a\n\nb\n");
        assertThatThrownBy(() -> create(Map.of("LABELS_FILE", "gap.txt")))
                .hasMessageContaining("file 'gap.txt' has a blank line 2");
        Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertThatThrownBy(() -> create(Map.of("LABELS_FILE", "empty.txt")))
                .hasMessageContaining("file 'empty.txt' holds no labels");
        Files.writeString(dir.resolve("object.json"), "{\"0\": \"cat\"}");
        assertThatThrownBy(() -> create(Map.of("LABELS_FILE", "object.json")))
                .hasMessageContaining("must hold a JSON array of strings");
        Files.writeString(dir.resolve("numbers.json"), "[\"cat\", 2]");
        assertThatThrownBy(() -> create(Map.of("LABELS_FILE", "numbers.json")))
                .hasMessageContaining("entry 1 must be a non-empty string, got 2");
        Files.writeString(dir.resolve("broken.json"), "[\"cat\",");
        assertThatThrownBy(() -> create(Map.of("LABELS_FILE", "broken.json")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("file 'broken.json' is not valid JSON");
    }

    @Test
    void settingsValidate() {
        assertThatThrownBy(() -> new ClassifierProcessor.Settings("logits", Activation.SOFTMAX, 0, List.of(), null, false))
                .hasMessageContaining("topK must be at least 1");
    }
}
