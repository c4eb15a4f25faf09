package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** What every simulation shares: the HTTP protocol, the warm-up phase and the error-rate and p99 assertions. */
final class Common {
    /** Slack past the injection profile before Gatling stops a run that hangs (every run stays bounded). */
    static final Duration MAX_DURATION_SLACK = Duration.ofSeconds(60);
    /** The warm-up's request name; its requests are in the report but not in the assertions. */
    static final String WARM_UP_REQUEST = "warm-up";

    private Common() {
    }

    /**
     * JSON in and out; connections shared between virtual users like an SDK client's pool (otherwise every arrival
     * would open a new TCP connection and the test would measure connects); no warm-up request, whose default target
     * is a public web site.
     */
    static HttpProtocolBuilder protocol(String baseUrl) {
        return http.baseUrl(baseUrl)
                .contentTypeHeader("application/json")
                .acceptHeader("application/json")
                .userAgentHeader("sluice-loadtests")
                .shareConnections()
                .disableWarmUp();
    }

    /** {@code sluice.warmupSeconds} (default 5; 0 = none). */
    static Duration warmUp() {
        return Duration.ofSeconds(Settings.nonNegativeInt("sluice.warmupSeconds", 5));
    }

    /**
     * {@code measured}, preceded by {@code warmUp} of the same requests at {@code rate} under the name
     * {@link #WARM_UP_REQUEST}: both JVMs (the server's and Gatling's) compile their hot paths during the first
     * seconds, which would otherwise dominate a short run's percentiles.
     *
     * @param call the requests of one virtual user, given the request name to record them under
     */
    static PopulationBuilder afterWarmUp(Duration warmUp, double rate, Function<String, ChainBuilder> call,
                                         PopulationBuilder measured) {
        if (warmUp.isZero()) {
            return measured;
        }
        return scenario(WARM_UP_REQUEST).exec(call.apply(WARM_UP_REQUEST))
                .injectOpen(constantUsersPerSec(rate).during(warmUp))
                .andThen(measured);
    }

    /**
     * Fewer than {@code sluice.maxErrorPercent} % of the measured requests failed, and their p99 is under
     * {@code sluice.p99Ms} ms. The warm-up is reported but not judged: it is where JIT compilation, connection set-up
     * and (multi-model) first loads happen, and a server that fails there fails the measured phase too.
     */
    static List<Assertion> standardAssertions(String measuredRequest) {
        return List.of(
                details(measuredRequest).failedRequests().percent().lt(Settings.maxErrorPercent()),
                details(measuredRequest).responseTime().percentile(99.0).lt(Settings.p99Millis()),
                details(measuredRequest).successfulRequests().count().gt(0L));
    }

    static void banner(String simulation, String details) {
        System.out.println("[" + simulation + "] " + details);
    }
}
