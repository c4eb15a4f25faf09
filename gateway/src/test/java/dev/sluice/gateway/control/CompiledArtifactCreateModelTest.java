package dev.sluice.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.modelhost.testing.OnnxFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CreateModel reads a compiled artifact's manifest and refuses what cannot run on this machine (another
 * architecture, a GPU it lacks) with a ValidationException naming the field, before any endpoint tries to load it.
 */
class CompiledArtifactCreateModelTest {
    @TempDir
    static Path dir;
    static ControlPlaneHarness sdk;

    @BeforeAll
    static void start() throws Exception {
        sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"));
    }

    @AfterAll
    static void stop() throws Exception {
        sdk.close();
    }

    /** A compiled-artifact directory: the MLP and a manifest claiming {@code platform}. */
    private static Path artifact(String name, String device, String platform, String arch, String accelerator,
                                 String provider) throws Exception {
        Path artifact = Files.createDirectories(dir.resolve(name));
        Files.copy(OnnxFixtures.mlp(dir.resolve(name + "-src")), artifact.resolve("model.onnx"));
        Files.writeString(artifact.resolve("manifest.json"), """
                {"formatVersion": 1,
                 "target": {"device": "%s", "platform": "%s", "arch": "%s", "accelerator": "%s", "cpuFeatures": []},
                 "model": {"file": "model.onnx", "dtype": "float32", "inputShapes": {},
                           "sourceSha256": "%s", "artifactSha256": "%s"},
                 "runtime": {"executionProvider": "%s", "graphOptimizationLevel": "disabled", "intraOpThreads": 0,
                             "onnxRuntimeVersion": "1.29.0", "options": {}},
                 "passes": ["opset-check"], "compiler": "test", "createdAt": "2026-11-28T00:00:00Z"}
                """.formatted(device, platform, arch, accelerator, "0".repeat(64), "0".repeat(64), provider));
        return artifact;
    }

    @Test
    void anArtifactForAnotherMachineIsRefusedAtCreateModel() throws Exception {
        boolean arm = System.getProperty("os.arch").contains("aarch64");
        Path foreign = arm ? artifact("x86", "ml_c5", "linux/x86_64", "x86_64", "none", "CPU")
                : artifact("arm", "ml_c6g", "linux/arm64", "arm64", "none", "CPU");
        assertThatThrownBy(() -> sdk.createModel("foreign", "sluice/onnx", foreign))
                .hasMessageContaining("PrimaryContainer.ModelDataUrl")
                .hasMessageContaining(arm ? "x86_64" : "arm64");

        Path gpu = artifact("gpu", "ml_g4dn", "linux/x86_64/nvidia", "x86_64", "nvidia", "CUDA");
        if (!Files.exists(Path.of("/proc/driver/nvidia"))) {
            assertThatThrownBy(() -> sdk.createModel("gpu", "sluice/onnx", gpu))
                    .hasMessageContaining("NVIDIA GPU");
        }

        if (!arm) {
            Path native_ = artifact("native", "ml_c5", "linux/x86_64", "x86_64", "none", "CPU");
            sdk.createModel("native", "sluice/onnx", native_);
            assertThat(sdk.sageMaker.describeModel(b -> b.modelName("native")).modelName()).isEqualTo("native");
        }
    }
}
