package dev.sluice.recommender;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EstimatorTest {
    private static final InstanceCatalog CATALOG = InstanceCatalog.defaults();

    @Test
    void estimatesCpuTypesOfTheMeasuredArchitectureOnlyAndFlagsThem() {
        Recommendation best = CostModelTest.row("ml.c5.large", "w2-t1-off", 2, 12000, 20.0, true).withRank(1);
        List<Recommendation> estimated = Estimator.estimate(List.of(best), CATALOG, Set.of("ml.c5.large"), 0);
        assertThat(estimated).isNotEmpty().allMatch(Recommendation::estimated)
                .allMatch(r -> r.estimatedFrom().equals(best.recommendationId()))
                .allMatch(r -> r.steps().isEmpty() && r.gateway() == null);
        assertThat(estimated).extracting(r -> r.instanceType().name())
                .contains("ml.c5.xlarge", "ml.c6i.large", "ml.m5.4xlarge")
                .doesNotContain("ml.c5.large")
                .noneMatch(n -> n.startsWith("ml.c6g") || n.startsWith("ml.c7g") || n.startsWith("ml.g"));
    }

    @Test
    void scalesThroughputByVcpusToThePowerOfTheStatedExponentAndRunnersLinearly() {
        Recommendation best = CostModelTest.row("ml.c5.large", "w2-t1-off", 2, 12000, 20.0, true).withRank(1);
        Recommendation xl = Estimator.scale(best, CATALOG.require("ml.c5.4xlarge"), 100_000);
        double expected = Math.floor(12000 * Math.pow(8, Estimator.SCALING_EXPONENT));
        assertThat(xl.metrics().maxInvocations()).isEqualTo((long) expected);
        assertThat(xl.candidate().workers()).isEqualTo(16);
        assertThat(xl.environment()).containsEntry("SAGEMAKER_MODEL_SERVER_WORKERS", "16");
        assertThat(xl.metrics().p99Millis()).isEqualTo(best.metrics().p99Millis());
        assertThat(xl.initialInstanceCount()).isEqualTo(CostModel.initialInstanceCount(100_000, (long) expected));
        assertThat(xl.metrics().costPerInference()).isEqualTo(0.816 / (expected * 60));
        assertThat(xl.metrics().modelSetupTimeMillis()).as("not measured").isNull();
    }

    @Test
    void aTypeTooSmallForTheMeasuredMemoryDoesNotMeetTheSla() {
        Recommendation best = CostModelTest.row("ml.m5.xlarge", "w2-t1-off", 2, 12000, 20.0, true).withRank(1);
        Metrics m = best.metrics();
        Recommendation big = new Recommendation(best.recommendationId(), 1, false, null, true, best.candidate(),
                best.environment(), 1, new Metrics(m.instanceCostPerHour(), m.costPerHour(), m.costPerInference(),
                m.maxInvocations(), m.maxInvocationsMeasured(), m.modelLatencyMillis(), m.p50Millis(), m.p95Millis(), m.p99Millis(),
                m.cpuUtilization(), m.memoryUtilization(), 6L << 30, m.modelSetupTimeMillis()), List.of(),
                StopReason.LATENCY_THRESHOLD, "http://127.0.0.1:1", null);
        Recommendation small = Estimator.scale(big, CATALOG.require("ml.c5.large"), 0);
        assertThat(small.meetsSla()).isFalse();
        assertThat(small.error()).contains("does not fit");
        assertThat(Estimator.scale(big, CATALOG.require("ml.c5.2xlarge"), 0).meetsSla()).isTrue();
    }

    @Test
    void nothingIsEstimatedWithoutASlaMeetingMeasurement() {
        Recommendation missed = CostModelTest.row("ml.c5.large", "w2-t1-off", 2, 0, null, false);
        assertThat(Estimator.estimate(List.of(missed), CATALOG, Set.of("ml.c5.large"), 0)).isEmpty();
    }
}
