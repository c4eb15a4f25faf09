package dev.sluice.recommender.internal;

import java.io.IOException;
import dev.sluice.recommender.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU and memory of a gateway, read the way a user would: its Prometheus {@code /metrics} on the admin port
 * ({@code process_cpu_time_ns_total}, {@code system_cpu_count}, JVM memory), plus the resident set size from
 * {@code /proc} when the gateway is a process on this machine. A gateway that does not export these yields nulls.
 */
public final class ResourceSampler {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient client;
    private final URI metrics;
    private final Long processId;
    private final Gateway gateway;

    /**
     * @param processId the gateway's process on this machine (its RSS is read from {@code /proc}), or null for a
     *                  remote gateway, whose JVM memory (heap, non-heap, buffers) stands in: it misses native memory
     *                  such as ONNX Runtime's, so it is a lower bound
     */
    public ResourceSampler(HttpClient client, Gateway gateway) {
        this.client = client;
        this.gateway = gateway;
        this.metrics = gateway.adminUrl().resolve("/metrics");
        this.processId = gateway.processId();
    }

    /**
     * @param cpuNanos    the process's CPU time so far, or null
     * @param cpuCount    CPUs the process sees, or null
     * @param cpuUsage    the process's recent CPU share (0-1 of all CPUs) as the gateway reports it, or null
     * @param memoryBytes resident memory (or JVM memory for remote gateways), or null
     */
    public record Sample(long atNanos, Double cpuNanos, Double cpuCount, Double cpuUsage, Long memoryBytes,
                         boolean residentMemory) {
    }

    public Sample sample() throws InterruptedException {
        long at = System.nanoTime();
        Map<String, Double> values = scrape();
        Long memory = residentBytes();
        boolean resident = memory != null;
        if (memory == null) {
            Double heap = values.get("jvm_memory_used_bytes");
            Double buffers = values.get("jvm_buffer_memory_used_bytes");
            memory = heap == null ? null : (long) (heap + (buffers == null ? 0 : buffers));
        }
        return new Sample(at, values.get("process_cpu_time_ns_total"), values.get("system_cpu_count"),
                values.get("process_cpu_usage"), memory, resident);
    }

    /**
     * CPU over the interval between two samples, in percent of all the process's CPUs (100 = every vCPU busy), or
     * null when the gateway exports neither CPU time nor usage.
     */
    public static Double cpuPercent(Sample before, Sample after) {
        if (before.cpuNanos() != null && after.cpuNanos() != null && after.cpuCount() != null
                && after.atNanos() > before.atNanos()) {
            double busy = after.cpuNanos() - before.cpuNanos();
            double available = (after.atNanos() - before.atNanos()) * after.cpuCount();
            return Math.max(0, Math.min(100, 100 * busy / available));
        }
        return after.cpuUsage() == null ? null : 100 * after.cpuUsage();
    }

    private Map<String, Double> scrape() throws InterruptedException {
        try {
            HttpResponse<String> response = client.send(gateway.request(metrics).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Map.of();
            }
            return parse(response.body(), List.of("process_cpu_time_ns_total", "system_cpu_count",
                    "process_cpu_usage", "jvm_memory_used_bytes", "jvm_buffer_memory_used_bytes"));
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** Sums each wanted metric over its label sets (Prometheus text format 0.0.4). */
    static Map<String, Double> parse(String text, List<String> wanted) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int nameEnd = 0;
            while (nameEnd < line.length() && line.charAt(nameEnd) != '{' && line.charAt(nameEnd) != ' ') {
                nameEnd++;
            }
            String name = line.substring(0, nameEnd);
            if (!wanted.contains(name)) {
                continue;
            }
            int valueStart = line.charAt(Math.min(nameEnd, line.length() - 1)) == '{'
                    ? line.indexOf("} ", nameEnd) + 2 : nameEnd + 1;
            if (valueStart < 2 || valueStart > line.length()) {
                continue;
            }
            String rest = line.substring(valueStart).trim();
            int space = rest.indexOf(' ');
            try {
                double value = Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
                if (!Double.isNaN(value)) {
                    out.merge(name, value, Double::sum);
                }
            } catch (NumberFormatException ignored) {
                // A sample this parser does not understand is skipped rather than failing the measurement.
            }
        }
        return out;
    }

    private Long residentBytes() {
        if (processId == null) {
            return null;
        }
        Path status = Path.of("/proc", Long.toString(processId), "status");
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
