package dev.sluice.recommender;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code report.html}: one self-contained page (inline CSS and SVG drawn here, no script, no fonts, nothing fetched),
 * so it opens from a file, an e-mail or a CI artifact alike. Charts: latency percentiles against offered load for
 * every measured candidate, and invocations per dollar for every row that meets the SLA; the recommendation is
 * highlighted in the table and in both charts.
 */
public final class HtmlReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String[] SERIES = {"p50", "p95", "p99"};

    private HtmlReport() {
    }

    public static String render(RecommendationReport report) {
        StringBuilder h = new StringBuilder(64 * 1024);
        RecommendRequest request = report.request();
        StoppingConditions stop = request.stopping();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Sluice recommendation: ").append(esc(request.model().description()))
                .append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<header><h1>Instance recommendation for <code>").append(esc(request.model().description()))
                .append("</code></h1>\n<p class=\"summary\">Job <code>").append(esc(report.jobName()))
                .append("</code>, ").append(esc(report.status())).append(", ")
                .append(esc(seconds(report.creationTime()))).append(" to ")
                .append(esc(seconds(report.completionTime()))).append(". SLA <strong>")
                .append(esc(stop.latency().label())).append("</strong>")
                .append(stop.maxInvocationsPerMinute() > 0 ? ", target load <strong>"
                        + Format.grouped(stop.maxInvocationsPerMinute()) + " invocations/min</strong>" : "")
                .append(". Measured on <strong>").append(esc(report.localInstanceType().name())).append("</strong> (")
                .append(esc(report.instanceTypeSource())).append(")")
                .append(request.hosts().isEmpty() ? "" : " and " + request.hosts().size() + " remote host(s)")
                .append(".</p></header>\n");

        recommendedSection(h, report);
        h.append("<section id=\"measured\">\n<h2>Measured configurations</h2>\n<p>Ranked by cost per inference among "
                + "the configurations that meet the SLA; the others follow unranked. Every number here was measured."
                + "</p>\n");
        table(h, report.measured(), report.recommended(), "measured");
        h.append("</section>\n");

        h.append("<section id=\"latency-charts\">\n<h2>Latency against load</h2>\n<p>Offered load (an open model: "
                + "requests start on schedule whether or not earlier ones answered) against the latency percentiles "
                + "of each step, log scale. The dashed line is the SLA, the vertical line MaxInvocations; hollow red "
                + "points missed the SLA.</p>\n<div class=\"charts\">\n");
        for (Recommendation r : report.measured()) {
            if (!r.steps().isEmpty()) {
                latencyChart(h, r, stop, report.recommended());
            }
        }
        h.append("</div>\n</section>\n");

        h.append("<section id=\"throughput-per-dollar\">\n<h2>Throughput per dollar</h2>\n<p>Invocations one dollar "
                + "buys at MaxInvocations (instance price per hour over invocations per hour), for every row that "
                + "meets the SLA; estimated rows are hatched.</p>\n");
        throughputChart(h, report);
        h.append("</section>\n");

        h.append("<section id=\"estimated\">\n<h2>Estimated, not measured</h2>\n<p class=\"model\">")
                .append(esc(Estimator.MODEL)).append("</p>\n");
        if (report.estimated().isEmpty()) {
            h.append("<p>No estimated rows.</p>\n");
        } else {
            table(h, report.estimated(), null, "estimated");
        }
        h.append("</section>\n");

        verificationSection(h, report);
        deploySection(h, report);
        methodSection(h, report);
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void recommendedSection(StringBuilder h, RecommendationReport report) {
        Recommendation r = report.recommended();
        h.append("<section id=\"recommended\" class=\"recommended-box\">\n");
        if (r == null) {
            h.append("<h2>No configuration met the SLA</h2>\n<p>Relax the SLA, give more load room, or measure larger "
                    + "instance types with --hosts.</p>\n</section>\n");
            return;
        }
        Metrics m = r.metrics();
        h.append("<h2>Recommended: <code>").append(esc(r.instanceType().name())).append("</code> × ")
                .append(r.initialInstanceCount()).append(", <code>").append(esc(r.candidate().label()))
                .append("</code></h2>\n<dl class=\"kpis\">");
        kpi(h, "MaxInvocations", Format.grouped(m.maxInvocations()) + " /min per instance (measured "
                + Format.grouped(m.maxInvocationsMeasured()) + ")");
        kpi(h, "Latency p50 / p95 / p99", Format.millis(m.p50Millis()) + " / " + Format.millis(m.p95Millis())
                + " / " + Format.millis(m.p99Millis()) + " ms");
        kpi(h, "Cost per hour", "$" + Format.fixed(m.costPerHour(), 3));
        kpi(h, "Cost per 1M inferences", m.costPerInference() == null ? "-"
                : "$" + Format.fixed(m.costPerInference() * 1e6, 3));
        kpi(h, "CPU / memory", (m.cpuUtilization() == null ? "-" : Format.fixed(m.cpuUtilization(), 0) + " %")
                + " / " + (m.memoryUtilization() == null ? "-" : Format.fixed(m.memoryUtilization(), 0) + " %"));
        kpi(h, "Model setup", m.modelSetupTimeMillis() == null ? "-"
                : Format.fixed(m.modelSetupTimeMillis() / 1000.0, 1) + " s");
        Verification v = report.verification();
        if (v != null) {
            h.append("<div class=\"").append(v.meetsSla() ? "verified" : "not-verified").append("\"><dt>Verified at ")
                    .append(Format.grouped(Math.round(v.ratePerSecond() * 60))).append("/min</dt><dd>")
                    .append(v.meetsSla() ? "meets the SLA when deployed again" : "MISSED the SLA when deployed again")
                    .append("</dd></div>");
        }
        h.append("</dl>\n</section>\n");
    }

    private static void kpi(StringBuilder h, String name, String value) {
        h.append("<div><dt>").append(esc(name)).append("</dt><dd>").append(esc(value)).append("</dd></div>");
    }

    private static void table(StringBuilder h, List<Recommendation> rows, Recommendation recommended, String kind) {
        h.append("<div class=\"table-scroll\"><table class=\"recommendations ").append(kind)
                .append("\">\n<thead><tr><th>Rank</th>"
                + "<th>Instance type</th><th>Configuration</th><th>Environment</th><th>Count</th>"
                + "<th>MaxInvocations /min</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>CPU %</th>"
                + "<th>Memory %</th><th>Setup s</th><th>$/hour</th><th>$/1M inferences</th><th>SLA</th>"
                + "<th>Stopped by</th></tr></thead>\n<tbody>\n");
        for (Recommendation r : rows) {
            Metrics m = r.metrics();
            boolean isRecommended = recommended != null
                    && r.recommendationId().equals(recommended.recommendationId());
            List<String> classes = new ArrayList<>();
            if (isRecommended) {
                classes.add("recommended");
            }
            if (r.estimated()) {
                classes.add("estimated");
            }
            if (!r.meetsSla()) {
                classes.add("misses-sla");
            }
            h.append("<tr").append(classes.isEmpty() ? "" : " class=\"" + String.join(" ", classes) + "\"")
                    .append(" data-recommendation-id=\"").append(esc(r.recommendationId())).append("\">");
            td(h, (r.rank() == null ? "–" : r.rank().toString()) + (isRecommended ? " ★" : ""));
            td(h, r.instanceType().name());
            td(h, r.candidate().label());
            // Collapsed: the label already says workers, threads and batching; the exact variables are one click away.
            h.append("<td class=\"env\"><details><summary>").append(r.environment().size())
                    .append(" variables</summary>");
            r.environment().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .forEach(e -> h.append("<code>").append(esc(e.getKey() + "=" + e.getValue())).append("</code><br>"));
            h.append("</details></td>");
            td(h, r.initialInstanceCount() == 0 ? "–" : Integer.toString(r.initialInstanceCount()));
            td(h, Format.grouped(m.maxInvocations()));
            td(h, Format.millis(m.p50Millis()));
            td(h, Format.millis(m.p95Millis()));
            td(h, Format.millis(m.p99Millis()));
            td(h, m.cpuUtilization() == null ? "–" : Format.fixed(m.cpuUtilization(), 0));
            td(h, m.memoryUtilization() == null ? "–" : Format.fixed(m.memoryUtilization(), 0));
            td(h, m.modelSetupTimeMillis() == null ? "–" : Format.fixed(m.modelSetupTimeMillis() / 1000.0, 1));
            td(h, Format.fixed(m.costPerHour(), 3));
            td(h, m.costPerInference() == null ? "–" : Format.fixed(m.costPerInference() * 1e6, 3));
            td(h, r.meetsSla() ? "meets" : "misses");
            td(h, r.stoppedBy().wireName() + (r.error() == null ? "" : ": " + r.error()));
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table></div>\n");
    }

    private static void td(StringBuilder h, String text) {
        h.append("<td>").append(esc(text)).append("</td>");
    }

    /** One candidate's steps: x offered invocations/min (linear), y latency ms (log), p50/p95/p99 lines. */
    static void latencyChart(StringBuilder h, Recommendation r, StoppingConditions stop, Recommendation recommended) {
        final double width = 420;
        final double height = 260;
        final double left = 58;
        final double right = 14;
        final double top = 28;
        final double bottom = 42;
        List<LoadStep> steps = r.steps().stream().sorted(Comparator.comparingDouble(LoadStep::ratePerSecond)).toList();
        double maxX = steps.stream().mapToDouble(s -> s.ratePerSecond() * 60).max().orElse(1) * 1.05;
        double minY = stop.latency().valueMillis();
        double maxY = stop.latency().valueMillis();
        for (LoadStep s : steps) {
            for (Double v : new Double[] {s.p50Millis(), s.p95Millis(), s.p99Millis()}) {
                if (v != null && v > 0) {
                    minY = Math.min(minY, v);
                    maxY = Math.max(maxY, v);
                }
            }
        }
        double lo = Math.pow(10, Math.floor(Math.log10(minY)));
        double hi = Math.pow(10, Math.ceil(Math.log10(maxY)));
        if (hi <= lo) {
            hi = lo * 10;
        }
        final double logLo = Math.log10(lo);
        final double logHi = Math.log10(hi);
        final double plotW = width - left - right;
        final double plotH = height - top - bottom;
        java.util.function.DoubleUnaryOperator x = v -> left + plotW * v / maxX;
        java.util.function.DoubleUnaryOperator y = v -> top + plotH * (1 - (Math.log10(Math.max(v, lo)) - logLo)
                / (logHi - logLo));
        boolean isRecommended = recommended != null && r.recommendationId().equals(recommended.recommendationId());
        h.append("<figure class=\"chart-box").append(isRecommended ? " recommended" : "").append("\">\n");
        h.append("<svg class=\"chart latency-chart").append(isRecommended ? " recommended" : "")
                .append("\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(n(width)).append(' ')
                .append(n(height)).append("\" width=\"").append(n(width)).append("\" height=\"").append(n(height))
                .append("\" role=\"img\" data-recommendation-id=\"").append(esc(r.recommendationId())).append("\">\n");
        h.append("<title>").append(esc(r.recommendationId())).append(": latency against load</title>\n");
        // Decade grid lines, with 2 and 5 in between when the range is narrow.
        boolean fine = logHi - logLo <= 2;
        for (double decade = lo; decade <= hi * 1.0001; decade *= 10) {
            for (double mult : fine ? new double[] {1, 2, 5} : new double[] {1}) {
                double v = decade * mult;
                if (v > hi * 1.0001) {
                    break;
                }
                double gy = y.applyAsDouble(v);
                h.append("<line class=\"grid\" x1=\"").append(n(left)).append("\" x2=\"").append(n(width - right))
                        .append("\" y1=\"").append(n(gy)).append("\" y2=\"").append(n(gy)).append("\"/>")
                        .append("<text class=\"tick\" x=\"").append(n(left - 6)).append("\" y=\"").append(n(gy + 4))
                        .append("\" text-anchor=\"end\">").append(esc(Format.number(v))).append("</text>\n");
            }
        }
        for (int i = 0; i <= 4; i++) {
            double v = maxX / 1.05 * i / 4;
            double gx = x.applyAsDouble(v);
            h.append("<text class=\"tick\" x=\"").append(n(gx)).append("\" y=\"").append(n(height - bottom + 16))
                    .append("\" text-anchor=\"middle\">").append(esc(shortNumber(v))).append("</text>\n");
        }
        h.append("<line class=\"axis\" x1=\"").append(n(left)).append("\" x2=\"").append(n(left)).append("\" y1=\"")
                .append(n(top)).append("\" y2=\"").append(n(height - bottom)).append("\"/>");
        h.append("<line class=\"axis\" x1=\"").append(n(left)).append("\" x2=\"").append(n(width - right))
                .append("\" y1=\"").append(n(height - bottom)).append("\" y2=\"").append(n(height - bottom))
                .append("\"/>\n");
        h.append("<text class=\"axis-label\" x=\"").append(n(left + plotW / 2)).append("\" y=\"").append(n(height - 6))
                .append("\" text-anchor=\"middle\">offered load (invocations/min)</text>\n");
        h.append("<text class=\"axis-label\" transform=\"rotate(-90)\" x=\"").append(n(-(top + plotH / 2)))
                .append("\" y=\"14\" text-anchor=\"middle\">latency (ms, log)</text>\n");
        double slaY = y.applyAsDouble(stop.latency().valueMillis());
        h.append("<line class=\"sla\" x1=\"").append(n(left)).append("\" x2=\"").append(n(width - right))
                .append("\" y1=\"").append(n(slaY)).append("\" y2=\"").append(n(slaY)).append("\"/>")
                .append("<text class=\"sla-label\" x=\"").append(n(width - right - 2)).append("\" y=\"")
                .append(n(slaY - 4)).append("\" text-anchor=\"end\">SLA ").append(esc(stop.latency().label()))
                .append("</text>\n");
        long maxInvocations = r.metrics().maxInvocations();
        if (maxInvocations > 0) {
            double mx = x.applyAsDouble(maxInvocations);
            h.append("<line class=\"max-invocations\" x1=\"").append(n(mx)).append("\" x2=\"").append(n(mx))
                    .append("\" y1=\"").append(n(top)).append("\" y2=\"").append(n(height - bottom)).append("\"/>")
                    .append("<text class=\"max-label\" x=\"").append(n(mx + 3)).append("\" y=\"").append(n(top + 10))
                    .append("\">").append(esc(shortNumber(maxInvocations))).append("/min</text>\n");
        }
        for (int si = 0; si < SERIES.length; si++) {
            StringBuilder points = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            for (LoadStep s : steps) {
                Double v = si == 0 ? s.p50Millis() : si == 1 ? s.p95Millis() : s.p99Millis();
                if (v == null) {
                    continue;
                }
                double px = x.applyAsDouble(s.ratePerSecond() * 60);
                double py = y.applyAsDouble(v);
                points.append(n(px)).append(',').append(n(py)).append(' ');
                dots.append("<circle class=\"point ").append(SERIES[si]).append(s.passed() ? "" : " fail")
                        .append("\" cx=\"").append(n(px)).append("\" cy=\"").append(n(py)).append("\" r=\"3\">")
                        .append("<title>").append(esc(SERIES[si] + " " + Format.millis(v) + " ms at "
                                + Format.grouped(Math.round(s.ratePerSecond() * 60)) + "/min (" + s.kind() + ", "
                                + s.errors() + " errors of " + s.requests() + ")")).append("</title></circle>");
            }
            if (points.length() > 0) {
                h.append("<polyline class=\"series ").append(SERIES[si]).append("\" points=\"")
                        .append(points.toString().trim()).append("\"/>\n").append(dots).append('\n');
            }
        }
        // The legend sits above the plot, where no point or label can cover it.
        double lx = left;
        for (int si = 0; si < SERIES.length; si++) {
            h.append("<line class=\"series ").append(SERIES[si]).append("\" x1=\"").append(n(lx)).append("\" x2=\"")
                    .append(n(lx + 14)).append("\" y1=\"").append(n(top - 10)).append("\" y2=\"").append(n(top - 10))
                    .append("\"/><text class=\"legend\" x=\"").append(n(lx + 17)).append("\" y=\"")
                    .append(n(top - 6)).append("\">").append(SERIES[si]).append("</text>");
            lx += 44;
        }
        h.append("\n</svg>\n<figcaption>").append(isRecommended ? "★ " : "").append(esc(r.recommendationId()))
                .append(" — ").append(esc(r.stoppedBy().wireName())).append("</figcaption>\n</figure>\n");
    }

    static void throughputChart(StringBuilder h, RecommendationReport report) {
        List<Recommendation> rows = new ArrayList<>();
        report.measured().stream().filter(Recommendation::meetsSla).forEach(rows::add);
        report.estimated().stream().filter(Recommendation::meetsSla).forEach(rows::add);
        rows.sort(Comparator.comparingDouble((Recommendation r) -> -r.metrics().invocationsPerDollar())
                .thenComparing(Recommendation::recommendationId));
        if (rows.size() > 40) {
            rows = rows.subList(0, 40);
        }
        final double width = 760;
        final double labelWidth = 330;
        final double barHeight = 18;
        final double gap = 6;
        final double top = 8;
        double height = top + Math.max(1, rows.size()) * (barHeight + gap) + 24;
        double max = rows.stream().mapToDouble(r -> r.metrics().invocationsPerDollar()).max().orElse(1);
        double plotW = width - labelWidth - 110;
        h.append("<svg class=\"chart throughput-per-dollar\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(n(width)).append(' ').append(n(height)).append("\" width=\"").append(n(width))
                .append("\" height=\"").append(n(height)).append("\" role=\"img\">\n")
                .append("<title>Invocations per dollar at MaxInvocations</title>\n");
        if (rows.isEmpty()) {
            h.append("<text class=\"legend\" x=\"10\" y=\"20\">No row meets the SLA.</text>\n");
        }
        double yy = top;
        for (Recommendation r : rows) {
            boolean isRecommended = report.recommended() != null && !r.estimated()
                    && r.recommendationId().equals(report.recommended().recommendationId());
            double value = r.metrics().invocationsPerDollar();
            double w = Math.max(1, plotW * value / max);
            String cls = "bar" + (isRecommended ? " recommended" : "") + (r.estimated() ? " estimated" : "");
            h.append("<text class=\"bar-label\" x=\"").append(n(labelWidth - 8)).append("\" y=\"")
                    .append(n(yy + barHeight - 5)).append("\" text-anchor=\"end\">")
                    .append(isRecommended ? "★ " : "").append(esc(r.recommendationId()))
                    .append(r.estimated() ? " (est.)" : "").append("</text>")
                    .append("<rect class=\"").append(cls).append("\" x=\"").append(n(labelWidth)).append("\" y=\"")
                    .append(n(yy)).append("\" width=\"").append(n(w)).append("\" height=\"").append(n(barHeight))
                    .append("\" data-recommendation-id=\"").append(esc(r.recommendationId())).append("\"><title>")
                    .append(esc(r.recommendationId() + ": " + shortNumber(value) + " invocations per dollar"))
                    .append("</title></rect>")
                    .append("<text class=\"bar-value\" x=\"").append(n(labelWidth + w + 6)).append("\" y=\"")
                    .append(n(yy + barHeight - 5)).append("\">").append(esc(shortNumber(value))).append(" /$</text>\n");
            yy += barHeight + gap;
        }
        h.append("<text class=\"axis-label\" x=\"").append(n(labelWidth)).append("\" y=\"").append(n(height - 6))
                .append("\">invocations per dollar (longer is cheaper)</text>\n</svg>\n");
    }

    private static void verificationSection(StringBuilder h, RecommendationReport report) {
        h.append("<section id=\"verification\">\n<h2>Verification</h2>\n");
        Verification v = report.verification();
        if (v == null) {
            h.append("<p>Not performed").append(report.recommended() == null ? " (nothing to verify)" : "")
                    .append(".</p>\n</section>\n");
            return;
        }
        h.append("<p class=\"").append(v.meetsSla() ? "verified" : "not-verified").append("\"><code>")
                .append(esc(v.recommendationId())).append("</code> was deployed again and offered ")
                .append(Format.grouped(Math.round(v.ratePerSecond() * 60))).append(" invocations/min for ")
                .append(v.step() == null ? "-" : Format.fixed(v.step().durationSeconds(), 0)).append(" s: ");
        if (v.step() == null) {
            h.append("it could not be measured (").append(esc(String.valueOf(v.error()))).append(").");
        } else {
            LoadStep s = v.step();
            h.append("p50 ").append(Format.millis(s.p50Millis())).append(" ms, p95 ")
                    .append(Format.millis(s.p95Millis())).append(" ms, p99 ").append(Format.millis(s.p99Millis()))
                    .append(" ms, ").append(s.errors()).append(" errors of ").append(s.requests())
                    .append(v.meetsSla() ? " — <strong>meets the SLA</strong>." : " — <strong>misses the SLA</strong>.");
        }
        h.append("</p>\n</section>\n");
    }

    private static void deploySection(StringBuilder h, RecommendationReport report) {
        if (report.recommended() == null) {
            return;
        }
        DeploySnippet d = DeploySnippet.of(report, report.recommended());
        h.append("<section id=\"deploy\">\n<h2>Deploy it</h2>\n<p>On the SageMaker control plane (Sluice's admin "
                + "port, or the AWS CLI/SDK with an endpoint override), in this order:</p>\n");
        for (Object[] op : new Object[][] {{"CreateModel", d.createModel()},
            {"CreateEndpointConfig", d.createEndpointConfig()}, {"CreateEndpoint", d.createEndpoint()}}) {
            String text;
            try {
                text = JSON.writeValueAsString(op[1]);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            h.append("<h3>").append(op[0]).append("</h3>\n<pre class=\"json\">").append(esc(text)).append("</pre>\n");
        }
        h.append("<h3>Or with <code>./sluice serve</code></h3>\n<pre class=\"shell\">").append(esc(d.serveCommand()))
                .append("</pre>\n<p>or <code>--config ").append(DeploySnippet.CONFIG_FILE)
                .append("</code>:</p>\n<pre class=\"yaml\">").append(esc(d.serveConfigYaml())).append("</pre>\n");
        h.append("</section>\n");
    }

    private static void methodSection(StringBuilder h, RecommendationReport report) {
        RecommendRequest request = report.request();
        h.append("<section id=\"method\">\n<h2>How this was measured</h2>\n<ul>\n");
        li(h, "Each candidate was deployed on a Sluice gateway through the SageMaker control plane (CreateModel, "
                + "CreateEndpointConfig, CreateEndpoint; ModelSetupTime is CreateEndpoint to InService), warmed up "
                + "with one client for " + request.options().warmUp().toMillis() / 1000.0 + " s, loaded through "
                + "/endpoints/{name}/invocations and deleted before the next one.");
        switch (request.traffic()) {
            case TrafficPattern.Stairs s -> li(h, "Traffic: STAIRS from "
                    + (s.startRatePerSecond() > 0 ? Format.number(s.startRatePerSecond()) + "/s"
                    : "half the warm-up's single-client rate") + ", ×" + Format.number(s.stepFactor()) + " per "
                    + s.stepDuration().toMillis() / 1000.0 + " s step until a step misses the SLA (or reaches the "
                    + "maximum), then up to " + s.refineSteps() + " bisection steps and a "
                    + s.confirmDuration().toMillis() / 1000.0 + " s confirmation of the best rate; at most "
                    + s.maxSteps() + " steps per candidate.");
            case TrafficPattern.Phases p -> li(h, "Traffic: PHASES " + p.phases().stream()
                    .map(ph -> Format.number(ph.ratePerSecond()) + "/s for " + ph.duration().toMillis() / 1000.0 + " s")
                    .toList() + ", stopping at the first phase that misses the SLA.");
        }
        li(h, "A step meets the SLA when its " + request.stopping().latency().label() + ", at most "
                + Format.number(request.stopping().maxErrorRate() * 100) + " % of its requests fail (non-2xx, timeout, "
                + "or not started because " + request.options().maxInFlight() + " were already in flight), and its "
                + "queue did not keep growing (the median latency of its last third of requests at most twice the "
                + "first third's + " + Format.number(request.stopping().backlogSlackMillis())
                + " ms; otherwise it is 'Saturated'). A climbing step that misses is measured a second time before "
                + "the climb stops.");
        li(h, "MaxInvocationsMeasured is the highest rate (per minute) confirmed within the SLA; MaxInvocations = "
                + "(1 − " + Format.number(request.options().headroom()) + " headroom) × that, the load an instance is "
                + "sized for; InitialInstanceCount = ceil(max invocations per minute / MaxInvocations); "
                + "CostPerInference = price per hour / (MaxInvocations × 60). The verification deploys the "
                + "recommendation again and offers it MaxInvocations (or the target load per instance, if lower).");
        for (String note : report.notes()) {
            li(h, note);
        }
        h.append("</ul>\n</section>\n");
    }

    private static void li(StringBuilder h, String text) {
        h.append("<li>").append(esc(text)).append("</li>\n");
    }

    private static String seconds(java.time.Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private static String n(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** 1234 → 1.2k, 2500000 → 2.5M. */
    static String shortNumber(double v) {
        if (v >= 1e9) {
            return Format.fixed(v / 1e9, 1) + "G";
        }
        if (v >= 1e6) {
            return Format.fixed(v / 1e6, 1) + "M";
        }
        if (v >= 1e4) {
            return Format.fixed(v / 1e3, 0) + "k";
        }
        if (v >= 1e3) {
            return Format.fixed(v / 1e3, 1) + "k";
        }
        return Format.number(Math.round(v * 10) / 10.0);
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String CSS = """
            body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1280px;
                   padding: 0 16px; color: #1d2330; }
            h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; }
            code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 12.5px; }
            pre { background: #f4f6fa; padding: 10px; overflow-x: auto; border-radius: 4px; }
            .summary { color: #4a5366; }
            .recommended-box { border: 2px solid #1f8a4c; background: #eef9f2; padding: 4px 16px 12px; border-radius: 6px; }
            .kpis { display: flex; flex-wrap: wrap; gap: 8px 32px; margin: 0; }
            .kpis dt { font-size: 12px; color: #4a5366; } .kpis dd { margin: 0; font-weight: 600; }
            table.recommendations { border-collapse: collapse; width: 100%; font-size: 12.5px; }
            table.recommendations th, table.recommendations td { border-bottom: 1px solid #dde2ea; padding: 4px 6px;
                   text-align: right; white-space: nowrap; }
            table.recommendations th:nth-child(-n+4), table.recommendations td:nth-child(-n+4) { text-align: left; }
            table.recommendations td.env { font-size: 11px; color: #4a5366; }
            table.recommendations td.env code { font-size: 10.5px; }
            .table-scroll { overflow-x: auto; }
            tr.recommended { background: #d7f3e2; font-weight: 600; outline: 2px solid #1f8a4c; }
            tr.misses-sla { color: #8a93a6; } tr.estimated td { font-style: italic; }
            .charts { display: flex; flex-wrap: wrap; gap: 12px; }
            figure.chart-box { margin: 0; border: 1px solid #dde2ea; border-radius: 4px; padding: 4px; }
            figure.chart-box.recommended { border: 2px solid #1f8a4c; background: #f3fbf6; }
            figcaption { font-size: 12px; text-align: center; color: #4a5366; }
            svg.chart text { font-size: 11px; fill: #4a5366; }
            svg.chart .grid { stroke: #e6e9ef; } svg.chart .axis { stroke: #4a5366; }
            svg.chart .sla { stroke: #c0392b; stroke-dasharray: 5 4; stroke-width: 1.5; }
            svg.chart .sla-label { fill: #c0392b; }
            svg.chart .max-invocations { stroke: #1f8a4c; stroke-dasharray: 2 3; }
            svg.chart .max-label { fill: #1f8a4c; }
            svg.chart .series { fill: none; stroke-width: 1.8; }
            svg.chart .series.p50 { stroke: #3b6fd8; } svg.chart .series.p95 { stroke: #e08a1e; }
            svg.chart .series.p99 { stroke: #8e44ad; }
            svg.chart .point.p50 { fill: #3b6fd8; } svg.chart .point.p95 { fill: #e08a1e; }
            svg.chart .point.p99 { fill: #8e44ad; }
            svg.chart .point.fail { fill: #fff; stroke: #c0392b; stroke-width: 1.5; }
            svg.chart rect.bar { fill: #7b8db3; } svg.chart rect.bar.estimated { fill: #c9d2e5; stroke: #7b8db3;
                   stroke-dasharray: 3 2; }
            svg.chart rect.bar.recommended { fill: #1f8a4c; }
            p.model { color: #4a5366; } .not-verified { color: #c0392b; } .verified { color: #1f8a4c; }
            """;
}
