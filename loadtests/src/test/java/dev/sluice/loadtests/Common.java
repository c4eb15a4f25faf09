package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.List;

/** What every simulation shares: the HTTP protocol and the error-rate and p99 assertions. */
final class Common {
    /** Slack past the injection profile before Gatling stops a run that hangs (every run stays bounded). */
    static final Duration MAX_DURATION_SLACK = Duration.ofSeconds(60);

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

    /** Fewer than {@code sluice.maxErrorPercent} % failed, and p99 under {@code sluice.p99Ms} ms. */
    static List<Assertion> standardAssertions() {
        return List.of(
                global().failedRequests().percent().lt(Settings.maxErrorPercent()),
                global().responseTime().percentile(99.0).lt(Settings.p99Millis()));
    }

    static void banner(String simulation, String details) {
        System.out.println("[" + simulation + "] " + details);
    }
}
