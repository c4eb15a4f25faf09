package dev.sluice.neo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.artifact.ArtifactManifest;
import dev.sluice.core.artifact.HostCapabilities;
import dev.sluice.neo.internal.Onnx;
import dev.sluice.neo.testing.Artifacts;
import dev.sluice.neo.testing.Models;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end on small generated models: artifact layout, manifest, report, gate, fallbacks, refusals. */
class CompilerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HostCapabilities HERE = HostCapabilities.detect();

    @TempDir
    Path tmp;

    @BeforeAll
    static void shortLatencyProbe() {
        System.setProperty(Compiler.LATENCY_BUDGET_PROPERTY, "50");
    }

    Path mlpDirectory(boolean outlier) throws Exception {
        Path dir = tmp.resolve(outlier ? "outlier" : "mlp");
        Models.write(Models.mlp(outlier, 17), dir.resolve("model.onnx"));
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
        return dir;
    }

    CompileResult compile(Path model, String target, Map<String, String> options) throws Exception {
        return Compiler.compile(new CompileRequest(model, target, Map.of(), options,
                tmp.resolve(target.replace('/', '_') + ".tar.gz"), null, null), CompileListener.NONE);
    }

    @Test
    void aCpuArtifactHoldsTheQuantisedModelManifestReportAndCarriedFiles() throws Exception {
        Path dir = mlpDirectory(false);
        List<String> stages = new ArrayList<>();
        CompileResult result = Compiler.compile(new CompileRequest(dir, "ml_c5", Map.of(), Map.of(),
                tmp.resolve("out/model.tar.gz"), null, null), new CompileListener() {
                    @Override
                    public void stage(String description) {
                        stages.add(description);
                    }

                    @Override
                    public boolean cancelled() {
                        return false;
                    }
                });

        assertThat(result.artifact()).isEqualTo(tmp.resolve("out/model.tar.gz")).isRegularFile();
        assertThat(result.artifactSha256()).isEqualTo(Onnx.sha256(result.artifact()));
        Map<String, byte[]> entries = Artifacts.entries(result.artifact());
        assertThat(entries.keySet()).containsExactly("model.onnx", "manifest.json", "compile-report.json",
                "compile-report.txt", "tokenizer.json");
        assertThat(new String(entries.get("tokenizer.json"), StandardCharsets.UTF_8)).contains("1.0");

        ArtifactManifest manifest = ArtifactManifest.parse(new String(entries.get("manifest.json"),
                StandardCharsets.UTF_8));
        assertThat(ArtifactManifest.peek(result.artifact())).contains(manifest);
        assertThat(manifest.target().device()).isEqualTo("ml_c5");
        assertThat(manifest.target().platform()).isEqualTo("linux/x86_64");
        assertThat(manifest.target().arch()).isEqualTo("x86_64");
        assertThat(manifest.target().accelerator()).isEqualTo("none");
        assertThat(manifest.target().cpuFeatures()).containsExactly("avx2", "fma");
        assertThat(manifest.model().file()).isEqualTo("model.onnx");
        assertThat(manifest.model().dtype()).isEqualTo("int8");
        assertThat(manifest.model().sourceSha256()).isEqualTo(Onnx.sha256(dir.resolve("model.onnx")));
        assertThat(manifest.model().artifactSha256()).isEqualTo(Onnx.sha256(entries.get("model.onnx")));
        assertThat(manifest.runtime().executionProvider()).isEqualTo("CPU");
        assertThat(manifest.runtime().graphOptimizationLevel()).isEqualTo("disabled");
        assertThat(manifest.runtime().onnxRuntimeVersion()).isEqualTo("1.29.0");
        assertThat(manifest.passes()).containsExactly("opset-check", "shape-specialisation", "dead-code-elimination",
                "int8-dynamic-quantisation", "ort-offline-optimisation:extended", "accuracy-gate");
        assertThat(manifest.compiler()).startsWith("sluice-neo-compiler");

        ModelProto compiled = ModelProto.parseFrom(entries.get("model.onnx"));
        assertThat(Onnx.opCounts(compiled)).containsEntry("com.microsoft:DynamicQuantizeMatMul", 2)
                .doesNotContainKeys("MatMul", "Sigmoid");

        CompileReport report = result.report();
        assertThat(report.dtype()).isEqualTo("int8");
        assertThat(report.before().nodes()).isEqualTo(6);
        assertThat(report.after().nodes()).isEqualTo(compiled.getGraph().getNodeCount());
        assertThat(report.after().bytes()).isEqualTo(entries.get("model.onnx").length).isLessThan(report.before().bytes());
        assertThat(report.accuracy().passed()).isTrue();
        assertThat(report.accuracy().outputs()).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("scores");
            assertThat(o.kind()).isEqualTo("classification");
            assertThat(o.meanCosineSimilarity()).isGreaterThan(0.999);
            assertThat(o.top1Agreement()).isGreaterThanOrEqualTo(0.98);
        });
        assertThat(report.latency().status()).isEqualTo(HERE.arch().equals("x86_64") ? "measured" : "skipped");
        if (report.latency().status().equals("measured")) {
            assertThat(report.latency().runAfterMillis()).isPositive();
            assertThat(report.latency().loadBeforeMillis()).isPositive();
        }
        JsonNode json = JSON.readTree(entries.get("compile-report.json"));
        assertThat(json.get("passes").size()).isEqualTo(6);
        assertThat(json.at("/accuracy/status").asText()).isEqualTo("passed");
        assertThat(new String(entries.get("compile-report.txt"), StandardCharsets.UTF_8)).isEqualTo(report.toText())
                .contains("Compiled for ml_c5 (linux/x86_64), dtype int8", "int8-dynamic-quantisation",
                        "Accuracy gate: passed");
        assertThat(stages).contains("int8 dynamic quantisation", "accuracy gate").first().asString()
                .startsWith("reading");
    }

    @Test
    void explicitFloat32SkipsQuantisation() throws Exception {
        CompileResult result = compile(mlpDirectory(false), "linux/x86_64", Map.of("dtype", "float32"));
        ModelProto compiled = Artifacts.model(result.artifact());
        assertThat(Onnx.opCounts(compiled)).doesNotContainKey("com.microsoft:DynamicQuantizeMatMul");
        assertThat(result.report().dtype()).isEqualTo("float32");
        assertThat(result.report().passes()).extracting(CompileReport.Pass::name).doesNotContain(
                "int8-dynamic-quantisation");
        assertThat(result.report().accuracy().outputs().get(0).maxAbsoluteError()).isLessThan(1e-4);
    }

    @Test
    void explicitInt8OutsideTheToleranceFailsWithTheReason() throws Exception {
        Path out = tmp.resolve("failed.tar.gz");
        assertThatThrownBy(() -> Compiler.compile(new CompileRequest(mlpDirectory(true), "ml_c5", Map.of(),
                Map.of("dtype", "int8"), out, null, null), CompileListener.NONE))
                .isInstanceOf(CompilationFailedException.class)
                .hasMessageStartingWith("the compiled model (int8) is outside the accuracy tolerance: output 'scores':"
                        + " mean cosine similarity")
                .hasMessageContaining("< 0.98000")
                .satisfies(e -> {
                    CompileReport report = ((CompilationFailedException) e).report();
                    assertThat(report.accuracy().status()).isEqualTo("failed");
                    assertThat(report.accuracy().outputs().get(0).violations()).isNotEmpty();
                });
        assertThat(out).doesNotExist();
    }

    @Test
    void aDefaultInt8OutsideTheToleranceFallsBackToFloat32AndSaysSo() throws Exception {
        CompileResult result = compile(mlpDirectory(true), "ml_m5", Map.of());
        assertThat(result.report().dtype()).isEqualTo("float32");
        assertThat(result.report().notes()).singleElement().asString()
                .startsWith("int8 failed the accuracy gate (output 'scores': mean cosine similarity")
                .contains("fell back to float32");
        assertThat(ArtifactManifest.peek(result.artifact()).orElseThrow().model().dtype()).isEqualTo("float32");
        assertThat(Onnx.opCounts(Artifacts.model(result.artifact())))
                .doesNotContainKey("com.microsoft:DynamicQuantizeMatMul");
    }

    @Test
    void theGateUsesAToleranceGivenByTheCaller() throws Exception {
        Tolerance strict = new Tolerance(1e-6, 0.99, 0.98);
        assertThatThrownBy(() -> Compiler.compile(new CompileRequest(mlpDirectory(false), "ml_c5", Map.of(),
                Map.of("dtype", "int8"), tmp.resolve("strict.tar.gz"), null, strict), CompileListener.NONE))
                .isInstanceOf(CompilationFailedException.class).hasMessageContaining("max absolute error")
                .hasMessageContaining("> 1.000e-06");
    }

    @Test
    void aGpuArtifactIsFloat16WithFloat32IoAndRefusesToTimeItselfWithoutAGpu() throws Exception {
        Path model = Models.write(Models.mixedPrecision(), tmp.resolve("mixed.onnx"));
        CompileResult result = compile(model, "ml_g4dn", Map.of());
        ArtifactManifest manifest = ArtifactManifest.peek(result.artifact()).orElseThrow();
        assertThat(manifest.target().accelerator()).isEqualTo("nvidia");
        assertThat(manifest.target().platform()).isEqualTo("linux/x86_64/nvidia");
        assertThat(manifest.runtime().executionProvider()).isEqualTo("CUDA");
        assertThat(manifest.runtime().graphOptimizationLevel()).isEqualTo("extended");
        assertThat(manifest.model().dtype()).isEqualTo("float16");
        assertThat(manifest.passes()).contains("fp16-conversion");
        if (!HERE.nvidiaGpu()) {
            assertThat(manifest.incompatibility(HERE)).get().asString().contains("needs an NVIDIA GPU");
            assertThat(result.report().latency().reason()).contains("NVIDIA GPU");
        }

        ModelProto compiled = Artifacts.model(result.artifact());
        assertThat(compiled.getGraph().getInitializerList()).extracting(TensorProto::getName, TensorProto::getDataType)
                .contains(org.assertj.core.groups.Tuple.tuple("W", TensorProto.DataType.FLOAT16_VALUE));
        for (ValueInfoProto io : compiled.getGraph().getInputList()) {
            assertThat(io.getType().getTensorType().getElemType()).isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        }
        for (ValueInfoProto io : compiled.getGraph().getOutputList()) {
            assertThat(io.getType().getTensorType().getElemType()).isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        }
        assertThat(result.report().accuracy().passed()).isTrue();
        assertThat(result.report().accuracy().ranOn()).contains("float16");
    }

    @Test
    void inputShapesAreSpecialisedAndRecorded() throws Exception {
        Path model = Models.write(Models.textEncoder(), tmp.resolve("encoder.onnx"));
        CompileResult result = Compiler.compile(new CompileRequest(model, "ml_c6i",
                CompileRequest.parseInputShapes("{\"input_ids\":[1,12]}"), Map.of(), tmp.resolve("enc.tar.gz"), null,
                null), CompileListener.NONE);
        ModelProto compiled = Artifacts.model(result.artifact());
        for (ValueInfoProto input : compiled.getGraph().getInputList()) {
            assertThat(input.getType().getTensorType().getShape().getDimList()).extracting(d -> d.getDimValue())
                    .containsExactly(1L, 12L);
        }
        assertThat(ArtifactManifest.peek(result.artifact()).orElseThrow().model().inputShapes())
                .containsExactly(Map.entry("input_ids", List.of(1L, 12L)));
        assertThat(result.report().accuracy().samples()).contains("input_ids[1,12]");
    }

    @Test
    void badInputIsAnIllegalArgumentWithAClearMessage() throws Exception {
        assertThatThrownBy(() -> compile(Models.write(Models.relu(6), tmp.resolve("old.onnx")), "ml_c5", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ai.onnx opset 6");
        assertThatThrownBy(() -> compile(Models.write(Models.customOp(), tmp.resolve("custom.onnx")), "ml_c5",
                Map.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("com.example");
        assertThatThrownBy(() -> compile(tmp.resolve("absent.onnx"), "ml_c5", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        Path mlp = mlpDirectory(false);
        assertThatThrownBy(() -> Compiler.compile(new CompileRequest(mlp, "ml_c5", Map.of("x", new long[] {1, 32}),
                Map.of(), tmp.resolve("x.tar.gz"), null, null), CompileListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x', which is not an input");
        Path notOnnx = Files.writeString(tmp.resolve("garbage.onnx"), "not a model");
        assertThatThrownBy(() -> compile(notOnnx, "ml_c5", Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCompiledArtifactIsNotCompiledAgain() throws Exception {
        CompileResult first = compile(mlpDirectory(false), "ml_c5", Map.of());
        assertThatThrownBy(() -> Compiler.compile(new CompileRequest(first.artifact(), "ml_c5", Map.of(), Map.of(),
                tmp.resolve("again.tar.gz"), null, null), CompileListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is already a compiled artifact");
    }

    @Test
    void aModelTarGzWithExternalDataCompilesAndCarriesItsOtherFiles() throws Exception {
        // model.onnx keeps W1 in weights.bin, as exporters do for large models.
        ModelProto mlp = Models.mlp(false, 17);
        TensorProto w1 = mlp.getGraph().getInitializer(0);
        ModelProto external = mlp.toBuilder().setGraph(mlp.getGraph().toBuilder().setInitializer(0, w1.toBuilder()
                .clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length")
                        .setValue(String.valueOf(w1.getRawData().size()))))).build();
        Path archive = tmp.resolve("model.tar.gz");
        try (OutputStream out = Files.newOutputStream(archive);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            entry(tar, "model.onnx", external.toByteArray());
            entry(tar, "weights.bin", w1.getRawData().toByteArray());
            entry(tar, "labels.txt", "a\nb\n".getBytes(StandardCharsets.UTF_8));
        }
        CompileResult result = compile(archive, "ml_c7g", Map.of());
        assertThat(Artifacts.entries(result.artifact()).keySet()).contains("labels.txt").doesNotContain("weights.bin");
        assertThat(result.report().accuracy().passed()).isTrue();
        assertThat(result.report().accuracy().ranOn()).contains("the artifact targets arm64");
        if (!HERE.arch().equals("arm64")) {
            assertThat(result.report().latency().status()).isEqualTo("skipped");
            assertThat(result.report().latency().reason()).contains("cannot run on this");
        }
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] data) throws java.io.IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    @Test
    void sampleInputsFromAFileDriveTheGate() throws Exception {
        Path samples = Files.writeString(tmp.resolve("samples.json"), "[{\"input_ids\": [[3, 14, 15, 92, 65]],"
                + " \"attention_mask\": [[1, 1, 1, 1, 0]]}]");
        Path model = Models.write(Models.textEncoder(), tmp.resolve("encoder.onnx"));
        CompileResult result = Compiler.compile(new CompileRequest(model, "ml_c5", Map.of(), Map.of(),
                tmp.resolve("s.tar.gz"), samples, null), CompileListener.NONE);
        assertThat(result.report().accuracy().samples()).isEqualTo("1 sample batch(es) from " + samples);
        assertThat(result.report().accuracy().outputs().get(0).elements()).isEqualTo(5 * 32);
    }

    @Test
    void cancellationStopsBetweenPassesAndWritesNothing() throws Exception {
        Path out = tmp.resolve("cancelled.tar.gz");
        List<String> stages = new ArrayList<>();
        Path dir = mlpDirectory(false);
        assertThatThrownBy(() -> Compiler.compile(new CompileRequest(dir, "ml_c5", Map.of(), Map.of(), out, null,
                null), new CompileListener() {
                    @Override
                    public void stage(String description) {
                        stages.add(description);
                    }

                    @Override
                    public boolean cancelled() {
                        return stages.size() >= 2;
                    }
                })).isInstanceOf(CancellationException.class).hasMessageContaining("was cancelled");
        assertThat(stages).hasSize(2);
        assertThat(out).doesNotExist();
    }

    @Test
    void aModelWithNothingToQuantiseStaysFloat32() throws Exception {
        CompileResult result = compile(Models.write(Models.relu(13), tmp.resolve("relu.onnx")), "ml_c5", Map.of());
        assertThat(result.report().dtype()).isEqualTo("float32");
        assertThat(result.report().notes()).singleElement().asString().startsWith("nothing to quantise");
        assertThat(ArtifactManifest.peek(result.artifact()).orElseThrow().model().dtype()).isEqualTo("float32");
    }

    @Test
    void inputsTheGeneratorCannotFillSkipTheGateAndSaySo() throws Exception {
        ai.onnx.proto.OnnxMl.GraphProto graph = ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName("strings")
                .addNode(Models.node("Identity", "text", "same"))
                .addInput(Models.value("text", TensorProto.DataType.STRING, Models.dim("n")))
                .addOutput(Models.value("same", TensorProto.DataType.STRING, Models.dim("n")))
                .build();
        CompileResult result = compile(Models.write(Models.model(graph, 13), tmp.resolve("strings.onnx")), "ml_c5",
                Map.of("dtype", "float32"));
        assertThat(result.report().accuracy().status()).isEqualTo("skipped");
        assertThat(result.report().accuracy().reason()).contains("--samples");
        assertThat(result.report().notes()).anySatisfy(n -> assertThat(n).contains("accuracy gate skipped")
                .contains("STRING"));
        assertThat(result.report().latency().status()).isEqualTo("skipped");
    }

    @Test
    void theExactAvx512PlatformGetsHardwareSpecificLayouts() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(HERE.cpuFeatures().contains("avx512f"), "needs AVX-512");
        CompileResult result = compile(mlpDirectory(false), "linux/x86_64/avx512", Map.of());
        assertThat(ArtifactManifest.peek(result.artifact()).orElseThrow().passes())
                .contains("ort-offline-optimisation:all");
        CompileResult generic = compile(mlpDirectory(false), "ml_c5", Map.of("mcpu", "skylake"));
        assertThat(ArtifactManifest.peek(generic.artifact()).orElseThrow().passes())
                .contains("ort-offline-optimisation:extended");
    }
}
