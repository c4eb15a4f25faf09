package dev.sluice.recommender;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.recommender.StoppingConditions.LatencyThreshold;
import dev.sluice.recommender.StoppingConditions.Percentile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three renderings of a report (JSON against its schema, HTML, terminal) and the deployment snippet. */
class ReportTest {
    private static final InstanceCatalog CATALOG = InstanceCatalog.defaults();
    private static final StoppingConditions SLA = StoppingConditions.of(new LatencyThreshold(Percentile.P99, 50), 20000);

    static List<LoadStep> steps(double capacity) {
        List<LoadStep> out = new ArrayList<>();
        for (double rate : new double[] {25, 50, 100, 200, 150, 125, 125}) {
            double p99 = rate >= capacity ? 400 : 5 / (1 - rate / capacity);
            boolean pass = p99 <= 50;
            String kind = out.size() < 4 ? "stairs" : out.size() < 6 ? "refine" : "confirm";
            out.add(new LoadStep(kind, rate, 4, (long) (rate * 4), pass ? 0 : 3, rate, p99 / 4, p99 / 2, p99, p99 * 1.2,
                    70.0, 12.5, 500L << 20, 0.3, p99 / 4, p99 / 4, pass));
        }
        return out;
    }

    static Recommendation measured(String label, int workers, int threads, BatchingChoice batching, double capacity,
                                   ModelUnderTest model) {
        InstanceType type = CATALOG.require("ml.c5.large");
        Candidate c = new Candidate(model.artifacts().get(0), workers, threads, batching, type);
        List<LoadStep> steps = steps(capacity);
        LoadStep best = steps.stream().filter(LoadStep::passed).max(java.util.Comparator.comparingDouble(
                LoadStep::ratePerSecond)).orElseThrow();
        long maxInvocations = (long) (best.ratePerSecond() * 60);
        int count = CostModel.initialInstanceCount(SLA.maxInvocationsPerMinute(), maxInvocations);
        Metrics m = new Metrics(type.pricePerHour(), CostModel.costPerHour(type.pricePerHour(), count),
                CostModel.costPerInference(type.pricePerHour(), maxInvocations), maxInvocations,
                maxInvocations * 5 / 4, best.p99Millis(),
                best.p50Millis(), best.p95Millis(), best.p99Millis(), best.cpuUtilization(), best.memoryUtilization(),
                best.memoryBytes(), 850L);
        return new Recommendation(type.name() + "/" + c.label(), null, false, null, true, c, c.environment(model),
                count, m, steps, StopReason.LATENCY_THRESHOLD, "http://127.0.0.1:8081", null);
    }

    static RecommendationReport report(ModelUnderTest model) {
        Recommendation a = measured("a", 2, 1, BatchingChoice.OFF, 400, model);
        Recommendation b = measured("b", 1, 2, BatchingChoice.DEFAULT_ON, 160, model);
        InstanceType c5 = CATALOG.require("ml.c5.large");
        Candidate failedCandidate = new Candidate(model.artifacts().get(0), 1, 1, BatchingChoice.OFF, c5);
        Recommendation failed = new Recommendation("ml.c5.large/" + failedCandidate.label(), null, false, null, false,
                failedCandidate, failedCandidate.environment(model), 0, new Metrics(0.102, 0.102, null, 0, 0, null, null,
                null, null, null, null, null, null), List.of(), StopReason.FAILED, "http://127.0.0.1:8081",
                "endpoint failed to start: <boom> & \"quotes\"");
        List<Recommendation> ranked = CostModel.rank(List.of(b, failed, a));
        Recommendation recommended = ranked.get(0);
        List<Recommendation> estimated = CostModel.rank(Estimator.estimate(ranked, CATALOG, java.util.Set.of(
                "ml.c5.large"), SLA.maxInvocationsPerMinute()));
        LoadStep verifyStep = new LoadStep("verify", recommended.metrics().maxInvocations() / 60.0, 15, 1900, 0, 126,
                3.0, 9.0, 20.0, 30.0, 65.0, 12.0, 500L << 20, 0.2, 3.0, 3.1, true);
        Verification verification = new Verification(recommended.recommendationId(), "ml.c5.large",
                verifyStep.ratePerSecond(), verifyStep, 700L, true, null);
        RecommendRequest request = new RecommendRequest("report-test", model, CandidateGrid.defaults(),
                TrafficPattern.Stairs.defaults(), SLA, CATALOG, "ml.c5.large", List.of(), null);
        return new RecommendationReport("report-test", RecommendationReport.COMPLETED, Instant.parse(
                "2025-01-01T10:00:00Z"), Instant.parse("2025-01-01T10:05:30Z"), request, c5, "given with --instance-type",
                ranked, estimated, recommended, verification, List.of("a note"));
    }

