package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.artifact.ArtifactManifest;
import dev.sluice.core.artifact.ArtifactModel;
import dev.sluice.core.artifact.ArtifactRuntime;
import dev.sluice.core.artifact.ArtifactTarget;
import dev.sluice.core.artifact.HostCapabilities;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.modelhost.testing.OnnxFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiled artifacts (model.tar.gz with a manifest.json): refused where they cannot run, served where they can. */
class CompiledArtifactLoadTest {
    static final HostCapabilities HERE = HostCapabilities.detect();

    @TempDir
    Path tmp;

    ModelHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    ModelHost host() {
        if (host == null) {
            host = new ModelHost(tmp.resolve("work"), new SimpleMeterRegistry(),
                    new CodecRegistry(List.of(new LinesCodec())));
        }
        return host;
    }

    static ModelConfig config(String name, Path source) {
        return new ModelConfig(name, source.toString(), ModelConfig.PIPELINE_TENSOR, new RunnerConfig(1, 1, 16),
                BatchingConfig.defaults(), Map.of());
    }

    static ArtifactManifest manifest(String device, String platform, String arch, String accelerator, String level) {
        return new ArtifactManifest(ArtifactManifest.FORMAT_VERSION,
                new ArtifactTarget(device, platform, arch, accelerator, List.of()),
                new ArtifactModel("model.onnx", "float32", Map.of(), "0".repeat(64), "1".repeat(64)),
                new ArtifactRuntime(accelerator.equals("nvidia") ? ArtifactRuntime.CUDA : ArtifactRuntime.CPU, level, 0,
                        "1.29.0", Map.of()),
                List.of("opset-check"), "test", "2026-01-01T00:00:00Z");
    }

    /** A compiled-artifact layout: model.onnx and manifest.json at the archive's root. */
    Path artifact(String name, ArtifactManifest manifest) throws IOException {
        Path model = OnnxFixtures.mlp(tmp.resolve(name + "-src"));
        Path archive = tmp.resolve(name + ".tar.gz");
        try (OutputStream out = Files.newOutputStream(archive);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            entry(tar, "model.onnx", Files.readAllBytes(model));
            entry(tar, ArtifactManifest.FILE_NAME, manifest.toJson().getBytes(StandardCharsets.UTF_8));
        }
        return archive;
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    static Throwable failureOf(CompletableFuture<?> future) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> future.get(60, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void anArtifactForTheOtherArchitectureIsRefusedAtLoad() throws Exception {
        boolean x86 = HERE.arch().equals(HostCapabilities.X86_64);
        String otherArch = x86 ? "arm64" : "x86_64";
        String otherDevice = x86 ? "ml_c6g" : "ml_c5";
        Path archive = artifact("other", manifest(otherDevice, "linux/" + otherArch, otherArch, "none", "disabled"));

        Throwable failure = failureOf(host().load(config("other", archive)));

        assertThat(failure).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("artifact compiled for linux/" + otherArch + " (" + otherDevice + ") cannot run on"
                        + " this " + HERE.arch() + " machine");
        assertThat(host().get("other")).isEmpty();
    }

    @Test
    void aGpuArtifactOnAMachineWithoutAGpuSaysSo() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(HERE.nvidiaGpu(), "this machine has an NVIDIA GPU");
        Path archive = artifact("gpu", manifest("ml_g4dn", "linux/x86_64/nvidia", HERE.arch(), "nvidia", "all"));

        Throwable failure = failureOf(host().load(config("gpu", archive)));

        assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(
                "artifact compiled for linux/x86_64/nvidia (ml_g4dn) needs an NVIDIA GPU with the CUDA execution"
                        + " provider; this machine has none");
    }

    @Test
    void anArtifactForThisMachineIsServedWithItsRuntimeSettings() throws Exception {
        Path archive = artifact("here", manifest(HERE.cpuPlatform(), HERE.cpuPlatform(), HERE.arch(), "none",
                ArtifactRuntime.LEVEL_DISABLED));

        HostedModel model = host().load(config("here", archive)).get(60, TimeUnit.SECONDS);

        String answer = ModelHostTest.invoke(model, "1,2,3,4").trim();
        double[] expected = OnnxFixtures.mlpReference(new float[] {1, 2, 3, 4});
        double[] actual = Arrays.stream(answer.split(",")).mapToDouble(Double::parseDouble).toArray();
        assertThat(actual).hasSize(expected.length);
        for (int k = 0; k < expected.length; k++) {
            assertThat(actual[k]).isCloseTo(expected[k], within(1e-5));
        }
    }

    @Test
    void aDirectoryWithAManifestIsCheckedToo() throws Exception {
        Path dir = tmp.resolve("dir");
        Files.createDirectories(dir);
        Files.move(OnnxFixtures.mlp(tmp.resolve("dir-src")), dir.resolve("compiled.onnx"));
        Files.copy(OnnxFixtures.mlp(tmp.resolve("dir-src2")), dir.resolve("other.onnx"));
        // Two .onnx files would be ambiguous without a manifest; the manifest names the compiled one.
        naming(manifest(HERE.cpuPlatform(), HERE.cpuPlatform(), HERE.arch(), "none", "disabled"), "compiled.onnx")
                .write(dir);

        HostedModel model = host().load(config("dir", dir)).get(60, TimeUnit.SECONDS);
        assertThat(model.modelSignature().inputs()).hasSize(1);

        String otherArch = HERE.arch().equals(HostCapabilities.X86_64) ? "arm64" : "x86_64";
        naming(manifest("linux/" + otherArch, "linux/" + otherArch, otherArch, "none", "disabled"), "compiled.onnx")
                .write(dir);
        assertThat(failureOf(host().load(config("dir2", dir)))).hasMessageContaining("cannot run on this");
    }

    static ArtifactManifest naming(ArtifactManifest m, String file) {
        return new ArtifactManifest(m.formatVersion(), m.target(), new ArtifactModel(file, "float32", Map.of(),
                "0".repeat(64), "1".repeat(64)), m.runtime(), m.passes(), m.compiler(), m.createdAt());
    }
}
