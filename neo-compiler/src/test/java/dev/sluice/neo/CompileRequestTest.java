package dev.sluice.neo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class CompileRequestTest {
    static final Path MODEL = Path.of("model.onnx");
    static final Path OUT = Path.of("out.tar.gz");

    static CompileRequest request(String target, Map<String, String> options) {
        return new CompileRequest(MODEL, target, Map.of(), options, OUT, null, null);
    }

    @Test
    void parsesInputShapesInBothForms() {
        Map<String, long[]> shapes = CompileRequest.parseInputShapes("{\"input_ids\":[1,128],\"attention_mask\":[1,128]}");
        assertThat(shapes).containsOnlyKeys("input_ids", "attention_mask");
        assertThat(shapes.get("input_ids")).containsExactly(1, 128);
        Map<String, long[]> list = CompileRequest.parseInputShapes("[{\"name\":\"data\",\"shape\":[1,3,224,224]}]");
        assertThat(list.get("data")).containsExactly(1, 3, 224, 224);
        assertThat(CompileRequest.parseInputShapes(null)).isEmpty();
        assertThat(CompileRequest.parseInputShapes("  ")).isEmpty();
    }

    @Test
    void badInputShapesSayWhatIsWrong() {
        assertThatThrownBy(() -> CompileRequest.parseInputShapes("{\"x\":[1,"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> CompileRequest.parseInputShapes("{\"x\":[1,-1]}"))
                .hasMessageContaining("input shape for 'x': dimension 1 must be in [1,");
        assertThatThrownBy(() -> CompileRequest.parseInputShapes("{\"x\":[1,2.5]}"))
                .hasMessageContaining("dimension 1 must be a positive integer");
        assertThatThrownBy(() -> CompileRequest.parseInputShapes("{\"x\":\"1,2\"}"))
                .hasMessageContaining("must be a list of positive integers");
        assertThatThrownBy(() -> CompileRequest.parseInputShapes("[1,2]")).hasMessageContaining("{\"name\"");
        assertThatThrownBy(() -> CompileRequest.parseInputShapes("42")).hasMessageContaining("must be a JSON object");
    }

    @Property(tries = 50)
    void inputShapesRoundTrip(@ForAll @Size(min = 1, max = 4) java.util.List<@IntRange(min = 1, max = 4096) Integer> dims) {
        String json = "{\"in\":" + dims + "}";
        assertThat(CompileRequest.parseInputShapes(json).get("in"))
                .containsExactly(dims.stream().mapToLong(Integer::longValue).toArray());
    }

    @Test
    void parsesCompilerOptions() {
        assertThat(CompileRequest.parseCompilerOptions("{\"dtype\":\"int8\",\"mattr\":[\"+avx512f\",\"+avx512vnni\"]}"))
                .containsEntry("dtype", "int8").containsEntry("mattr", "+avx512f,+avx512vnni");
        assertThat(CompileRequest.parseCompilerOptions("")).isEmpty();
        assertThatThrownBy(() -> CompileRequest.parseCompilerOptions("[1]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> CompileRequest.parseCompilerOptions("{\"dtype\":{}}"))
                .hasMessageContaining("compiler option dtype must be a string");
    }

    @Test
    void optionsAreCheckedAgainstTheTarget() {
        assertThat(request("ml_c5", Map.of()).options()).isEqualTo(new CompilerOptions("int8", false,
                java.util.List.of("avx2", "fma")));
        assertThat(request("ml_c5", Map.of("dtype", "float32")).options().dtypeExplicit()).isTrue();
        assertThat(request("ml_g4dn", Map.of()).options().dtype()).isEqualTo("float16");
        assertThat(request("ml_c5", Map.of("mcpu", "cascadelake")).options().cpuFeatures())
                .containsExactly("avx2", "fma", "avx512f", "avx512_vnni");
        assertThat(request("ml_c5", Map.of("mattr", "+avx512f, -fma")).options().cpuFeatures())
                .containsExactly("avx2", "avx512f");
        assertThat(request("ml_c6g", Map.of("mcpu", "neoverse-n1", "mattr", "+i8mm")).options().cpuFeatures())
                .containsExactly("asimddp", "i8mm");

        assertThatThrownBy(() -> request("ml_c5", Map.of("dtype", "float16")))
                .hasMessageContaining("dtype float16 needs a GPU target");
        assertThatThrownBy(() -> request("ml_p3", Map.of("dtype", "int8")))
                .hasMessageContaining("dtype int8 is for CPU targets");
        assertThatThrownBy(() -> request("ml_c5", Map.of("dtype", "bf16")))
                .hasMessageContaining("dtype must be float32, float16 or int8, got 'bf16'");
        assertThatThrownBy(() -> request("ml_c5", Map.of("opt-level", "3")))
                .hasMessageContaining("unknown compiler option 'opt-level'; Sluice reads dtype, mcpu, mattr");
        assertThatThrownBy(() -> request("ml_c6g", Map.of("mcpu", "cascadelake")))
                .hasMessageContaining("mcpu 'cascadelake' is not a known arm64 CPU for target ml_c6g");
        assertThatThrownBy(() -> request("ml_c5", Map.of("mattr", "+sse9")))
                .hasMessageContaining("mattr: '+sse9' is not a known x86_64 feature");
    }

    @Test
    void theRequestItselfIsValidated() {
        assertThatThrownBy(() -> request("ml_c4", Map.of())).hasMessageContaining("unknown target 'ml_c4'");
        assertThatThrownBy(() -> new CompileRequest(MODEL, "ml_c5", Map.of(), Map.of(), Path.of("out.zip"), null,
                null)).hasMessageContaining("output must be a .tar.gz");
        assertThatThrownBy(() -> new CompileRequest(MODEL, "ml_c5", Map.of("x", new long[] {0}), Map.of(), OUT, null,
                null)).hasMessageContaining("input shape for 'x': dimension 0");
        assertThatThrownBy(() -> new CompileRequest(null, "ml_c5", Map.of(), Map.of(), OUT, null, null))
                .hasMessageContaining("model must not be null");
        CompileRequest defaults = new CompileRequest(MODEL, "ml_c5", null, null, OUT, null, null);
        assertThat(defaults.tolerance()).isEqualTo(Tolerance.defaults());
        assertThat(defaults.inputShapes()).isEmpty();
        assertThat(new CompileRequest(MODEL, "ml_c5", Map.of("a", new long[] {1, 2}), null, OUT, null, null))
                .isEqualTo(new CompileRequest(MODEL, "ml_c5", Map.of("a", new long[] {1, 2}), null, OUT, null, null))
                .hasToString("CompileRequest[model=model.onnx, target=ml_c5, inputShapes={a=[1, 2]}, compilerOptions={},"
                        + " output=out.tar.gz, samples=null, tolerance=" + Tolerance.defaults() + "]");
    }

    @Test
    void toleranceIsValidated() {
        assertThatThrownBy(() -> new Tolerance(0, 0.9, 0.9)).hasMessageContaining("maxAbsoluteError must be > 0");
        assertThatThrownBy(() -> new Tolerance(1, 1.5, 0.9)).hasMessageContaining("minCosineSimilarity");
        assertThatThrownBy(() -> new Tolerance(1, 0.9, -0.1)).hasMessageContaining("minTop1Agreement");
    }
}
