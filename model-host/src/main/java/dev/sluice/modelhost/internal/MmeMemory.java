package dev.sluice.modelhost.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the process and the machine hold, read from Linux's {@code /proc}. Values are bytes; -1 where the platform does
 * not tell (then the multi-model cache falls back to artifact sizes).
 */
public final class MmeMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private MmeMemory() {
    }

    /**
     * Resident set size ({@code VmRSS}). {@code /proc/self/status} rather than {@code statm}: it states its unit (kB),
     * while statm counts pages whose size Java cannot ask for.
     */
    public static long residentBytes() {
        return kilobytesField(STATUS, "VmRSS:");
    }

    /** Peak resident set size since the process started ({@code VmHWM}). */
    public static long peakResidentBytes() {
        return kilobytesField(STATUS, "VmHWM:");
    }

    /**
     * Memory this process may use in all: the container's limit when there is one (the JDK's OperatingSystemMXBean is
     * cgroup-aware), else the machine's physical memory.
     */
    public static long physicalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            if (total > 0) {
                return total;
            }
        }
        return kilobytesField(MEMINFO, "MemTotal:");
    }

    private static long kilobytesField(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc not mounted: callers treat -1 as "unknown".
        }
        return -1;
    }
}
