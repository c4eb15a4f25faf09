package dev.sluice.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.SluiceException;
import dev.sluice.recommender.StoppingConditions.LatencyThreshold;
import dev.sluice.recommender.StoppingConditions.Percentile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole job against {@link FakeGateway}, whose endpoints serve {@code workers × 1000 / 8 ms} requests per second:
 * real HTTP, real load, short steps. The SLA is P95 (not P99) and the runner counts differ by 4×, so that one hiccup of
 * a shared machine in a 0.4 s step cannot decide the comparison.
 */
@Timeout(60)
class RecommenderTest {
    private static final byte[] BODY = "1,2,3,4".getBytes(StandardCharsets.UTF_8);
    private FakeGateway gateway;
    private final List<ProgressEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        gateway = new FakeGateway();
        gateway.serviceMillis = 8;
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    static ModelUnderTest model(byte[] payload) {
        return new ModelUnderTest("mlp.onnx", ModelUnderTest.IMAGE_ONNX, List.of(ArtifactVariant.original("/m.onnx")),
                Map.of(), Map.of(), payload, "text/csv", null);
    }

    static RecommendRequest request(ModelUnderTest model, List<Integer> workers, long maxRpm, boolean verify) {
        TrafficPattern.Stairs stairs = new TrafficPattern.Stairs(40, 2, Duration.ofMillis(400), 9, 2);
        RecommendRequest.Options options = new RecommendRequest.Options(verify, Duration.ofMillis(600), true,
                Duration.ofMillis(200), 64, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(2), 0.2);
        return new RecommendRequest("test-job", model, new CandidateGrid(workers, List.of(1),
                List.of(BatchingChoice.OFF)), stairs, StoppingConditions.of(new LatencyThreshold(Percentile.P95, 60),
                maxRpm), InstanceCatalog.defaults(), "ml.c5.large", List.of(), options);
    }

    @Test
    void measuresEveryCandidateRanksThemVerifiesTheWinnerAndDeletesEverything() throws Exception {
        RecommendationReport report = new Recommender().run(request(model(BODY), List.of(1, 4), 0, true),
                gateway.gateway(), events::add);

        assertThat(report.status()).isEqualTo(RecommendationReport.COMPLETED);
        assertThat(report.measured()).hasSize(2).allMatch(Recommendation::meetsSla).noneMatch(Recommendation::estimated);
        Recommendation one = byLabel(report, "w1-t1-off");
        Recommendation four = byLabel(report, "w4-t1-off");
        // One runner of 8 ms serves at most 125/s; four, 500/s.
        assertThat(one.metrics().maxInvocations()).as("steps: %s", one.steps()).isBetween(1L, 125L * 60);
        assertThat(four.metrics().maxInvocations()).as("steps: %s / %s", one.steps(), four.steps())
                .isGreaterThan(one.metrics().maxInvocations()).isLessThanOrEqualTo(500L * 60);
        assertThat(report.recommended().recommendationId()).isEqualTo("ml.c5.large/w4-t1-off");
        assertThat(four.rank()).isEqualTo(1);
        assertThat(four.metrics().modelSetupTimeMillis()).isBetween(30L, 2000L);
        assertThat(four.metrics().cpuUtilization()).isNotNull();
        assertThat(four.metrics().memoryBytes()).as("JVM memory from /metrics").isEqualTo(150_000_000L);
        assertThat(four.steps()).isNotEmpty().allMatch(s -> s.requests() > 0);
        assertThat(four.initialInstanceCount()).isEqualTo(1);
        assertThat(four.metrics().maxInvocations()).as("20 %% headroom").isEqualTo(
                (long) Math.floor(four.metrics().maxInvocationsMeasured() * 0.8 + 1e-6));

        assertThat(report.verification()).isNotNull();
        assertThat(report.verification().recommendationId()).isEqualTo(four.recommendationId());
        assertThat(report.verification().ratePerSecond()).isEqualTo(four.metrics().maxInvocations() / 60.0);
        assertThat(report.verification().step().kind()).isEqualTo("verify");

        assertThat(report.estimated()).isNotEmpty().allMatch(Recommendation::estimated);
        assertThat(gateway.deployedEnvironments).hasSize(3).allMatch(env -> env.containsKey(
                "SAGEMAKER_MODEL_SERVER_WORKERS"));
        assertThat(gateway.endpoints).isEmpty();
        assertThat(gateway.configs).isEmpty();
        assertThat(gateway.models).isEmpty();

        assertThat(events).first().isInstanceOf(ProgressEvent.Planned.class);
        assertThat(events).filteredOn(e -> e instanceof ProgressEvent.CandidateFinished).hasSize(2);
        assertThat(events).last().isInstanceOf(ProgressEvent.VerificationFinished.class);
        JsonNode json = ReportJson.toJson(report);
        assertThat(RecommendationSchema.validate(json)).isEmpty();
    }

