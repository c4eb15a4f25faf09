package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
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
 * {@code x-Amzn-Invoked-Production-Variant} is counted; once the load is over, the "split check" request fails (and
 * with it the run's assertions) when a variant's share is off its weight by more than the tolerance. after() deletes
 * the endpoint, its config and models.
 *
 * <p>Properties: sluice.url, sluice.adminUrl, sluice.payload (tiny|minilm), sluice.modelDataUrl (the tiny model,
 * default loadtests/target/models/mlp.onnx), sluice.weights (0.7,0.3: variants A, B, …), sluice.expectedWeights (what
 * to check against; default the weights), sluice.splitTolerance (0.05), sluice.minRequests (1000), sluice.rate (50/s),
 * sluice.duration (30 s), sluice.warmupSeconds (5; not counted in the split), sluice.p99Ms (1000),
 * sluice.maxErrorPercent (1.0).
 */
public final class TwoVariantSplit extends Simulation {
    static final String VARIANT_HEADER = "x-Amzn-Invoked-Production-Variant";
    static final String REQUEST = "POST /endpoints/{name}/invocations";
    static final String SPLIT_CHECK = "split check";

    private final Payload payload = Settings.payload(Payload.TINY);
    private final List<Double> weights = Settings.weights("sluice.weights", "0.7,0.3");
    private final List<Double> expectedWeights = Settings.weights("sluice.expectedWeights",
            Settings.string("sluice.weights", "0.7,0.3"));
    private final double tolerance = Settings.nonNegativeDouble("sluice.splitTolerance", 0.05);
    private final long minRequests = Settings.nonNegativeInt("sluice.minRequests", 1000);
    private final double rate = Settings.positiveDouble("sluice.rate", 50);
    private final Duration duration = Settings.duration();
    private final Duration warmUp = Common.warmUp();
    private final String adminUrl = Settings.adminUrl();

    private final String endpoint = "lt-split-" + Long.toString(System.currentTimeMillis(), 36);
    private final List<String> models = new ArrayList<>();
    private final VariantSplit split = new VariantSplit();

    /** One invocation; only the measured phase's answers are counted towards the split. */
    private ChainBuilder invoke(String requestName) {
        ChainBuilder call = exec(http(requestName).post("/endpoints/" + endpoint + "/invocations")
                .body(StringBody(payload.body))
                .check(status().is(200), payload.shapeCheck(), header(VARIANT_HEADER).saveAs("variant")));
        if (!requestName.equals(REQUEST)) {
            return call;
        }
        return call.exitHereIfFailed().exec(session -> {
            split.record(session.getString("variant"));
            return session;
        });
    }

    {
        if (weights.size() < 2 || weights.size() > 10) {
            throw new IllegalArgumentException("sluice.weights must name 2 to 10 variants, got " + weights.size());
        }
        if (expectedWeights.size() != weights.size()) {
            throw new IllegalArgumentException("sluice.expectedWeights must have as many entries as sluice.weights");
        }
        Common.banner("TwoVariantSplit", String.format("%s, endpoint %s, weights %s, payload %s, %.1f/s for %d s "
                + "after %d s warm-up", Settings.url(), endpoint, weights, payload, rate, duration.toSeconds(),
                warmUp.toSeconds()));
        // The verdict on the split is one more request, made once every measured answer is in: its check fails with
        // the problems, so a wrong split shows in Gatling's assertions and report like any other failure (an exception
        // in after() would crash the run before the report is written).
        ScenarioBuilder verdict = scenario("split check").exec(http(SPLIT_CHECK).get("/ping")
                .check(status().is(200), bodyString().transform(body -> {
                    List<String> problems = splitProblems();
                    return problems.isEmpty() ? "split ok" : String.join("; ", problems);
                }).is("split ok")));
        List<Assertion> assertions = new ArrayList<>(Common.standardAssertions(REQUEST));
        assertions.add(details(SPLIT_CHECK).successfulRequests().count().is(1L));
        setUp(Common.afterWarmUp(warmUp, rate, this::invoke,
                        scenario("two-variant split").exec(invoke(REQUEST))
                                .injectOpen(constantUsersPerSec(rate).during(duration))
                                .andThen(verdict.injectOpen(atOnceUsers(1)))))
                .protocols(Common.protocol(Settings.url()))
                .assertions(assertions)
                .maxDuration(warmUp.plus(duration).plus(Common.MAX_DURATION_SLACK));
    }

    private static String variantName(int i) {
        return String.valueOf((char) ('A' + i));
    }

    @Override
    public void before() {
        try (ControlPlaneClient control = new ControlPlaneClient(adminUrl)) {
            create(control);
        }
        Common.banner("TwoVariantSplit", "endpoint " + endpoint + " is InService");
    }

    private void create(ControlPlaneClient control) {
        try {
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
        } catch (RuntimeException e) {
            control.deleteQuietly(endpoint, endpoint, models);
            throw e;
        }
    }

    /** What is wrong with the split observed so far (empty: nothing), printed with the observed shares. */
    private List<String> splitProblems() {
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
        Common.banner("TwoVariantSplit", problems.isEmpty() ? "split check passed"
                : "split check failed: " + String.join("; ", problems));
        return problems;
    }

    @Override
    public void after() {
        try (ControlPlaneClient control = new ControlPlaneClient(adminUrl)) {
            control.deleteQuietly(endpoint, endpoint, models);
        }
        Common.banner("TwoVariantSplit", "endpoint " + endpoint + " deleted");
    }
}
