package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A weighted two-variant endpoint, created through the control plane in before() (one model per variant, both the
 * tiny MLP by default), loaded at a constant rate on {@code /endpoints/{name}/invocations}. Every answer's
 * {@code x-Amzn-Invoked-Production-Variant} is counted; after() deletes the endpoint and fails the run when a
 * variant's share is off its weight by more than the tolerance.
 *
 * <p>Properties: sluice.url, sluice.adminUrl, sluice.payload (tiny|minilm), sluice.modelDataUrl (the tiny model,
 * default loadtests/target/models/mlp.onnx), sluice.weights (0.7,0.3: variants A, B, …), sluice.expectedWeights (what
 * to check against; default the weights), sluice.splitTolerance (0.05), sluice.minRequests (1000), sluice.rate (50/s),
 * sluice.duration (30 s), sluice.p99Ms (1000), sluice.maxErrorPercent (1.0).
 */
public final class TwoVariantSplit extends Simulation {
    static final String VARIANT_HEADER = "x-Amzn-Invoked-Production-Variant";

    private final Payload payload = Settings.payload(Payload.TINY);
    private final List<Double> weights = Settings.weights("sluice.weights", "0.7,0.3");
    private final List<Double> expectedWeights = Settings.weights("sluice.expectedWeights",
            Settings.string("sluice.weights", "0.7,0.3"));
    private final double tolerance = Settings.nonNegativeDouble("sluice.splitTolerance", 0.05);
    private final long minRequests = Settings.nonNegativeInt("sluice.minRequests", 1000);
    private final double rate = Settings.positiveDouble("sluice.rate", 50);
    private final Duration duration = Settings.duration();
    private final String adminUrl = Settings.adminUrl();

    private final String endpoint = "lt-split-" + Long.toString(System.currentTimeMillis(), 36);
    private final List<String> models = new ArrayList<>();
    private final VariantSplit split = new VariantSplit();

    {
        if (expectedWeights.size() != weights.size()) {
            throw new IllegalArgumentException("sluice.expectedWeights must have as many entries as sluice.weights");
        }
        ScenarioBuilder invocations = scenario("two-variant split")
                .exec(http("POST /endpoints/{name}/invocations").post("/endpoints/" + endpoint + "/invocations")
                        .body(StringBody(payload.body))
                        .check(status().is(200), payload.shapeCheck(), header(VARIANT_HEADER).saveAs("variant")))
                .exitHereIfFailed()
                .exec(session -> {
                    split.record(session.getString("variant"));
                    return session;
                });

        Common.banner("TwoVariantSplit", String.format("%s, endpoint %s, weights %s, payload %s, %.1f/s for %d s",
                Settings.url(), endpoint, weights, payload, rate, duration.toSeconds()));
        setUp(invocations.injectOpen(constantUsersPerSec(rate).during(duration)))
                .protocols(Common.protocol(Settings.url()))
                .assertions(Common.standardAssertions())
                .maxDuration(duration.plus(Common.MAX_DURATION_SLACK));
    }

    private static String variantName(int i) {
        return String.valueOf((char) ('A' + i));
    }

    @Override
    public void before() {
        try (ControlPlaneClient control = new ControlPlaneClient(adminUrl)) {
            StringBuilder variants = new StringBuilder("[");
            for (int i = 0; i < weights.size(); i++) {
                String model = endpoint + "-" + variantName(i).toLowerCase();
                control.createModel(model, payload.primaryContainerJson());
                models.add(model);
                variants.append(i == 0 ? "" : ",")
                        .append("{\"VariantName\":\"").append(variantName(i)).append("\",\"ModelName\":")
                        .append(Json.quote(model)).append(",\"InitialInstanceCount\":1,\"InitialVariantWeight\":")
                        .append(weights.get(i)).append('}');
            }
            control.createEndpointConfig(endpoint, variants.append(']').toString());
            control.createEndpoint(endpoint, endpoint);
            control.awaitInService(endpoint, Duration.ofSeconds(120));
        }
        Common.banner("TwoVariantSplit", "endpoint " + endpoint + " is InService");
    }

    @Override
    public void after() {
        try (ControlPlaneClient control = new ControlPlaneClient(adminUrl)) {
            control.deleteQuietly(endpoint, endpoint, models);
        }
        Map<String, Double> expected = new LinkedHashMap<>();
        for (int i = 0; i < expectedWeights.size(); i++) {
            expected.put(variantName(i), expectedWeights.get(i));
        }
        Map<String, Long> observed = split.counts();
        long total = observed.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder shares = new StringBuilder();
        observed.forEach((variant, count) -> shares.append(String.format(" %s=%d (%.4f)", variant, count,
                total == 0 ? 0.0 : count / (double) total)));
        Common.banner("TwoVariantSplit", "observed split over " + total + " answers:" + shares + "; expected "
                + expected + " ± " + tolerance);
        List<String> problems = VariantSplit.problems(observed, expected, tolerance, minRequests);
        if (!problems.isEmpty()) {
            // Gatling's own assertions cannot see these counts; an exception here fails the run (non-zero exit).
            throw new AssertionError("TwoVariantSplit: split check failed: " + String.join("; ", problems));
        }
        Common.banner("TwoVariantSplit", "split check passed");
    }
}
