package dev.sluice.gateway.control.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.SluiceException;
import dev.sluice.recommender.BatchingChoice;
import dev.sluice.recommender.InstanceCatalog;
import dev.sluice.recommender.InstanceType;
import dev.sluice.recommender.StoppingConditions;
import dev.sluice.recommender.TrafficPattern;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How SageMaker's CreateInferenceRecommendationsJob fields become the recommender's terms. */
class RecommendationJobRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final InstanceCatalog CATALOG = InstanceCatalog.defaults();

    private static RecommendationJobRequest parse(String json) throws Exception {
        return RecommendationJobRequest.parse(JSON.readTree(json), CATALOG);
    }

    private static String job(String type, String inputConfigExtra, String rest) {
        return "{\"JobName\":\"j\",\"JobType\":\"" + type + "\",\"RoleArn\":\"arn:aws:iam::000000000000:role/r\","
                + "\"InputConfig\":{\"ModelName\":\"m\"" + inputConfigExtra + "}" + rest + "}";
    }

    @Test
    void phasesRunAtTheirMeanUserCountAsRequestsPerSecond() throws Exception {
        RecommendationJobRequest r = parse(job("Advanced", ",\"TrafficPattern\":{\"TrafficType\":\"PHASES\",\"Phases\":["
                + "{\"InitialNumberOfUsers\":2,\"SpawnRate\":0,\"DurationInSeconds\":30},"
                + "{\"InitialNumberOfUsers\":4,\"SpawnRate\":12,\"DurationInSeconds\":60}]}", ""));
        TrafficPattern.Phases phases = (TrafficPattern.Phases) r.traffic();
        assertThat(phases.phases()).containsExactly(new TrafficPattern.Phase(2, Duration.ofSeconds(30)),
                // 4 users, 12 more per minute for a minute: 16 at the end, 10 on average.
                new TrafficPattern.Phase(10, Duration.ofSeconds(60)));
        assertThat(r.options().verify()).as("an Advanced job is the load test only").isFalse();
    }

    @Test
    void stairsBecomeEquallyLongPhasesOfGrowingLoad() throws Exception {
        RecommendationJobRequest r = parse(job("Advanced", ",\"TrafficPattern\":{\"TrafficType\":\"STAIRS\","
                + "\"Stairs\":{\"DurationInSeconds\":5,\"NumberOfSteps\":3,\"UsersPerStep\":4}}", ""));
        assertThat(((TrafficPattern.Phases) r.traffic()).phases()).extracting(TrafficPattern.Phase::ratePerSecond)
                .containsExactly(4.0, 8.0, 12.0);
    }

    @Test
    void aDefaultJobSearchesAdaptivelyVerifiesAndUsesJobDurationAsItsBudget() throws Exception {
        RecommendationJobRequest r = parse(job("Default", ",\"JobDurationInSeconds\":600",
                ",\"StoppingConditions\":{\"MaxInvocations\":1200,\"ModelLatencyThresholds\":[{\"Percentile\":\"P95\","
                        + "\"ValueInMilliseconds\":50}]}"));
        assertThat(r.traffic()).isNull();
        assertThat(r.options().verify()).isTrue();
        assertThat(r.options().timeBudget()).isEqualTo(Duration.ofSeconds(600));
        assertThat(r.stoppingConditions().latency()).isEqualTo(new StoppingConditions.LatencyThreshold(
                StoppingConditions.Percentile.P95, 50));
        assertThat(r.stoppingConditions().maxInvocationsPerMinute()).isEqualTo(1200);
        assertThat(r.grid().workers()).isEmpty();
    }

    @Test
    void environmentRangesChooseTheGridAndListedTypesLimitTheCatalog() throws Exception {
        RecommendationJobRequest r = parse(job("Default", ",\"EndpointConfigurations\":[{\"InstanceType\":"
                + "\"ml.c5.xlarge\",\"EnvironmentParameterRanges\":{\"CategoricalParameterRanges\":["
                + "{\"Name\":\"SAGEMAKER_MODEL_SERVER_WORKERS\",\"Value\":[\"1\",\"2\"]},"
                + "{\"Name\":\"OMP_NUM_THREADS\",\"Value\":[\"1\"]},"
                + "{\"Name\":\"SLUICE_BATCHING\",\"Value\":[\"true\",\"false\"]}]}},"
                + "{\"InstanceType\":\"ml.m5.large\"}]", ""));
        assertThat(r.grid().workers()).containsExactly(1, 2);
        assertThat(r.grid().intraOpThreads()).containsExactly(1);
        assertThat(r.grid().batching()).containsExactly(BatchingChoice.DEFAULT_ON, BatchingChoice.OFF);
        RecommendationJobRequest.Catalog catalog = r.catalog(CATALOG);
        // Listed types, plus the one this machine is measured as when no listed type has its size.
        assertThat(catalog.catalog().instanceTypes()).extracting(InstanceType::name)
                .contains("ml.c5.xlarge", "ml.m5.large").hasSizeLessThanOrEqualTo(3);
        assertThat(catalog.catalog().instanceTypes()).extracting(InstanceType::name)
                .contains(catalog.localInstanceType());
    }

    @Test
    void mistakesNameTheField() {
        assertThatThrownBy(() -> parse(job("Sometimes", "", ""))).isInstanceOf(SluiceException.class)
                .hasMessageContaining("JobType");
        assertThatThrownBy(() -> parse(job("Advanced", "", ""))).hasMessageContaining("InputConfig.TrafficPattern");
        assertThatThrownBy(() -> parse(job("Default", ",\"JobDurationInSeconds\":10", "")))
                .hasMessageContaining("InputConfig.JobDurationInSeconds");
        assertThatThrownBy(() -> parse(job("Default", "", ",\"StoppingConditions\":{\"ModelLatencyThresholds\":["
                + "{\"Percentile\":\"P50\",\"ValueInMilliseconds\":5}]}")))
                .hasMessageContaining("StoppingConditions.ModelLatencyThresholds.1.Percentile");
        assertThatThrownBy(() -> parse(job("Advanced", ",\"TrafficPattern\":{\"TrafficType\":\"PHASES\",\"Phases\":["
                + "{\"DurationInSeconds\":5}]}", "")))
                .hasMessageContaining("InputConfig.TrafficPattern.Phases.1.InitialNumberOfUsers");
        assertThatThrownBy(() -> parse(job("Default", ",\"EndpointConfigurations\":[{\"ServerlessConfig\":{}}]", "")))
                .hasMessageContaining("ServerlessConfig");
        JsonNode noModel;
        try {
            noModel = JSON.readTree("{\"JobName\":\"j\",\"JobType\":\"Default\",\"RoleArn\":"
                    + "\"arn:aws:iam::000000000000:role/r\",\"InputConfig\":{}}");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> RecommendationJobRequest.parse(noModel, CATALOG))
                .hasMessageContaining("InputConfig.ModelName is required");
    }
}
