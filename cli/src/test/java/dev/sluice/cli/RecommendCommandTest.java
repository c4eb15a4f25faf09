package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.modelhost.testing.OnnxFixtures;
import dev.sluice.recommender.RecommendationSchema;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sluice recommend} end to end: a gateway started by the command in this JVM, a generated ONNX model deployed
 * through the control plane for every candidate of a tiny grid, short stairs, the verification run, and the report:
 * {@code recommendations.json} against its schema and {@code report.html} rendered by headless Chromium.
 */
class RecommendCommandTest {
    /** Set to skip the browser check on a machine without Chromium (CI installs it: .ci/run). */
    private static final String SKIP_BROWSER = "sluice.test.skipBrowser";

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void recommendsAVerifiedConfigurationAndWritesAReportThatRendersWithItsCharts() throws Exception {
        Path model = OnnxFixtures.mlp(dir.resolve("model"));
        Path payload = dir.resolve("row.csv");
        Files.writeString(payload, "1,2,3,4\n");
        Path report = dir.resolve("report");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        // The model as given and compiled for ml_c5 (int8, or float32 when int8 misses the compiler's accuracy gate),
        // one runner, batching off and on: four candidates.
        // Stairs 25/s → 50/s → 100/s → 125/s (the maximum with 20 % headroom) and a 1.5 s confirmation.
        int code = cli.execute("recommend", "--model", model.toString(), "--payload", payload.toString(),
                "--report", report.toString(), "--instance-type", "ml.c5.large", "--workers", "1",
                "--intra-op-threads", "1", "--batching", "off,on", "--sla-p99-ms", "200", "--max-rpm", "6000",
                "--start-rate", "25", "--step-seconds", "0.5", "--max-steps", "6", "--refine-steps", "1",
                "--warm-up-seconds", "0.5", "--verify-seconds", "1", "--job-name", "cli-test");
        String stdout = out.toString();
        assertThat(code).as("stdout:\n%s\nstderr:\n%s", stdout, err).isZero();

        // Progress while it ran, then the table, the recommendation and its deployment.
        String compiled = stdout.contains("compiled mlp.onnx for ml_c5 (int8)") ? "int8" : "compiled";
        assertThat(stdout).contains("compiled mlp.onnx for ml_c5", "[1/4] ml.c5.large w1-t1-off",
                "[2/4] ml.c5.large w1-t1-8@2ms", "[3/4] ml.c5.large " + compiled + "/w1-t1-off", "stairs",
                "verify: deploying", "Recommended: ml.c5.large x 1", "Estimated, not measured",
                "\"EndpointConfigName\" : \"recommended-config\"", "or: ./sluice serve --model recommended=");

        JsonNode json = new ObjectMapper().readTree(report.resolve("recommendations.json").toFile());
        assertThat(RecommendationSchema.validate(json)).isEmpty();
        assertThat(json.path("InferenceRecommendations")).hasSize(4);
        assertThat(json.path("InputConfig").path("Artifacts")).extracting(a -> a.path("Name").asText())
                .containsExactly("original", compiled);
        for (JsonNode row : json.path("InferenceRecommendations")) {
            assertThat(row.path("MeetsSla").asBoolean()).as(row.toString()).isTrue();
            assertThat(row.path("Metrics").path("MaxInvocations").asLong()).isEqualTo(6000);
            assertThat(row.path("Metrics").path("MaxInvocationsMeasured").asLong()).isEqualTo(7500);
            assertThat(row.path("StoppedBy").asText()).isEqualTo("MaxInvocations");
            assertThat(row.path("Estimated").asBoolean()).isFalse();
            assertThat(row.path("LoadSteps").size()).isGreaterThanOrEqualTo(2);
        }
        assertThat(json.path("EstimatedRecommendations")).isNotEmpty()
                .allMatch(r -> r.path("Estimated").asBoolean());
        JsonNode verification = json.path("Verification");
        assertThat(verification.path("LoadStep").path("Kind").asText()).isEqualTo("verify");
        assertThat(verification.path("LoadStep").path("Requests").asLong()).isGreaterThanOrEqualTo(90);
        assertThat(verification.path("MeetsSla").asBoolean()).isTrue();
        assertThat(verification.path("RecommendationId").asText()).isEqualTo(json.path("RecommendedId").asText());
        assertThat(json.path("Deployment").path("CreateModel").path("PrimaryContainer").path("ModelDataUrl").asText())
                .isIn(model.toAbsolutePath().toString(),
                        report.resolve("artifacts/compiled-ml_c5.tar.gz").toAbsolutePath().toString());
        assertThat(report.resolve("create-endpoint-config.json")).exists();

        if (Boolean.getBoolean(SKIP_BROWSER)) {
            return;
        }
        String dom = renderInChromium(report.resolve("report.html"));
        assertThat(count(dom, "<svg class=\"chart latency-chart")).as("one latency chart per candidate").isEqualTo(4);
        assertThat(count(dom, "<svg class=\"chart throughput-per-dollar\"")).isEqualTo(1);
        assertThat(count(dom, "<polyline class=\"series p99\"")).isEqualTo(4);
        assertThat(count(dom, "<rect class=\"bar recommended\"")).isEqualTo(1);
        assertThat(count(dom, "<tr class=\"recommended\"")).isEqualTo(1);
        assertThat(dom).contains("id=\"verification\"", "meets the SLA", json.path("RecommendedId").asText());
    }

    /** The DOM after Chromium parsed and laid out the page: what a browser shows, not what we wrote. */
    private String renderInChromium(Path html) throws IOException, InterruptedException {
        String browser = findChromium();
        assertThat(browser).as("headless Chromium is needed to check the report (apt-get install chromium), or "
                + "set -D" + SKIP_BROWSER + "=true").isNotNull();
        Path profile = Files.createDirectory(dir.resolve("chromium-profile"));
        List<String> command = new ArrayList<>(List.of(browser, "--headless", "--disable-gpu", "--no-sandbox",
                "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile, "--dump-dom",
                html.toUri().toString()));
        Path dom = dir.resolve("dom.html");
        Process process = new ProcessBuilder(command).redirectOutput(dom.toFile())
                .redirectError(dir.resolve("chromium.log").toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s");
        }
        String text = Files.readString(dom, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("chromium: %s", Files.readString(dir.resolve("chromium.log"))).isZero();
        assertThat(text).as("rendered DOM").contains("<html");
        return text;
    }

    private static String findChromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    private static long count(String text, String needle) {
        return Pattern.compile(Pattern.quote(needle)).matcher(text).results().count();
    }
}
