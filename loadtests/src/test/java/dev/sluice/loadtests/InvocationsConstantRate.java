package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * A constant arrival rate (open model: arrivals do not wait for answers, as independent clients would not) against
 * {@code POST /invocations}: the MiniLM demo by default, the tiny generated MLP with {@code -Dsluice.payload=tiny}.
 *
 * <p>Properties: sluice.url, sluice.payload (minilm|tiny), sluice.rate (20/s), sluice.duration (30 s),
 * sluice.warmupSeconds (5), sluice.p99Ms (1000), sluice.maxErrorPercent (1.0).
 */
public final class InvocationsConstantRate extends Simulation {
    static final String REQUEST = "POST /invocations";

    private final Payload payload = Settings.payload(Payload.MINILM);
    private final double rate = Settings.rate();
    private final Duration duration = Settings.duration();
    private final Duration warmUp = Common.warmUp();

    private ChainBuilder invoke(String requestName) {
        return exec(http(requestName).post("/invocations")
                .body(StringBody(payload.body))
                .check(status().is(200), payload.shapeCheck()));
    }

    {
        Common.banner("InvocationsConstantRate", String.format("%s, payload %s, %.1f/s for %d s after %d s warm-up",
                Settings.url(), payload, rate, duration.toSeconds(), warmUp.toSeconds()));
        setUp(Common.afterWarmUp(warmUp, rate, this::invoke,
                        scenario("invocations " + payload.name().toLowerCase()).exec(invoke(REQUEST))
                                .injectOpen(constantUsersPerSec(rate).during(duration))))
                .protocols(Common.protocol(Settings.url()))
                .assertions(Common.standardAssertions(REQUEST))
                .maxDuration(warmUp.plus(duration).plus(Common.MAX_DURATION_SLACK));
    }
}
