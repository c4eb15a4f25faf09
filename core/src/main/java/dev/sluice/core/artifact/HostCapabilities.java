package dev.sluice.core.artifact;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this machine offers an artifact: its CPU architecture, the CPU feature flags the kernel reports, whether an
 * NVIDIA GPU is present, and (when the caller knows them) the execution providers of the ONNX Runtime build at hand.
 *
 * @param arch               {@code x86_64} or {@code arm64} (normalised from {@code os.arch}); other values pass
 *                           through lower-cased
 * @param cpuFeatures        flag names as {@code /proc/cpuinfo} spells them ({@code avx2}, {@code avx512f},
 *                           {@code asimddp}, ...); empty when {@link #cpuFeaturesKnown} is false
 * @param cpuFeaturesKnown   false where there is no {@code /proc/cpuinfo} (not Linux): feature checks are then skipped
 *                           rather than failing every artifact
 * @param nvidiaGpu          whether the NVIDIA driver is loaded ({@code /proc/driver/nvidia/version} or
 *                           {@code /dev/nvidia0})
 * @param executionProviders ONNX Runtime provider names ({@code CPU}, {@code CUDA}, ...); empty when unknown, because
 *                           core does not link ONNX Runtime: the model host fills them in
 */
public record HostCapabilities(String arch, Set<String> cpuFeatures, boolean cpuFeaturesKnown, boolean nvidiaGpu,
                               Set<String> executionProviders) {
    public static final String X86_64 = "x86_64";
    public static final String ARM64 = "arm64";

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    public HostCapabilities {
        Objects.requireNonNull(arch, "arch");
        arch = normalizeArch(arch);
        cpuFeatures = Set.copyOf(Objects.requireNonNull(cpuFeatures, "cpuFeatures"));
        executionProviders = Set.copyOf(Objects.requireNonNull(executionProviders, "executionProviders"));
    }

    /** The machine this JVM runs on (read once: the hardware does not change under a running process). */
    public static HostCapabilities detect() {
        return Detected.INSTANCE;
    }

    /** This record with the execution providers of the ONNX Runtime build in use. */
    public HostCapabilities withExecutionProviders(Collection<String> providers) {
        return new HostCapabilities(arch, cpuFeatures, cpuFeaturesKnown, nvidiaGpu, Set.copyOf(providers));
    }

    /** Whether a CUDA execution provider is usable: needs the GPU and, when providers are known, the CUDA provider. */
    public boolean cudaAvailable() {
        return nvidiaGpu && (executionProviders.isEmpty() || executionProviders.contains("CUDA"));
    }

    /**
     * The most specific CPU platform this machine is, in the compiler's terms: {@code linux/x86_64/avx512} where
     * AVX-512F is present, else {@code linux/x86_64}; {@code linux/arm64}. A GPU does not change it (GPU platforms
     * are chosen, not detected).
     */
    public String cpuPlatform() {
        if (arch.equals(X86_64) && cpuFeatures.contains("avx512f")) {
            return "linux/x86_64/avx512";
        }
        return "linux/" + arch;
    }

    /** {@code amd64}/{@code x86-64} → {@code x86_64}, {@code aarch64} → {@code arm64}; others lower-cased. */
    public static String normalizeArch(String osArch) {
        String a = osArch.trim().toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x86-64", "x64" -> X86_64;
            case "aarch64", "arm64" -> ARM64;
            default -> a;
        };
    }

    /**
     * The feature flags of the first processor in a {@code /proc/cpuinfo} text: the {@code flags} line on x86, the
     * {@code Features} line on arm64 (every core reports the same set on the machines this targets).
     */
    public static Set<String> parseCpuInfo(String cpuinfo) {
        Set<String> flags = new TreeSet<>();
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (key.equals("flags") || key.equals("features")) {
                for (String flag : line.substring(colon + 1).trim().split("\\s+")) {
                    if (!flag.isEmpty()) {
                        flags.add(flag.toLowerCase(Locale.ROOT));
                    }
                }
                break;
            }
        }
        return flags;
    }

    private static final class Detected {
        static final HostCapabilities INSTANCE = read();

        private static HostCapabilities read() {
            Set<String> features = Set.of();
            boolean known = false;
            if (Files.isReadable(CPUINFO)) {
                try {
                    features = parseCpuInfo(Files.readString(CPUINFO, StandardCharsets.ISO_8859_1));
                    known = true;
                } catch (IOException e) {
                    // Unknown features are not checked rather than guessed.
                }
            }
            boolean gpu = Files.exists(Path.of("/proc/driver/nvidia/version")) || Files.exists(Path.of("/dev/nvidia0"));
            return new HostCapabilities(System.getProperty("os.arch", "unknown"), features, known, gpu, Set.of());
        }
    }
}
