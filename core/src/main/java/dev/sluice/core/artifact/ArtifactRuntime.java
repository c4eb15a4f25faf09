package dev.sluice.core.artifact;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a host should run the compiled model.
 *
 * @param executionProvider      {@code CPU} or {@code CUDA} (ONNX Runtime's provider names)
 * @param graphOptimizationLevel the ONNX Runtime graph optimisation level to create sessions with: {@code disabled}
 *                               for graphs the compiler already optimised for this exact EP (so loading skips the
 *                               optimisation pass), otherwise {@code basic}, {@code extended} or {@code all}
 * @param intraOpThreads         a hint for the intra-op pool of one session; 0 leaves it to the host's runner
 *                               configuration, which always wins when it is set
 * @param onnxRuntimeVersion     the ONNX Runtime version that compiled (and, for offline-optimised graphs, should run)
 *                               the model
 * @param options                extra session settings (ONNX Runtime session config entries), usually empty
 */
public record ArtifactRuntime(String executionProvider, String graphOptimizationLevel, int intraOpThreads,
                              String onnxRuntimeVersion, Map<String, String> options) {
    public static final String CPU = "CPU";
    public static final String CUDA = "CUDA";
    public static final String LEVEL_DISABLED = "disabled";
    public static final String LEVEL_BASIC = "basic";
    public static final String LEVEL_EXTENDED = "extended";
    public static final String LEVEL_ALL = "all";
    private static final List<String> LEVELS = List.of(LEVEL_DISABLED, LEVEL_BASIC, LEVEL_EXTENDED, LEVEL_ALL);

    public ArtifactRuntime {
        executionProvider = ArtifactTarget.required(executionProvider, "runtime.executionProvider");
        if (!executionProvider.equals(CPU) && !executionProvider.equals(CUDA)) {
            throw new IllegalArgumentException("artifact manifest: runtime.executionProvider must be '" + CPU + "' or '"
                    + CUDA + "', got '" + executionProvider + "'");
        }
        graphOptimizationLevel = ArtifactTarget.required(graphOptimizationLevel, "runtime.graphOptimizationLevel");
        if (!LEVELS.contains(graphOptimizationLevel)) {
            throw new IllegalArgumentException("artifact manifest: runtime.graphOptimizationLevel must be one of "
                    + LEVELS + ", got '" + graphOptimizationLevel + "'");
        }
        if (intraOpThreads < 0 || intraOpThreads > 256) {
            throw new IllegalArgumentException("artifact manifest: runtime.intraOpThreads must be in [0, 256], got "
                    + intraOpThreads);
        }
        onnxRuntimeVersion = ArtifactTarget.required(onnxRuntimeVersion, "runtime.onnxRuntimeVersion");
        options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(options));
    }
}
