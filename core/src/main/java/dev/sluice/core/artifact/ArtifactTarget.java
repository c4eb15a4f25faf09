package dev.sluice.core.artifact;

import java.util.List;
import java.util.Locale;

/**
 * What an artifact was compiled for.
 *
 * @param device      the target as given to the compiler: a SageMaker target device ({@code ml_c5}) or a platform
 *                    ({@code linux/arm64})
 * @param platform    {@code linux/x86_64}, {@code linux/x86_64/avx512}, {@code linux/arm64} or {@code linux/x86_64/nvidia}
 * @param arch        {@code x86_64} or {@code arm64}
 * @param accelerator {@code none} or {@code nvidia}
 * @param cpuFeatures CPU flags the artifact needs, spelled as {@code /proc/cpuinfo} spells them; kept minimal: only
 *                    what the compiled graph or its tuning really relies on
 */
public record ArtifactTarget(String device, String platform, String arch, String accelerator, List<String> cpuFeatures) {
    public static final String ACCELERATOR_NONE = "none";
    public static final String ACCELERATOR_NVIDIA = "nvidia";

    public ArtifactTarget {
        device = required(device, "target.device");
        platform = required(platform, "target.platform");
        arch = HostCapabilities.normalizeArch(required(arch, "target.arch"));
        accelerator = accelerator == null || accelerator.isBlank() ? ACCELERATOR_NONE
                : accelerator.trim().toLowerCase(Locale.ROOT);
        if (!accelerator.equals(ACCELERATOR_NONE) && !accelerator.equals(ACCELERATOR_NVIDIA)) {
            throw new IllegalArgumentException("target.accelerator must be '" + ACCELERATOR_NONE + "' or '"
                    + ACCELERATOR_NVIDIA + "', got '" + accelerator + "'");
        }
        cpuFeatures = cpuFeatures == null ? List.of() : List.copyOf(cpuFeatures);
    }

    /** {@code linux/x86_64/nvidia (ml_g4dn)}, or the platform alone when the device is the platform. */
    public String describe() {
        return device.equals(platform) ? platform : platform + " (" + device + ")";
    }

    static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("artifact manifest: " + field + " must not be empty");
        }
        return value.trim();
    }
}