    @Test
    void theMaximumLoadStopsTheSearchAndSizesTheFleet() throws Exception {
        // Four runners serve 500/s: 50/s leaves so much room that no hiccup of a shared machine reaches the SLA.
        RecommendationReport report = new Recommender().run(request(model(BODY), List.of(4), 3000, false),
                gateway.gateway(), events::add);
        Recommendation one = report.measured().get(0);
        assertThat(one.stoppedBy()).as("steps: %s", one.steps()).isEqualTo(StopReason.MAX_INVOCATIONS);
        assertThat(one.metrics().maxInvocations()).isEqualTo(3000);
        assertThat(one.metrics().maxInvocationsMeasured()).as("confirmed with the headroom on top").isEqualTo(3750);
        assertThat(one.initialInstanceCount()).isEqualTo(1);
        assertThat(report.verification()).isNull();
    }

    @Test
    void aPayloadTheModelRefusesFailsTheJobWithTheModelsMessage() {
        gateway.rejectStatus = 400;
        assertThatThrownBy(() -> new Recommender().run(request(model(BODY), List.of(1, 2), 0, true), gateway.gateway(),
                events::add)).isInstanceOf(SluiceException.class).hasMessageContaining("HTTP 400")
                .hasMessageContaining("bad input");
        assertThat(gateway.deployedEnvironments).as("stopped after the first candidate").hasSize(1);
        assertThat(gateway.endpoints).isEmpty();
        assertThat(gateway.models).isEmpty();
    }

    @Test
    void withoutAPayloadOneIsMadeFromTheInputSignature() throws Exception {
        gateway.expectedBody = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
                + "\"data\":[0.5,0.5,0.5,0.5]}]}";
        RecommendationReport report = new Recommender().run(request(model(null), List.of(2), 6000, false),
                gateway.gateway(), events::add);
        assertThat(report.measured().get(0).meetsSla()).isTrue();
        assertThat(ReportJson.toJson(report).path("InputConfig").path("PayloadBytes").isNull()).isTrue();
    }

    @Test
    void anEndpointThatNeverComesUpIsAFailedRowNotACrash() throws Exception {
        gateway.setupMillis = 60_000;
        RecommendRequest base = request(model(BODY), List.of(1), 0, true);
        RecommendRequest.Options o = base.options();
        RecommendRequest quick = new RecommendRequest(base.jobName(), base.model(), base.grid(), base.traffic(),
                base.stopping(), base.catalog(), base.localInstanceType(), base.hosts(),
                new RecommendRequest.Options(o.verify(), o.verifyDuration(), o.estimate(), o.warmUp(), o.maxInFlight(),
                        o.requestTimeout(), Duration.ofMillis(300), o.timeBudget(), o.headroom()));
        RecommendationReport report = new Recommender().run(quick, gateway.gateway(), events::add);
        Recommendation row = report.measured().get(0);
        assertThat(row.stoppedBy()).isEqualTo(StopReason.FAILED);
        assertThat(row.error()).contains("not InService");
        assertThat(row.rank()).isNull();
        assertThat(report.recommended()).isNull();
        assertThat(report.verification()).isNull();
        assertThat(report.estimated()).isEmpty();
        assertThat(gateway.endpoints).isEmpty();
        assertThat(RecommendationSchema.validate(ReportJson.toJson(report))).isEmpty();
    }

    @Test
    void stoppingAJobEndsItWithAStoppedReportAndNothingLeftDeployed() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            RecommendationJob[] job = new RecommendationJob[1];
            java.util.concurrent.CountDownLatch firstStep = new java.util.concurrent.CountDownLatch(1);
            job[0] = new Recommender().start(request(model(BODY), List.of(1, 2), 0, true), gateway.gateway(), e -> {
                if (e instanceof ProgressEvent.StepMeasured) {
                    firstStep.countDown();
                }
            }, executor);
            assertThat(firstStep.await(20, TimeUnit.SECONDS)).isTrue();
            job[0].stop();
            RecommendationReport report = job[0].result().get(20, TimeUnit.SECONDS);
            assertThat(report.status()).isEqualTo(RecommendationReport.STOPPED);
            assertThat(job[0].status()).isEqualTo("STOPPED");
            assertThat(report.measured()).hasSizeLessThan(2);
            assertThat(report.verification()).isNull();
            assertThat(gateway.endpoints).isEmpty();
        } finally {
            executor.shutdownNow();
        }
    }

    private static Recommendation byLabel(RecommendationReport report, String label) {
        return report.measured().stream().filter(r -> r.candidate().label().equals(label)).findFirst().orElseThrow();
    }
}
