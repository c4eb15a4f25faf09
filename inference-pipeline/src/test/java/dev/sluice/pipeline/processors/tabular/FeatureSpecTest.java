package dev.sluice.pipeline.processors.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
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

/** The feature spec file and the options of {@code sluice/tabular}. */
class FeatureSpecTest {
    static final String SPEC = """
            {"output": "input", "columns": [
              {"name": "age", "type": "numeric", "default": 40, "mean": 38.5, "std": 12.1},
              {"name": "income", "type": "numeric", "mean": 52000, "std": 21000},
              {"name": "plan", "type": "categorical", "categories": ["basic","plus","pro"], "default": "basic", "unknown": "error"}
            ], "header": "auto"}
            """;

    @TempDir
    Path dir;

    static FeatureSpec parse(String json) {
        try {
            return FeatureSpec.parse(new ObjectMapper().readTree(json));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private TabularProcessor create(Map<String, String> environment, Path modelDir) {
        return (TabularProcessor) new TabularProvider().create(
                new ProcessorContext("features", environment, modelDir, CodecRegistry.standard()));
    }

    @Test
    void parsesTheDocumentedForm() {
        FeatureSpec spec = parse(SPEC);
        assertThat(spec.output()).isEqualTo("input");
        assertThat(spec.header()).isEqualTo(FeatureSpec.Header.AUTO);
        assertThat(spec.columns()).containsExactly(
                new FeatureSpec.Numeric("age", 40.0, 38.5, 12.1),
                new FeatureSpec.Numeric("income", null, 52000, 21000),
                new FeatureSpec.Categorical("plan", List.of("basic", "plus", "pro"), "basic", false));
        assertThat(spec.width()).isEqualTo(5);
    }

    @Test
    void defaultsAreInputAutoAndNoStandardisation() {
        FeatureSpec spec = parse("""
                {"columns": [{"name": "x", "type": "numeric"},
                             {"name": "c", "type": "categorical", "categories": [1, 2], "unknown": "IGNORE"}],
                 "header": false}""");
        assertThat(spec.output()).isEqualTo("input");
        assertThat(spec.header()).isEqualTo(FeatureSpec.Header.FALSE);
        assertThat(spec.columns()).containsExactly(new FeatureSpec.Numeric("x", null, 0, 1),
                new FeatureSpec.Categorical("c", List.of("1", "2"), null, true));
        assertThat(parse("{\"columns\": [{\"name\": \"x\", \"type\": \"numeric\"}], \"header\": true}").header())
                .isEqualTo(FeatureSpec.Header.TRUE);
    }

    @Test
    void invalidSpecsNameTheField() {
        String numeric = "{\"name\": \"x\", \"type\": \"numeric\"}";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("[]", "must be an object with \"columns\"");
        cases.put("{}", "\"columns\" must be a non-empty array");
        cases.put("{\"columns\": []}", "\"columns\" must be a non-empty array");
        cases.put("{\"columns\": [" + numeric + "], \"outputs\": \"x\"}", "the spec has unknown field(s) [outputs]");
        cases.put("{\"columns\": [" + numeric + "], \"header\": \"yes\"}", "header must be auto, true or false, got 'yes'");
        cases.put("{\"columns\": [" + numeric + "], \"output\": \"records\"}", "output must not be 'records'");
        cases.put("{\"columns\": [" + numeric + "], \"output\": 3}", "output must be a non-empty string, got 3");
        cases.put("{\"columns\": [3]}", "columns[0] must be an object");
        cases.put("{\"columns\": [{\"type\": \"numeric\"}]}", "columns[0].name is required");
        cases.put("{\"columns\": [{\"name\": \"x\"}]}", "columns[0] ('x'): \"type\" is required");
        cases.put("{\"columns\": [{\"name\": \"x\", \"type\": \"text\"}]}", "columns[0] ('x').type must be numeric or categorical, got 'text'");
        cases.put("{\"columns\": [{\"name\": \"x\", \"type\": \"numeric\", \"stdev\": 2}]}", "columns[0] ('x') has unknown field(s) [stdev]");
        cases.put("{\"columns\": [{\"name\": \"x\", \"type\": \"numeric\", \"std\": 0}]}", "columns[0]: column 'x': std must be a positive finite number, got 0.0");
        cases.put("{\"columns\": [{\"name\": \"x\", \"type\": \"numeric\", \"mean\": \"1\"}]}", "columns[0] ('x').mean must be a number, got \"1\"");
        cases.put("{\"columns\": [{\"name\": \"x\", \"type\": \"numeric\", \"default\": \"a\"}]}", "columns[0] ('x').default must be a number");
        cases.put("{\"columns\": [{\"name\": \"x\", \"type\": \"numeric\", \"categories\": [\"a\"]}]}", "columns[0] ('x') has unknown field(s) [categories]");
        cases.put("{\"columns\": [{\"name\": \"c\", \"type\": \"categorical\"}]}", "columns[0] ('c').categories must be an array of strings");
        cases.put("{\"columns\": [{\"name\": \"c\", \"type\": \"categorical\", \"categories\": []}]}", "column 'c': categories must not be empty");
        cases.put("{\"columns\": [{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\", \"a\"]}]}", "column 'c': categories must not repeat");
        cases.put("{\"columns\": [{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\", \"\"]}]}", "columns[0] ('c').categories[1] must be a non-empty string");
        cases.put("{\"columns\": [{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\"], \"default\": \"b\"}]}", "column 'c': default 'b' is not one of its categories [a]");
        cases.put("{\"columns\": [{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\"], \"unknown\": \"skip\"}]}", "columns[0] ('c').unknown must be error or ignore, got 'skip'");
        cases.put("{\"columns\": [{\"name\": \"c\", \"type\": \"categorical\", \"categories\": [\"a\"], \"mean\": 1}]}", "columns[0] ('c') has unknown field(s) [mean]");
        cases.put("{\"columns\": [" + numeric + ", " + numeric + "]}", "column 'x' is declared twice");
        cases.forEach((json, message) -> assertThatThrownBy(() -> parse(json)).as(json)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message));
    }

    @Test
    void providerReadsFeaturesJsonFromTheModelDirectory() throws IOException {
        Files.writeString(dir.resolve("features.json"), SPEC);
        TabularProcessor processor = create(Map.of(), dir);
        assertThat(processor.spec()).isEqualTo(parse(SPEC));
        assertThat(processor.signature().inputs()).containsExactly(new TensorSpec("records", DataType.BYTES, new long[] {-1}));
        assertThat(processor.signature().outputs()).containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 5}));
    }

    @Test
    void providerReadsYamlAndNamedSpecs() throws IOException {
        Files.writeString(dir.resolve("features.yaml"), """
                output: features
                header: "true"
                columns:
                  - {name: age, type: numeric, mean: 38.5, std: 12.1}
                  - name: plan
                    type: categorical
                    categories: [basic, plus]
                """);
        FeatureSpec yaml = create(Map.of(), dir).spec();
        assertThat(yaml.output()).isEqualTo("features");
        assertThat(yaml.header()).isEqualTo(FeatureSpec.Header.TRUE);
        assertThat(yaml.width()).isEqualTo(3);
        Files.createDirectories(dir.resolve("specs"));
        Files.writeString(dir.resolve("specs/v2.json"), "{\"columns\": [{\"name\": \"x\", \"type\": \"numeric\"}]}");
        assertThat(create(Map.of("FEATURE_SPEC", "specs/v2.json"), dir).spec().width()).isEqualTo(1);
    }

    @Test
    void providerErrorsNameTheContainerAndTheKey() throws IOException {
        assertThatThrownBy(() -> create(Map.of(), dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("container 'features': Environment.FEATURE_SPEC is not set and the container's "
                        + "ModelDataUrl holds no features.json");
        assertThatThrownBy(() -> create(Map.of(), null)).hasMessageContaining("it has no ModelDataUrl");
        assertThatThrownBy(() -> create(Map.of("FEATURE_SPEC", "nope.json"), dir))
                .hasMessageContaining("Environment.FEATURE_SPEC file 'nope.json' does not exist");
        Files.writeString(dir.resolve("features.json"), "{\"columns\": [{\"name\": \"x\", \"type\": \"numeric\", \"std\": -1}]}");
        assertThatThrownBy(() -> create(Map.of(), dir))
                .hasMessage("container 'features': feature spec features.json: columns[0]: column 'x': std must be a "
                        + "positive finite number, got -1.0");
        Files.writeString(dir.resolve("features.json"), "{\"columns\": [");
        assertThatThrownBy(() -> create(Map.of(), dir))
                .hasMessageStartingWith("container 'features': feature spec features.json cannot be parsed: ");
        Files.writeString(dir.resolve("features.json"), SPEC);
        assertThatThrownBy(() -> create(Map.of("MAX_ROWS", "0"), dir))
                .hasMessageContaining("Environment.MAX_ROWS must be between 1 and");
        assertThat(create(Map.of("MAX_ROWS", "5"), dir)).isNotNull();
    }

    @Test
    void isFoundThroughTheServiceLoaderByItsImage() {
        assertThat(ServiceLoader.load(ProcessorProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.image().equals("sluice/tabular")).toList())
                .singleElement().isInstanceOf(TabularProvider.class);
        assertThat(new TabularProvider().description()).contains("FEATURE_SPEC", "MAX_ROWS");
    }
}
