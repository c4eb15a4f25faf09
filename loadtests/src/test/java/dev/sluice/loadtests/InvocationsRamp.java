package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * The arrival rate ramps linearly from {@code sluice.rampFrom} to {@code sluice.rampTo} per second over
 * {@code sluice.rampSeconds}, then holds {@code sluice.rampTo} for {@code sluice.holdSeconds}: where a server's
 * latency starts to climb shows in the report's response-time-over-time chart.
 *
 * <p>Properties: sluice.url, sluice.payload (minilm|tiny), sluice.rampFrom (5/s), sluice.rampTo (50/s),
 * sluice.rampSeconds (20), sluice.holdSeconds (10), sluice.warmupSeconds (5, at the starting rate), sluice.p99Ms
 * (1000), sluice.maxErrorPercent (1.0).
 */
public final class InvocationsRamp extends Simulation {
    static final String REQUEST = "POST /invocations";

    private final Payload payload = Settings.payload(Payload.MINILM);
    private final double from = Settings.positiveDouble("sluice.rampFrom", 5);
    private final double to = Settings.positiveDouble("sluice.rampTo", 50);
    private final Duration ramp = Duration.ofSeconds(Settings.positiveInt("sluice.rampSeconds", 20));
    private final Duration hold = Duration.ofSeconds(Settings.positiveInt("sluice.holdSeconds", 10));
    private final Duration warmUp = Common.warmUp();

    private ChainBuilder invoke(String requestName) {
        return exec(http(requestName).post("/invocations")
                .body(StringBody(payload.body))
                .check(status().is(200), payload.shapeCheck()));
    }

    {
        Common.banner("InvocationsRamp", String.format("%s, payload %s, %.1f → %.1f/s over %d s, then %d s held "
                + "(after %d s warm-up)", Settings.url(), payload, from, to, ramp.toSeconds(), hold.toSeconds(),
                warmUp.toSeconds()));
        setUp(Common.afterWarmUp(warmUp, from, this::invoke,
                        scenario("invocations ramp " + payload.name().toLowerCase()).exec(invoke(REQUEST))
                                .injectOpen(
                                        rampUsersPerSec(from).to(to).during(ramp),
                                        constantUsersPerSec(to).during(hold))))
                .protocols(Common.protocol(Settings.url()))
                .assertions(Common.standardAssertions(REQUEST))
                .maxDuration(warmUp.plus(ramp).plus(hold).plus(Common.MAX_DURATION_SLACK));
    }
}