    static ModelUnderTest onnx() {
        return new ModelUnderTest("/models/mlp.onnx", ModelUnderTest.IMAGE_ONNX,
                List.of(ArtifactVariant.original("/models/mlp.onnx")), Map.of(), Map.of(), "1,2,3,4".getBytes(),
                "text/csv", null);
    }

    @Test
    void theJsonFollowsSageMakersShapeAndItsSchema() {
        RecommendationReport report = report(onnx());
        ObjectNode json = ReportJson.toJson(report);
        assertThat(RecommendationSchema.validate(json)).isEmpty();
        JsonNode first = json.path("InferenceRecommendations").get(0);
        assertThat(first.path("Recommended").asBoolean()).isTrue();
        assertThat(first.path("Rank").asInt()).isEqualTo(1);
        assertThat(first.path("EndpointConfiguration").path("InstanceType").asText()).isEqualTo("ml.c5.large");
        assertThat(first.path("EndpointConfiguration").path("InitialInstanceCount").asInt()).isEqualTo(
                (int) Math.ceil(20000.0 / first.path("Metrics").path("MaxInvocations").asLong()));
        assertThat(first.path("ModelConfiguration").path("EnvironmentParameters").get(0).path("ValueType").asText())
                .isEqualTo("String");
        assertThat(first.path("Metrics").path("CostPerInference").asDouble()).isPositive();
        assertThat(json.path("EstimatedRecommendations")).isNotEmpty()
                .allMatch(r -> r.path("Estimated").asBoolean() && !r.path("Recommended").asBoolean());
        assertThat(json.path("InferenceRecommendations")).noneMatch(r -> r.path("Estimated").asBoolean());
        assertThat(json.path("Deployment").path("CreateEndpointConfig").path("ProductionVariants").get(0)
                .path("InstanceType").asText()).isEqualTo("ml.c5.large");
        assertThat(json.path("Verification").path("MeetsSla").asBoolean()).isTrue();
    }

    @Test
    void theSchemaRejectsWhatDoesNotMatchIt() {
        ObjectNode json = ReportJson.toJson(report(onnx()));
        ObjectNode broken = json.deepCopy();
        ((ObjectNode) broken.path("InferenceRecommendations").get(0).path("Metrics")).put("MaxInvocations", -1);
        assertThat(RecommendationSchema.validate(broken)).anyMatch(m -> m.contains("MaxInvocations"));
        ObjectNode mixed = json.deepCopy();
        ((ArrayNode) mixed.path("InferenceRecommendations")).add(json.path("EstimatedRecommendations").get(0));
        assertThat(RecommendationSchema.validate(mixed)).isNotEmpty();
        ObjectNode missing = json.deepCopy();
        ((ObjectNode) missing.path("InferenceRecommendations").get(0)).remove("Estimated");
        assertThat(RecommendationSchema.validate(missing)).anyMatch(m -> m.contains("Estimated"));
    }

