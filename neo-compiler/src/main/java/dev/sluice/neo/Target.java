package dev.sluice.neo;

import java.util.List;
import java.util.Objects;

/**
 * A compilation target: a SageMaker target device ({@code ml_c5}) or a platform ({@code linux/arm64}).
 *
 * @param name              what {@code --target} accepts
 * @param platform          {@code linux/x86_64}, {@code linux/x86_64/avx512}, {@code linux/arm64} or
 *                          {@code linux/x86_64/nvidia}
 * @param arch              {@code x86_64} or {@code arm64}
 * @param accelerator       {@code none} or {@code nvidia}
 * @param description       one line for help texts and the README
 * @param defaultDtype      {@code int8} on CPU targets (with a float32 fallback when the accuracy gate fails),
 *                          {@code float16} on GPU targets
 * @param passes            the passes a compilation for this target runs, in order (with the default dtype)
 * @param executionProvider ONNX Runtime provider the artifact runs on: {@code CPU} or {@code CUDA}
 * @param cpuFeatures       CPU flags ({@code /proc/cpuinfo} spelling) an artifact for this target requires before
 *                          {@code mcpu}/{@code mattr} add their own
 * @param offlineOptimization ONNX Runtime graph optimisation level applied at compile time: {@code extended} (CPU
 *                          fusions), {@code all} (plus hardware-specific layouts, only when this machine is the exact
 *                          target), or for GPU targets {@code extended} restricted to fusions the CUDA provider also
 *                          implements
 * @param loadOptimization  level a host creates sessions with: {@code disabled} on CPU (already optimised), {@code
 *                          extended} on CUDA (its provider-specific fusions can only run where the GPU is)
 * @param intraOpThreadsHint intra-op threads per session the target suggests; 0 = the host's runner configuration
 */
public record Target(String name, String platform, String arch, String accelerator, String description,
                     String defaultDtype, List<String> passes, String executionProvider, List<String> cpuFeatures,
                     String offlineOptimization, String loadOptimization, int intraOpThreadsHint) {
    public Target {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(defaultDtype, "defaultDtype");
        passes = List.copyOf(passes);
        Objects.requireNonNull(executionProvider, "executionProvider");
        cpuFeatures = List.copyOf(cpuFeatures);
        Objects.requireNonNull(offlineOptimization, "offlineOptimization");
        Objects.requireNonNull(loadOptimization, "loadOptimization");
    }

    /** Whether the target runs on an NVIDIA GPU (CUDA execution provider). */
    public boolean gpu() {
        return accelerator.equals("nvidia");
    }

    /** Whether {@code --target} named a SageMaker device rather than a platform. */
    public boolean device() {
        return !name.equals(platform);
    }
}
