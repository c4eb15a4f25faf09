package dev.sluice.core.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactManifestTest {
    static final String SHA_A = "a".repeat(64);
    static final String SHA_B = "b".repeat(64);

    static final HostCapabilities X86_AVX2 = new HostCapabilities("amd64", Set.of("sse4_2", "avx2", "fma"), true,
            false, Set.of());
    static final HostCapabilities X86_AVX512 = new HostCapabilities("x86_64", Set.of("avx2", "fma", "avx512f"), true,
            false, Set.of("CPU"));
    static final HostCapabilities ARM = new HostCapabilities("aarch64", Set.of("asimd", "asimddp"), true, false,
            Set.of());

    @TempDir
    Path tmp;

    static ArtifactManifest manifest(String device, String platform, String arch, String accelerator,
                                     List<String> features) {
        String provider = accelerator.equals("nvidia") ? ArtifactRuntime.CUDA : ArtifactRuntime.CPU;
        return new ArtifactManifest(1, new ArtifactTarget(device, platform, arch, accelerator, features),
                new ArtifactModel("model.onnx", "int8", Map.of("input_ids", List.of(1L, 128L)), SHA_A, SHA_B),
                new ArtifactRuntime(provider, "disabled", 0, "1.29.0", Map.of()),
                List.of("opset-check", "int8-dynamic-quantisation"), "sluice-neo-compiler test", "2026-01-01T00:00:00Z");
    }

    static ArtifactManifest c5() {
        return manifest("ml_c5", "linux/x86_64", "x86_64", "none", List.of("avx2", "fma"));
    }

    @Test
    void roundTripsThroughJson() {
        ArtifactManifest manifest = c5();
        String json = manifest.toJson();
        assertThat(json).contains("\"platform\" : \"linux/x86_64\"", "\"cpuFeatures\" : [ \"avx2\", \"fma\" ]",
                "\"graphOptimizationLevel\" : \"disabled\"", "\"artifactSha256\"", "\"onnxRuntimeVersion\" : \"1.29.0\"");
        assertThat(ArtifactManifest.parse(json)).isEqualTo(manifest);
    }

    @Test
    void ignoresUnknownMembersButRefusesANewerFormat() {
        String json = c5().toJson().replaceFirst("\\{", "{ \"somethingNew\": 42,");
        assertThat(ArtifactManifest.parse(json)).isEqualTo(c5());
        String newer = c5().toJson().replace("\"formatVersion\" : 1", "\"formatVersion\" : 9");
        assertThatThrownBy(() -> ArtifactManifest.parse(newer)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("formatVersion 9 is newer");
    }

    @Test
    void invalidFieldsAreNamed() {
        String badLevel = c5().toJson().replace("\"disabled\"", "\"turbo\"");
        assertThatThrownBy(() -> ArtifactManifest.parse(badLevel)).hasMessageContaining("runtime.graphOptimizationLevel");
        String badSha = c5().toJson().replace(SHA_A, "xyz");
        assertThatThrownBy(() -> ArtifactManifest.parse(badSha)).hasMessageContaining("model.sourceSha256");
        String escaping = c5().toJson().replace("\"model.onnx\"", "\"../model.onnx\"");
        assertThatThrownBy(() -> ArtifactManifest.parse(escaping)).hasMessageContaining("model.file");
        assertThatThrownBy(() -> ArtifactManifest.parse("[1,2]")).hasMessageContaining("not a valid artifact manifest");
    }

    @Test
    void findReadsTheManifestInADirectoryOrBesideTheModel() throws IOException {
        assertThat(ArtifactManifest.find(tmp)).isEmpty();
        c5().write(tmp);
        Path model = Files.writeString(tmp.resolve("model.onnx"), "x");
        assertThat(ArtifactManifest.find(tmp)).contains(c5());
        assertThat(ArtifactManifest.find(model)).contains(c5());
        Files.writeString(tmp.resolve(ArtifactManifest.FILE_NAME), "{ not json");
        assertThatThrownBy(() -> ArtifactManifest.find(model)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ArtifactManifest.FILE_NAME);
    }

    @Test
    void peekReadsTheManifestOutOfATarGzWithoutExtracting() throws IOException {
        Path archive = tmp.resolve("model.tar.gz");
        try (OutputStream out = Files.newOutputStream(archive);
             GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            entry(tar, "./model.onnx", new byte[1000]);
            entry(tar, "./manifest.json", c5().toJson().getBytes(StandardCharsets.UTF_8));
        }
        assertThat(ArtifactManifest.peek(archive)).contains(c5());
        try (var files = Files.list(tmp)) {
            assertThat(files).containsExactly(archive);
        }
        Path plain = tmp.resolve("plain.tar.gz");
        try (OutputStream out = Files.newOutputStream(plain);
             GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            entry(tar, "model.onnx", new byte[10]);
            entry(tar, "nested/manifest.json", c5().toJson().getBytes(StandardCharsets.UTF_8));
        }
        assertThat(ArtifactManifest.peek(plain)).as("only a manifest at the root counts").isEmpty();
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    @Test
    void anotherArchitectureIsRefusedWithAClearMessage() {
        ArtifactManifest arm = manifest("ml_c6g", "linux/arm64", "arm64", "none", List.of());
        assertThat(arm.incompatibility(X86_AVX2)).contains("artifact compiled for linux/arm64 (ml_c6g) cannot run on"
                + " this x86_64 machine (it needs arm64); compile it again for linux/x86_64 or a x86_64 target device");
        assertThat(arm.incompatibility(ARM)).isEmpty();
        assertThat(c5().incompatibility(ARM)).get().asString().contains("cannot run on this arm64 machine");
        assertThatThrownBy(() -> arm.checkRunsHere(X86_AVX512)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("compile it again for linux/x86_64/avx512");
    }

    @Test
    void missingCpuFeaturesAreNamed() {
        ArtifactManifest avx512 = manifest("linux/x86_64/avx512", "linux/x86_64/avx512", "x86_64", "none",
                List.of("avx512f"));
        assertThat(avx512.incompatibility(X86_AVX2)).contains("artifact compiled for linux/x86_64/avx512 needs CPU"
                + " features [avx512f] that this machine lacks; compile it again for linux/x86_64");
        assertThat(avx512.incompatibility(X86_AVX512)).isEmpty();
        assertThat(c5().incompatibility(X86_AVX2)).isEmpty();
        HostCapabilities unknown = new HostCapabilities("x86_64", Set.of(), false, false, Set.of());
        assertThat(avx512.incompatibility(unknown)).as("features unknown off Linux: not held against it").isEmpty();
    }

    @Test
    void aGpuArtifactNeedsAGpuAndTheCudaProvider() {
        ArtifactManifest gpu = manifest("ml_g4dn", "linux/x86_64/nvidia", "x86_64", "nvidia", List.of());
        assertThat(gpu.incompatibility(X86_AVX512)).contains("artifact compiled for linux/x86_64/nvidia (ml_g4dn) needs"
                + " an NVIDIA GPU with the CUDA execution provider; this machine has none");
        HostCapabilities gpuNoCuda = new HostCapabilities("x86_64", Set.of("avx2"), true, true, Set.of("CPU"));
        assertThat(gpu.incompatibility(gpuNoCuda)).get().asString().contains("ONNX Runtime here offers only [CPU]");
        HostCapabilities gpuHost = gpuNoCuda.withExecutionProviders(List.of("CPU", "CUDA"));
        assertThat(gpu.incompatibility(gpuHost)).isEmpty();
    }

    @Test
    void acceleratorAndProviderMustAgree() {
        assertThatThrownBy(() -> new ArtifactManifest(1, new ArtifactTarget("ml_g4dn", "linux/x86_64/nvidia",
                "x86_64", "nvidia", List.of()), c5().model(), c5().runtime(), List.of(), null, null))
                .hasMessageContaining("does not match execution provider 'CPU'");
    }

    @Test
    void hostCapabilitiesParseCpuInfoAndNameThePlatform() {
        String x86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni\n\n"
                + "processor\t: 1\nflags\t\t: fpu\n";
        assertThat(HostCapabilities.parseCpuInfo(x86)).containsExactlyInAnyOrder("fpu", "sse2", "avx2", "fma",
                "avx512f", "avx512_vnni");
        String arm = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes asimddp\n";
        assertThat(HostCapabilities.parseCpuInfo(arm)).contains("asimd", "asimddp");
        assertThat(X86_AVX512.cpuPlatform()).isEqualTo("linux/x86_64/avx512");
        assertThat(X86_AVX2.cpuPlatform()).isEqualTo("linux/x86_64");
        assertThat(ARM.cpuPlatform()).isEqualTo("linux/arm64");
        assertThat(HostCapabilities.detect().arch()).isIn("x86_64", "arm64", System.getProperty("os.arch"));
    }
}
