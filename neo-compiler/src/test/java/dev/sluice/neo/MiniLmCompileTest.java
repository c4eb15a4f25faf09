package dev.sluice.neo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.sluice.core.artifact.ArtifactManifest;
import dev.sluice.neo.internal.Onnx;
import dev.sluice.neo.testing.Artifacts;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real all-MiniLM-L6-v2 fp32 compiled for ml_c5: int8 passes the gate, and the passes did their work. */
class MiniLmCompileTest {
    @TempDir
    Path tmp;

    @Test
    void miniLmFp32CompilesForMlC5AsInt8WithinTheGate() throws Exception {
        System.setProperty(Compiler.LATENCY_BUDGET_PROPERTY, "300");
        Path dir = Files.createDirectories(tmp.resolve("minilm"));
        copy("all-minilm-l6-v2.onnx", dir.resolve("model.onnx"));
        copy("all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));

        CompileResult result = Compiler.compile(new CompileRequest(dir, "ml_c5", Map.of(), Map.of(),
                tmp.resolve("minilm-ml_c5.tar.gz"), null, null), CompileListener.NONE);

        CompileReport report = result.report();
        assertThat(report.dtype()).as(report.toText()).isEqualTo("int8");
        assertThat(report.notes()).isEmpty();
        assertThat(report.accuracy().passed()).isTrue();
        assertThat(report.accuracy().outputs()).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("last_hidden_state");
            assertThat(o.kind()).isEqualTo("embedding");
            assertThat(o.meanCosineSimilarity()).isGreaterThan(0.985);
        });
        ModelProto compiled = Artifacts.model(result.artifact());
        Map<String, Integer> ops = Onnx.opCounts(compiled);
        // 6 layers × (merged QKV, attention output, two feed-forward) and no float MatMul with a weight left.
        assertThat(ops).containsEntry("com.microsoft:DynamicQuantizeMatMul", 24).containsEntry("Split", 6)
                .containsEntry("com.microsoft:SkipLayerNormalization", 12).containsEntry("com.microsoft:Gelu", 6);
        // Weights and the embedding tables at a byte each: about a quarter of the fp32 file.
        assertThat(report.after().bytes()).isLessThan(report.before().bytes() * 3 / 10);
        assertThat(report.passes()).extracting(CompileReport.Pass::detail).anySatisfy(d -> assertThat(d)
                .contains("36 MatMul/Gemm → DynamicQuantizeMatMul", "weights 42.5 MB → 10.7 MB",
                        "2 embedding table(s) → int8 per row, 47.7 MB → 12.0 MB"));
        assertThat(Artifacts.entries(result.artifact())).containsKey("tokenizer.json");
        ArtifactManifest manifest = ArtifactManifest.peek(result.artifact()).orElseThrow();
        assertThat(manifest.model().dtype()).isEqualTo("int8");
        if (report.latency().status().equals("measured")) {
            // Loading skips ORT's optimisation pass: the artifact loads faster than the source.
            assertThat(report.latency().loadAfterMillis()).isLessThan(report.latency().loadBeforeMillis());
        }
    }

    private static void copy(String resource, Path target) throws Exception {
        try (InputStream in = MiniLmCompileTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource + " on the test class path").isNotNull();
            Files.copy(in, target);
        }
    }
}
