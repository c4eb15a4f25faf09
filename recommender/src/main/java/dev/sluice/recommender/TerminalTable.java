package dev.sluice.recommender;

import java.util.ArrayList;
import java.util.List;

/**
 * The report as a plain-text table for the terminal: measured rows (ranked, the recommendation starred), then the
 * estimated rows under their own heading, so the two are never read as one list.
 */
public final class TerminalTable {
    private static final String[] HEADER = {"rank", "instance", "configuration", "count", "max inv/min", "p50 ms",
        "p95 ms", "p99 ms", "cpu %", "mem %", "setup s", "$/hour", "$/1M inf", "SLA"};
    private static final boolean[] RIGHT = {false, false, false, true, true, true, true, true, true, true, true, true,
        true, false};

    private TerminalTable() {
    }

    public static String render(RecommendationReport report) {
        StringBuilder out = new StringBuilder();
        StoppingConditions stop = report.request().stopping();
        out.append("Measured on ").append(report.localInstanceType().name())
                .append(report.request().hosts().isEmpty() ? "" : " and " + report.request().hosts().size()
                        + " host(s)")
                .append(" — SLA ").append(stop.latency().label())
                .append(stop.maxInvocationsPerMinute() > 0 ? ", max " + Format.grouped(stop.maxInvocationsPerMinute())
                        + " invocations/min" : "")
                .append(" — ranked by cost per inference among rows that meet the SLA\n")
                .append("max inv/min = ").append(Format.number(100 * (1 - report.request().options().headroom())))
                .append(" % of the highest rate confirmed within the SLA (headroom ")
                .append(Format.number(report.request().options().headroom())).append(")\n");
        out.append(table(report.measured(), report.recommended()));
        if (!report.estimated().isEmpty()) {
            out.append("\nEstimated, not measured (").append("scaled from the best measured row by vCPUs^")
                    .append(Estimator.SCALING_EXPONENT).append("; measure with --hosts to know):\n");
            out.append(table(report.estimated(), null));
        }
        return out.toString();
    }

    static String table(List<Recommendation> rows, Recommendation recommended) {
        List<String[]> lines = new ArrayList<>();
        lines.add(HEADER);
        for (Recommendation r : rows) {
            Metrics m = r.metrics();
            boolean star = recommended != null && r.recommendationId().equals(recommended.recommendationId());
            String rank = (star ? "*" : "") + (r.rank() == null ? "-" : r.rank().toString())
                    + (r.estimated() ? "~" : "");
            lines.add(new String[] {
                rank,
                r.instanceType().name(),
                r.candidate().label(),
                r.initialInstanceCount() == 0 ? "-" : Integer.toString(r.initialInstanceCount()),
                Format.grouped(m.maxInvocations()),
                Format.millis(m.p50Millis()),
                Format.millis(m.p95Millis()),
                Format.millis(m.p99Millis()),
                m.cpuUtilization() == null ? "-" : Format.fixed(m.cpuUtilization(), 0),
                m.memoryUtilization() == null ? "-" : Format.fixed(m.memoryUtilization(), 0),
                m.modelSetupTimeMillis() == null ? "-" : Format.fixed(m.modelSetupTimeMillis() / 1000.0, 1),
                Format.fixed(m.costPerHour(), 3),
                m.costPerInference() == null ? "-" : Format.fixed(m.costPerInference() * 1e6, 3),
                r.meetsSla() ? "yes" : r.error() != null ? (r.stoppedBy() == StopReason.SKIPPED ? "skipped"
                        : "failed") : "no"
            });
        }
        int[] widths = new int[HEADER.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] line : lines) {
            StringBuilder l = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                if (i > 0) {
                    l.append("  ");
                }
                String pad = " ".repeat(widths[i] - line[i].length());
                l.append(RIGHT[i] ? pad + line[i] : line[i] + pad);
            }
            out.append(l.toString().stripTrailing()).append('\n');
        }
        for (Recommendation r : rows) {
            if (r.error() != null) {
                out.append("  ").append(r.recommendationId()).append(": ").append(r.error()).append('\n');
            }
        }
        return out.toString();
    }
}