    @Test
    void theHtmlIsSelfContainedAndHasEveryChartAndTheRecommendationHighlighted() {
        RecommendationReport report = report(onnx());
        String html = HtmlReport.render(report);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("</html>");
        assertThat(html).doesNotContain("<script", "http://cdn", "https://", "<link ");
        long measuredWithSteps = report.measured().stream().filter(r -> !r.steps().isEmpty()).count();
        assertThat(count(html, "<svg class=\"chart latency-chart")).isEqualTo(measuredWithSteps);
        assertThat(count(html, "<svg class=\"chart throughput-per-dollar\"")).isEqualTo(1);
        assertThat(count(html, "<tr class=\"recommended")).isEqualTo(1);
        assertThat(html).contains("<rect class=\"bar recommended\"", "<rect class=\"bar estimated\"",
                "class=\"sla\"", "class=\"max-invocations\"", "<polyline class=\"series p99\"",
                "id=\"verification\"", "meets the SLA", "id=\"deploy\"", "CreateEndpointConfig", Estimator.MODEL);
        assertThat(html).contains("&lt;boom&gt; &amp; &quot;quotes&quot;").doesNotContain("<boom>");
        // Well-formed enough for an XML reader: the SVGs stand on their own.
        Matcher svg = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html);
        while (svg.find()) {
            assertThat(svg.group()).satisfies(ReportTest::parsesAsXml);
        }
    }

    @Test
    void theTerminalTableKeepsMeasuredAndEstimatedApart() {
        RecommendationReport report = report(onnx());
        String table = TerminalTable.render(report);
        int measuredAt = table.indexOf("*1");
        int estimatedAt = table.indexOf("Estimated, not measured");
        assertThat(measuredAt).isPositive();
        assertThat(estimatedAt).isGreaterThan(measuredAt);
        assertThat(table.substring(estimatedAt)).contains("1~").doesNotContain("*1");
        assertThat(table).contains("endpoint failed to start");
    }

    @Test
    void deploySnippetsMatchTheServeFlags() {
        RecommendationReport report = report(onnx());
        DeploySnippet onnx = DeploySnippet.of(report, report.recommended());
        assertThat(onnx.serveCommand()).isEqualTo("./sluice serve --model recommended=/models/mlp.onnx --workers 2 "
                + "--intra-op-threads 1 --no-batching");
        assertThat(onnx.createModel().path("PrimaryContainer").path("ModelDataUrl").asText())
                .isEqualTo("/models/mlp.onnx");
        assertThat(onnx.serveConfigYaml()).contains("workers: 2", "batching: {enabled: false}");

        RecommendationReport demo = report(ModelUnderTest.builtinMinilm());
        Recommendation off = demo.measured().stream().filter(r -> !r.candidate().batching().enabled()).findFirst()
                .orElseThrow();
        assertThat(DeploySnippet.of(demo, off).serveCommand()).isEqualTo("./sluice serve --workers 2 --intra-op-threads 1");
        assertThat(DeploySnippet.of(demo, off).createModel().path("PrimaryContainer").has("ModelDataUrl")).isFalse();
        Recommendation on = demo.measured().stream().filter(r -> r.candidate().batching().enabled()).findFirst()
                .orElseThrow();
        assertThat(DeploySnippet.of(demo, on).serveCommand()).isEqualTo("./sluice serve --embedding-model "
                + "recommended=builtin:minilm --workers 1 --intra-op-threads 2 --max-batch-size 8 --max-batch-delay-ms 2");
    }

    @Test
    void theWriterWritesEveryFileAndTheJsonReadsBack(@TempDir Path dir) throws Exception {
        RecommendationReport report = report(onnx());
        List<Path> written = ReportWriter.write(report, dir.resolve("out"));
        assertThat(written).extracting(p -> p.getFileName().toString()).contains("recommendations.json",
                "report.html", "recommendations.schema.json", "create-endpoint-config.json", "sluice-serve.yaml");
        JsonNode back = new ObjectMapper().readTree(dir.resolve("out/recommendations.json").toFile());
        assertThat(RecommendationSchema.validate(back)).isEmpty();
        assertThat(Files.list(dir.resolve("out"))).noneMatch(p -> p.toString().endsWith(".tmp"));
        assertThat(Duration.ofSeconds(back.path("JobDurationInSeconds").asLong())).isEqualTo(Duration.ofSeconds(330));
    }

    private static long count(String text, String needle) {
        return Pattern.compile(Pattern.quote(needle)).matcher(text).results().count();
    }

    private static void parsesAsXml(String svg) {
        try {
            javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new org.xml.sax.InputSource(new java.io.StringReader(svg)));
        } catch (Exception e) {
            throw new AssertionError("not well-formed: " + e.getMessage() + "\n" + svg, e);
        }
    }
}
