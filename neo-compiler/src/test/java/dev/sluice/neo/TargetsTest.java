package dev.sluice.neo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetsTest {
    @Test
    void sageMakerDevicesMapToTheirPlatforms() {
        for (String device : new String[] {"ml_c5", "ml_m5", "ml_c6i"}) {
            Target t = Targets.resolve(device);
            assertThat(t.platform()).isEqualTo("linux/x86_64");
            assertThat(t.arch()).isEqualTo("x86_64");
            assertThat(t.executionProvider()).isEqualTo("CPU");
            assertThat(t.defaultDtype()).isEqualTo("int8");
            assertThat(t.cpuFeatures()).containsExactly("avx2", "fma");
            assertThat(t.passes()).contains("int8-dynamic-quantisation", "ort-offline-optimisation", "accuracy-gate")
                    .doesNotContain("fp16-conversion");
            assertThat(t.loadOptimization()).isEqualTo("disabled");
        }
        for (String device : new String[] {"ml_c6g", "ml_m6g", "ml_c7g", "rasp4b"}) {
            assertThat(Targets.resolve(device).platform()).isEqualTo("linux/arm64");
            assertThat(Targets.resolve(device).arch()).isEqualTo("arm64");
        }
        for (String device : new String[] {"ml_g4dn", "ml_g5", "ml_p3"}) {
            Target t = Targets.resolve(device);
            assertThat(t.platform()).isEqualTo("linux/x86_64/nvidia");
            assertThat(t.gpu()).isTrue();
            assertThat(t.executionProvider()).isEqualTo("CUDA");
            assertThat(t.defaultDtype()).isEqualTo("float16");
            assertThat(t.passes()).contains("fp16-conversion").doesNotContain("int8-dynamic-quantisation");
        }
        assertThat(Targets.resolve("rasp4b").intraOpThreadsHint()).isEqualTo(4);
    }

    @Test
    void platformsResolveToThemselvesCaseInsensitively() {
        assertThat(Targets.resolve("linux/x86_64/avx512").cpuFeatures()).contains("avx512f");
        assertThat(Targets.resolve("LINUX/ARM64").name()).isEqualTo("linux/arm64");
        assertThat(Targets.resolve(" ML_C5 ").name()).isEqualTo("ml_c5");
        assertThat(Targets.resolve("ml-g4dn").name()).isEqualTo("ml_g4dn");
        assertThat(Targets.resolve("linux/x86_64/nvidia").device()).isFalse();
        assertThat(Targets.resolve("ml_c5").device()).isTrue();
        assertThat(Targets.all()).extracting(Target::name).contains("ml_c5", "rasp4b", "ml_p3", "linux/x86_64",
                "linux/x86_64/avx512", "linux/arm64", "linux/x86_64/nvidia").hasSize(14);
    }

    @Test
    void unknownTargetsNameTheKnownOnes() {
        assertThatThrownBy(() -> Targets.resolve("ml_c4")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown target 'ml_c4'; known target devices: ml_c5, ml_m5, ml_c6i, ml_c6g,")
                .hasMessageContaining("platforms: linux/x86_64, linux/x86_64/avx512, linux/arm64, linux/x86_64/nvidia");
        assertThatThrownBy(() -> Targets.resolve("ml_inf1")).hasMessageContaining("SageMaker Neo device Sluice does"
                + " not compile for");
        assertThatThrownBy(() -> Targets.resolve("jetson_nano")).hasMessageContaining("CPU and CUDA providers only");
        assertThatThrownBy(() -> Targets.resolve(" ")).hasMessageContaining("target must not be empty");
    }
}
