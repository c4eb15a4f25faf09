package dev.sluice.loadtests;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.feed;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;

/**
 * A multi-model endpoint under a Zipf model mix: each request names one of N models in
 * {@code X-Amzn-SageMaker-Target-Model}, rank k drawn with probability proportional to 1 / k^s, so a few models are
 * hot and a long tail is loaded on first use (and evicted when the memory budget runs short). The models are
 * {@code model-1.tar.gz} … {@code model-N.tar.gz} as loadtests/prepare-models.sh writes them; the server is
 * {@code ./sluice serve --multi-model mme=DIR} (loadtests/README.md).
 *
 * <p>Properties: sluice.url, sluice.adminUrl (for the cache metrics printed at the end), sluice.endpoint (mme),
 * sluice.models (N, 100), sluice.zipfExponent (1.1), sluice.modelPattern (model-%d.tar.gz), sluice.rate (20/s),
 * sluice.duration (30 s), sluice.warmupSeconds (5), sluice.p99Ms (1000), sluice.maxErrorPercent (1.0). The payload
 * is the tiny model's.
 */
public final class MultiModelZipf extends Simulation {
    static final String TARGET_MODEL_HEADER = "X-Amzn-SageMaker-Target-Model";
    static final String REQUEST = "POST /endpoints/{name}/invocations (target model)";

    private final String endpoint = Settings.string("sluice.endpoint", "mme");
    private final int models = Settings.positiveInt("sluice.models", 100);
    private final double exponent = Settings.nonNegativeDouble("sluice.zipfExponent", 1.1);
    private final String pattern = Settings.string("sluice.modelPattern", "model-%d.tar.gz");
    private final double rate = Settings.rate();
    private final Duration duration = Settings.duration();
    private final ZipfSampler zipf = new ZipfSampler(models, exponent);
    private final Duration warmUp = Common.warmUp();
    /** Successful measured requests per rank, to print the mix the run really had. */
    private final AtomicLongArray answered = new AtomicLongArray(models);
    /** An endless feeder; every draw is independent, so it holds no state beyond the shared, immutable sampler. */
    private final Iterator<Map<String, Object>> targets = new Iterator<>() {
        @Override
        public boolean hasNext() {
            return true;
        }

        @Override
        public Map<String, Object> next() {
            int rank = zipf.rank(ThreadLocalRandom.current().nextDouble());
            return Map.of("targetModel", String.format(pattern, rank), "rank", rank);
        }
    };

    /** One invocation for the model the feeder drew; the measured phase's answers are tallied by rank. */
    private ChainBuilder invoke(String requestName) {
        ChainBuilder call = exec(http(requestName).post("/endpoints/" + endpoint + "/invocations")
                .header(TARGET_MODEL_HEADER, "#{targetModel}")
                .body(StringBody(Payload.TINY.body))
                .check(status().is(200), Payload.TINY.shapeCheck()));
        if (!requestName.equals(REQUEST)) {
            return feed(targets).exec(call);
        }
        return feed(targets).exec(call).exitHereIfFailed().exec(session -> {
            answered.incrementAndGet(session.getInt("rank") - 1);
            return session;
        });
    }

    {
        String.format(pattern, 1); // a pattern without %d fails here, before any load
        Common.banner("MultiModelZipf", String.format("%s, endpoint %s, %d models (%s), Zipf s=%.2f, %.1f/s for %d s "
                        + "after %d s warm-up", Settings.url(), endpoint, models, pattern, exponent, rate,
                duration.toSeconds(), warmUp.toSeconds()));
        setUp(Common.afterWarmUp(warmUp, rate, this::invoke,
                        scenario("multi-model zipf").exec(invoke(REQUEST))
                                .injectOpen(constantUsersPerSec(rate).during(duration))))
                .protocols(Common.protocol(Settings.url()))
                .assertions(Common.standardAssertions(REQUEST))
                .maxDuration(warmUp.plus(duration).plus(Common.MAX_DURATION_SLACK));
    }

    @Override
    public void after() {
        long total = 0;
        int distinct = 0;
        for (int i = 0; i < models; i++) {
            total += answered.get(i);
            distinct += answered.get(i) > 0 ? 1 : 0;
        }
        StringBuilder head = new StringBuilder();
        for (int rank = 1; rank <= Math.min(5, models); rank++) {
            head.append(String.format(" #%d %.3f (expected %.3f)", rank,
                    total == 0 ? 0.0 : answered.get(rank - 1) / (double) total, zipf.probability(rank)));
        }
        Common.banner("MultiModelZipf", total + " measured answers over " + distinct
                + " distinct models; share of the top ranks:" + head);
        try (ControlPlaneClient admin = new ControlPlaneClient(Settings.adminUrl())) {
            String mme = admin.metrics().lines()
                    .filter(l -> l.startsWith("sluice_mme_") && l.contains("host=\"" + endpoint + "\"")
                            && (l.contains("cache_") || l.contains("loaded_models") || l.contains("evictions")))
                    .collect(Collectors.joining("\n  "));
            Common.banner("MultiModelZipf", "server's multi-model metrics:\n  " + (mme.isEmpty() ? "(none)" : mme));
        } catch (RuntimeException e) {
            Common.banner("MultiModelZipf", "metrics not read: " + e.getMessage());
        }
    }
}
