package dev.sluice.neo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The targets {@code --target} accepts: SageMaker target devices and the platforms they map to.
 *
 * <p>x86_64 devices (c5, m5, c6i) require AVX2 and FMA: every instance of those families has them and the int8
 * kernels are tuned for them; AVX-512 is only required when asked for ({@code linux/x86_64/avx512}, or {@code mcpu} /
 * {@code mattr}), so an {@code ml_c5} artifact also runs on AVX2-only machines. arm64 targets require nothing beyond
 * the architecture (ONNX Runtime dispatches dot-product kernels at run time). GPU targets need an NVIDIA GPU and the
 * CUDA provider; their host CPU is x86_64.
 */
public final class Targets {
    public static final String DTYPE_FLOAT32 = "float32";
    public static final String DTYPE_FLOAT16 = "float16";
    public static final String DTYPE_INT8 = "int8";

    static final List<String> CPU_PASSES = List.of("opset-check", "shape-specialisation", "dead-code-elimination",
            "int8-dynamic-quantisation", "ort-offline-optimisation", "skip-layernorm-fusion", "accuracy-gate");
    static final List<String> GPU_PASSES = List.of("opset-check", "shape-specialisation", "dead-code-elimination",
            "ort-offline-optimisation", "skip-layernorm-fusion", "fp16-conversion", "accuracy-gate");

    private static final Map<String, Target> TARGETS = new LinkedHashMap<>();

    static {
        x86("ml_c5", "Amazon EC2 C5 (Intel Skylake/Cascade Lake), compute optimised");
        x86("ml_m5", "Amazon EC2 M5 (Intel Skylake/Cascade Lake), general purpose");
        x86("ml_c6i", "Amazon EC2 C6i (Intel Ice Lake), compute optimised");
        arm("ml_c6g", "Amazon EC2 C6g (AWS Graviton2, Neoverse N1)", 0);
        arm("ml_m6g", "Amazon EC2 M6g (AWS Graviton2, Neoverse N1)", 0);
        arm("ml_c7g", "Amazon EC2 C7g (AWS Graviton3, Neoverse V1)", 0);
        arm("rasp4b", "Raspberry Pi 4 Model B (Cortex-A72, 4 cores)", 4);
        gpu("ml_g4dn", "Amazon EC2 G4dn (NVIDIA T4)");
        gpu("ml_g5", "Amazon EC2 G5 (NVIDIA A10G)");
        gpu("ml_p3", "Amazon EC2 P3 (NVIDIA V100)");
        add(new Target("linux/x86_64", "linux/x86_64", "x86_64", "none", "any x86_64 Linux machine with AVX2 and FMA",
                DTYPE_INT8, CPU_PASSES, "CPU", List.of("avx2", "fma"), "extended", "disabled", 0));
        add(new Target("linux/x86_64/avx512", "linux/x86_64/avx512", "x86_64", "none",
                "x86_64 Linux with AVX-512F; gets hardware-specific layouts when compiled on such a machine",
                DTYPE_INT8, CPU_PASSES, "CPU", List.of("avx2", "fma", "avx512f"), "all", "disabled", 0));
        add(new Target("linux/arm64", "linux/arm64", "arm64", "none", "any arm64 (AArch64) Linux machine", DTYPE_INT8,
                CPU_PASSES, "CPU", List.of(), "extended", "disabled", 0));
        add(new Target("linux/x86_64/nvidia", "linux/x86_64/nvidia", "x86_64", "nvidia",
                "x86_64 Linux with an NVIDIA GPU (CUDA execution provider)", DTYPE_FLOAT16, GPU_PASSES, "CUDA",
                List.of(), "extended", "extended", 0));
    }

    private Targets() {
    }

    private static void x86(String name, String description) {
        add(new Target(name, "linux/x86_64", "x86_64", "none", description, DTYPE_INT8, CPU_PASSES, "CPU",
                List.of("avx2", "fma"), "extended", "disabled", 0));
    }

    private static void arm(String name, String description, int threads) {
        add(new Target(name, "linux/arm64", "arm64", "none", description, DTYPE_INT8, CPU_PASSES, "CPU", List.of(),
                "extended", "disabled", threads));
    }

    private static void gpu(String name, String description) {
        add(new Target(name, "linux/x86_64/nvidia", "x86_64", "nvidia", description, DTYPE_FLOAT16, GPU_PASSES, "CUDA",
                List.of(), "extended", "extended", 0));
    }

    private static void add(Target target) {
        TARGETS.put(target.name(), target);
    }

    /** Every target, devices first, then platforms. */
    public static List<Target> all() {
        return List.copyOf(TARGETS.values());
    }

    /**
     * The target for a SageMaker {@code TargetDevice} or a platform (case-insensitive; {@code -} and {@code _} are
     * interchangeable in device names, as SageMaker spells them both ways).
     *
     * @throws IllegalArgumentException naming the known targets
     */
    public static Target resolve(String targetOrPlatform) {
        if (targetOrPlatform == null || targetOrPlatform.isBlank()) {
            throw new IllegalArgumentException("target must not be empty; " + known());
        }
        String key = targetOrPlatform.trim().toLowerCase(Locale.ROOT);
        if (!key.contains("/")) {
            key = key.replace('-', '_');
        }
        Target target = TARGETS.get(key);
        if (target != null) {
            return target;
        }
        if (key.startsWith("ml_inf") || key.startsWith("ml_trn") || key.startsWith("jetson") || key.startsWith("coreml")
                || key.startsWith("qcs") || key.startsWith("sitara") || key.startsWith("imx") || key.startsWith("amba")
                || key.startsWith("x86_win") || key.startsWith("deeplens") || key.startsWith("aisage")
                || key.startsWith("lambda") || key.startsWith("sbe") || key.startsWith("rk3") || key.startsWith("qcs")) {
            throw new IllegalArgumentException("target '" + targetOrPlatform.trim() + "' is a SageMaker Neo device"
                    + " Sluice does not compile for: it builds for ONNX Runtime's CPU and CUDA providers only; "
                    + known());
        }
        throw new IllegalArgumentException("unknown target '" + targetOrPlatform.trim() + "'; " + known());
    }

    static String known() {
        List<String> devices = new ArrayList<>();
        List<String> platforms = new ArrayList<>();
        for (Target t : TARGETS.values()) {
            (t.device() ? devices : platforms).add(t.name());
        }
        return "known target devices: " + String.join(", ", devices) + "; platforms: " + String.join(", ", platforms);
    }
}
