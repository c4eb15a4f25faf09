package dev.sluice.recommender;

import java.util.Locale;
import java.util.Objects;

/**
 * One instance type of the catalog: what it has and what it costs.
 *
 * @param name         SageMaker's name, e.g. {@code ml.c5.large}
 * @param vCpus        virtual CPUs (on x86 instances these are hyperthreads: 2 vCPUs are one physical core)
 * @param memoryGiB    memory in GiB
 * @param arch         {@code x86_64} or {@code arm64}
 * @param accelerator  the accelerator (e.g. {@code nvidia-t4}), or null for CPU-only types
 * @param pricePerHour on-demand price per instance-hour in US dollars
 */
public record InstanceType(String name, int vCpus, double memoryGiB, String arch, String accelerator,
                           double pricePerHour) {
    public static final String ARCH_X86_64 = "x86_64";
    public static final String ARCH_ARM64 = "arm64";

    public InstanceType {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("instance type name must not be empty");
        }
        if (vCpus < 1) {
            throw new IllegalArgumentException("instance type '" + name + "': vCpus must be >= 1, got " + vCpus);
        }
        if (!(memoryGiB > 0)) {
            throw new IllegalArgumentException("instance type '" + name + "': memoryGiB must be > 0, got " + memoryGiB);
        }
        arch = normalizeArch(Objects.requireNonNull(arch, "instance type '" + name + "': arch is required"));
        if (!arch.equals(ARCH_X86_64) && !arch.equals(ARCH_ARM64)) {
            throw new IllegalArgumentException("instance type '" + name + "': arch must be x86_64 or arm64, got '"
                    + arch + "'");
        }
        if (accelerator != null && (accelerator.isBlank() || accelerator.equalsIgnoreCase("none"))) {
            accelerator = null;
        }
        if (!(pricePerHour >= 0) || Double.isInfinite(pricePerHour)) {
            throw new IllegalArgumentException("instance type '" + name + "': pricePerHour must be >= 0, got "
                    + pricePerHour);
        }
    }

    public boolean hasAccelerator() {
        return accelerator != null;
    }

    public long memoryBytes() {
        return (long) (memoryGiB * (1L << 30));
    }

    /** {@code amd64} (what the JVM says on Linux x86) is {@code x86_64}; {@code aarch64} is {@code arm64}. */
    public static String normalizeArch(String arch) {
        String a = arch.trim().toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86-64", "x64" -> ARCH_X86_64;
            case "aarch64", "arm64" -> ARCH_ARM64;
            default -> a;
        };
    }
}
