package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A serverless endpoint from cold: before() creates it through the control plane ({@code ServerlessConfig} instead
 * of an instance count) and waits until it has scaled to zero; then one request wakes it (the "cold start" request,
 * which must succeed within the cold-start wait) and steady load follows. The server must scale to zero quickly:
 * start it with {@code --serverless-idle-seconds 2} (loadtests/README.md).
 *
 * <p>Properties: sluice.url, sluice.adminUrl, sluice.payload (tiny|minilm), sluice.modelDataUrl (tiny model),
 * sluice.coldStartWaitSeconds (60, the server's default --serverless-cold-start-wait-seconds), sluice.coldStartMaxMs
 * (bound on the cold request's response time; default the wait), sluice.idleWaitSeconds (how long before() waits
 * for scale-to-zero, 60), sluice.maxConcurrency (20), sluice.memorySizeMb (2048), sluice.rate (20/s), sluice.duration
 * (30 s), sluice.p99Ms (1000, for the steady requests), sluice.maxErrorPercent (1.0).
 */
public final class ServerlessColdStart extends Simulation {
    static final String COLD_REQUEST = "cold start";
    static final String STEADY_REQUEST = "steady";

    private final Payload payload = Settings.payload(Payload.TINY);
    private final Duration coldStartWait = Duration.ofSeconds(Settings.positiveInt("sluice.coldStartWaitSeconds", 60));
    private final int coldStartMaxMillis =
            Settings.positiveInt("sluice.coldStartMaxMs", (int) coldStartWait.toMillis());
    private final Duration idleWait = Duration.ofSeconds(Settings.positiveInt("sluice.idleWaitSeconds", 60));
    private final int maxConcurrency = Settings.positiveInt("sluice.maxConcurrency", 20);
    private final int memorySizeMb = Settings.positiveInt("sluice.memorySizeMb", 2048);
    private final double rate = Settings.rate();
    private final Duration duration = Settings.duration();
    private final String adminUrl = Settings.adminUrl();
    private final String endpoint = "lt-sls-" + Long.toString(System.currentTimeMillis(), 36);

    {
        String path = "/endpoints/" + endpoint + "/invocations";
        ScenarioBuilder cold = scenario("cold start")
                .exec(http(COLD_REQUEST).post(path).body(StringBody(payload.body))
                        .check(status().is(200), payload.shapeCheck()));
        ScenarioBuilder steady = scenario("steady")
                .exec(http(STEADY_REQUEST).post(path).body(StringBody(payload.body))
                        .check(status().is(200), payload.shapeCheck()));

        List<Assertion> assertions = new ArrayList<>(Common.standardAssertions(STEADY_REQUEST));
        assertions.add(details(COLD_REQUEST).failedRequests().count().is(0L));
        assertions.add(details(COLD_REQUEST).successfulRequests().count().is(1L));
        // Within the wait the server grants a cold start (past it the answer would be a 429); a tighter bound is a
        // target for how fast a cold start should be.
        assertions.add(details(COLD_REQUEST).responseTime().max().lt(coldStartMaxMillis));

        Common.banner("ServerlessColdStart", String.format("%s, endpoint %s, payload %s, MaxConcurrency %d, "
                        + "then %.1f/s for %d s", Settings.url(), endpoint, payload, maxConcurrency, rate,
                duration.toSeconds()));
        // The steady phase starts only once the cold request has been answered, so it measures a warm variant.
        setUp(cold.injectOpen(atOnceUsers(1))
                .andThen(steady.injectOpen(constantUsersPerSec(rate).during(duration))))
                .protocols(Common.protocol(Settings.url()))
                .assertions(assertions)
                .maxDuration(coldStartWait.plus(duration).plus(Common.MAX_DURATION_SLACK));
    }

    @Override
    public void before() {
        try (ControlPlaneClient control = new ControlPlaneClient(adminUrl)) {
            try {
                create(control);
            } catch (RuntimeException e) {
                control.deleteQuietly(endpoint, endpoint, List.of(endpoint));
                throw e;
            }
        }
    }

    private void create(ControlPlaneClient control) {
        control.createModel(endpoint, payload.primaryContainerJson());
        control.createEndpointConfig(endpoint, "[{\"VariantName\":\"AllTraffic\",\"ModelName\":"
                + Json.quote(endpoint) + ",\"ServerlessConfig\":{\"MemorySizeInMB\":" + memorySizeMb
                + ",\"MaxConcurrency\":" + maxConcurrency + "}}]");
        control.createEndpoint(endpoint, endpoint);
        control.awaitInService(endpoint, Duration.ofSeconds(120));
        Common.banner("ServerlessColdStart", "endpoint " + endpoint + " is InService; waiting for scale-to-zero");
        long start = System.nanoTime();
        if (!control.awaitInstanceCount(endpoint, 0, idleWait)) {
            throw new IllegalStateException("endpoint " + endpoint + " did not scale to zero within "
                    + idleWait.toSeconds() + " s: start the server with a short idle time, e.g. "
                    + "./sluice serve --serverless-idle-seconds 2 (or raise -Dsluice.idleWaitSeconds)");
        }
        Common.banner("ServerlessColdStart", String.format("scaled to zero after %.1f s; sending the cold request",
                (System.nanoTime() - start) / 1e9));
    }

    @Override
    public void after() {
        try (ControlPlaneClient control = new ControlPlaneClient(adminUrl)) {
            String setup = control.metrics().lines()
                    .filter(l -> l.startsWith("sluice_model_setup_time_seconds")
                            && l.contains("endpoint=\"" + endpoint + "\""))
                    .collect(Collectors.joining("\n  "));
            Common.banner("ServerlessColdStart", "server's ModelSetupTime:\n  " + (setup.isEmpty() ? "(none)" : setup));
            control.deleteQuietly(endpoint, endpoint, List.of(endpoint));
        } catch (RuntimeException e) {
            Common.banner("ServerlessColdStart", "clean-up incomplete: " + e.getMessage());
        }
    }
}
