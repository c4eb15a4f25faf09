package dev.sluice.neo;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a compilation did and measured: passes applied (with node counts), model size and node counts before and
 * after, the accuracy gate, and latency before and after on the compiling machine when the target runs here.
 *
 * @param target   the target as resolved ({@code ml_c5})
 * @param platform its platform ({@code linux/x86_64})
 * @param dtype    the precision of the artifact (after any fallback)
 * @param passes   passes in the order they ran
 * @param before   the source model
 * @param after    the compiled model
 * @param accuracy the accuracy gate
 * @param latency  latency and load time before/after, or why they were not measured
 * @param notes    fallbacks and caveats worth reading (int8 → float32 fallback, gate emulated, ...)
 */
public record CompileReport(String target, String platform, String dtype, List<Pass> passes, ModelStats before,
                            ModelStats after, Accuracy accuracy, Latency latency, List<String> notes) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public CompileReport {
        Objects.requireNonNull(target, "target");
        passes = List.copyOf(passes);
        notes = List.copyOf(notes);
    }

    /** One pass. {@code nodesBefore}/{@code nodesAfter} count the main graph's nodes. */
    public record Pass(String name, String detail, int nodesBefore, int nodesAfter, long millis) {
    }

    /**
     * @param nodes        node count of the main graph
     * @param initializers initializer count
     * @param bytes        size of the ONNX file
     * @param ops          node count per operator ({@code domain:op} outside ai.onnx)
     */
    public record ModelStats(int nodes, int initializers, long bytes, Map<String, Integer> ops) {
        public ModelStats {
            ops = Map.copyOf(ops);
        }
    }

    /**
     * The accuracy gate.
     *
     * @param status    {@code passed}, {@code failed} or {@code skipped}
     * @param reason    why it failed or was skipped; empty when it passed
     * @param ranOn     what ran the compiled model ("this machine's CPU execution provider", "CPU, float16 emulated")
     * @param samples   how many sample batches were compared, and where they came from
     * @param tolerance the tolerance applied
     * @param outputs   per output of the model
     */
    public record Accuracy(String status, String reason, String ranOn, String samples, Tolerance tolerance,
                           List<OutputAccuracy> outputs) {
        public Accuracy {
            outputs = List.copyOf(outputs);
        }

        @JsonIgnore
        public boolean passed() {
            return status.equals("passed");
        }

        static Accuracy skipped(String reason, Tolerance tolerance) {
            return new Accuracy("skipped", reason, "", "", tolerance, List.of());
        }
    }

    /**
     * Agreement of one output between the original and the compiled model, over all sample batches.
     *
     * @param kind                 {@code embedding} or {@code classification} (cosine similarity and, for
     *                             classification, top-1 agreement are gated), {@code values} (only absolute error),
     *                             {@code integer} (exact agreement)
     * @param maxAbsoluteError     max |a − b| over all elements
     * @param meanRelativeError    Σ|a − b| / Σ|a|: the error relative to the output's magnitude
     * @param meanCosineSimilarity mean cosine similarity of vectors along the last axis (null when not applicable)
     * @param minCosineSimilarity  the worst vector's cosine similarity
     * @param top1Agreement        fraction of vectors whose arg-max agrees (or of equal integers)
     * @param violations           what broke the tolerance; empty when the output is within it
     */
    public record OutputAccuracy(String name, String kind, long elements, double maxAbsoluteError,
                                 double meanRelativeError, Double meanCosineSimilarity, Double minCosineSimilarity,
                                 Double top1Agreement, List<String> violations) {
        public OutputAccuracy {
            violations = List.copyOf(violations);
        }
    }

    /**
     * Latency on the compiling machine, measured only when the artifact runs here.
     *
     * @param status           {@code measured} or {@code skipped}
     * @param reason           why it was skipped
     * @param input            the input it ran ({@code input_ids[1,16], ...})
     * @param threads          intra-op threads of each session
     * @param loadBeforeMillis session creation of the source model (ORT optimising at load, as hosts do)
     * @param loadAfterMillis  session creation of the artifact with its manifest's settings
     * @param runBeforeMillis  mean run time of the source model
     * @param runAfterMillis   mean run time of the artifact
     */
    public record Latency(String status, String reason, String input, int threads, double loadBeforeMillis,
                          double loadAfterMillis, double runBeforeMillis, double runAfterMillis) {
        static Latency skipped(String reason) {
            return new Latency("skipped", reason, "", 0, 0, 0, 0, 0);
        }
    }

    /** The report as pretty-printed JSON (what {@code compile-report.json} in the artifact holds). */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the compile report", e);
        }
    }

    /** The report for people: what the CLI prints and {@code compile-report.txt} holds. */
    public String toText() {
        StringBuilder s = new StringBuilder();
        s.append("Compiled for ").append(target).append(target.equals(platform) ? "" : " (" + platform + ")")
                .append(", dtype ").append(dtype).append('\n');
        s.append("Passes:\n");
        int i = 1;
        for (Pass p : passes) {
            s.append(String.format(Locale.ROOT, "  %d. %-26s %5d -> %5d nodes %7d ms  %s%n", i++, p.name(),
                    p.nodesBefore(), p.nodesAfter(), p.millis(), p.detail()));
        }
        if (before != null && after != null) {
            s.append(String.format(Locale.ROOT, "Model: %d -> %d nodes, %d -> %d initializers, %s -> %s (%.2fx)%n",
                    before.nodes(), after.nodes(), before.initializers(), after.initializers(), size(before.bytes()),
                    size(after.bytes()), after.bytes() / (double) Math.max(1, before.bytes())));
        }
        if (accuracy != null) {
            s.append("Accuracy gate: ").append(accuracy.status());
            if (!accuracy.samples().isEmpty()) {
                s.append(" on ").append(accuracy.samples());
            }
            if (!accuracy.ranOn().isEmpty()) {
                s.append(" (").append(accuracy.ranOn()).append(')');
            }
            if (!accuracy.reason().isEmpty()) {
                s.append(": ").append(accuracy.reason());
            }
            s.append('\n');
            Tolerance t = accuracy.tolerance();
            if (t != null && !accuracy.outputs().isEmpty()) {
                s.append(String.format(Locale.ROOT, "  tolerance: max abs error %s, mean cosine >= %s, top-1 >= %s"
                                + " (classification outputs)%n",
                        Double.isInfinite(t.maxAbsoluteError()) ? "not gated" : fmt(t.maxAbsoluteError()),
                        fmt(t.minCosineSimilarity()), fmt(t.minTop1Agreement())));
                s.append(String.format(Locale.ROOT, "  %-24s %-14s %12s %12s %19s %8s%n", "output", "kind",
                        "max abs err", "mean rel err", "cosine mean/min", "top-1"));
                for (OutputAccuracy o : accuracy.outputs()) {
                    String cosine = o.meanCosineSimilarity() == null ? "-"
                            : fmt(o.meanCosineSimilarity()) + "/" + fmt(o.minCosineSimilarity());
                    s.append(String.format(Locale.ROOT, "  %-24s %-14s %12s %12s %19s %8s%n", o.name(), o.kind(),
                            fmt(o.maxAbsoluteError()), fmt(o.meanRelativeError()), cosine,
                            o.top1Agreement() == null ? "-" : String.format(Locale.ROOT, "%.1f%%",
                                    100 * o.top1Agreement())));
                    for (String v : o.violations()) {
                        s.append("    ! ").append(v).append('\n');
                    }
                }
            }
        }
        if (latency != null) {
            if (latency.status().equals("measured")) {
                s.append(String.format(Locale.ROOT, "Latency on this machine (%s, %d intra-op thread%s): load %.1f -> %.1f"
                                + " ms, run %.3f -> %.3f ms (%.2fx faster)%n", latency.input(), latency.threads(),
                        latency.threads() == 1 ? "" : "s", latency.loadBeforeMillis(), latency.loadAfterMillis(),
                        latency.runBeforeMillis(), latency.runAfterMillis(),
                        latency.runBeforeMillis() / Math.max(1e-9, latency.runAfterMillis())));
            } else {
                s.append("Latency: not measured: ").append(latency.reason()).append('\n');
            }
        }
        if (!notes.isEmpty()) {
            s.append("Notes:\n");
            notes.forEach(n -> s.append("  - ").append(n).append('\n'));
        }
        return s.toString();
    }

    private static String size(long bytes) {
        return bytes >= 1_000_000 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1e6)
                : String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        return a >= 0.001 && a < 100000 ? String.format(Locale.ROOT, "%.4f", v) : String.format(Locale.ROOT, "%.3e", v);
    }
}
