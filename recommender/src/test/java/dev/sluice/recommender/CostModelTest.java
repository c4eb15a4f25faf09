package dev.sluice.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostModelTest {
    static final InstanceCatalog CATALOG = InstanceCatalog.defaults();

    @Test
    void initialInstanceCountIsTheCeilingOfTheTargetOverWhatOneInstanceServes() {
        assertThat(CostModel.initialInstanceCount(1000, 300)).isEqualTo(4);
        assertThat(CostModel.initialInstanceCount(900, 300)).isEqualTo(3);
        assertThat(CostModel.initialInstanceCount(901, 300)).isEqualTo(4);
        assertThat(CostModel.initialInstanceCount(1, 300)).isEqualTo(1);
        assertThat(CostModel.initialInstanceCount(0, 300)).as("no target load").isEqualTo(1);
        assertThat(CostModel.initialInstanceCount(1000, 0)).as("serves nothing within the SLA").isZero();
        assertThat(CostModel.initialInstanceCount(Long.MAX_VALUE, 1)).isEqualTo(Integer.MAX_VALUE);
        for (long rpm = 1; rpm < 5000; rpm += 37) {
            for (long max = 1; max < 3000; max += 113) {
                int count = CostModel.initialInstanceCount(rpm, max);
                assertThat((long) count * max).isGreaterThanOrEqualTo(rpm);
                assertThat((long) (count - 1) * max).isLessThan(rpm);
            }
        }
    }

    @Test
    void costPerInferenceIsThePriceOfAnHourOverAnHourOfMaxInvocations() {
        assertThat(CostModel.costPerInference(0.102, 6000)).isCloseTo(0.102 / 360_000, within(1e-15));
        assertThat(CostModel.costPerInference(0.102, 0)).isNull();
        assertThat(CostModel.costPerHour(0.102, 3)).isCloseTo(0.306, within(1e-12));
        assertThat(CostModel.costPerHour(0.102, 0)).isCloseTo(0.102, within(1e-12));
    }

    @Test
    void theHeadroomDeratesTheConfirmedRateAndTheSearchGoesFarEnoughToServeTheTarget() {
        RecommendRequest.Options options = RecommendRequest.Options.defaults();
        assertThat(options.headroom()).isEqualTo(0.2);
        assertThat(options.derate(10_000)).isEqualTo(8_000);
        assertThat(options.undoDerate(8_000)).isEqualTo(10_000);
        for (long target = 1; target < 200_000; target += 997) {
            assertThat(options.derate(options.undoDerate(target))).isGreaterThanOrEqualTo(target);
            assertThat(options.derate(options.undoDerate(target) - 1)).isLessThan(target);
        }
    }

    @Test
    void ranksOnlyTheRowsThatMeetTheSlaByCostPerInference() {
        Recommendation cheapSlow = row("ml.c5.large", "w1-t1-off", 1, 6000, 30.0, true);
        Recommendation pricierFast = row("ml.m5.large", "w2-t1-off", 2, 9000, 10.0, true);
        Recommendation cheapest = row("ml.c5.large", "w2-t1-off", 2, 12000, 20.0, true);
        Recommendation missing = row("ml.c5.large", "w1-t2-off", 1, 30000, null, false);
        Recommendation failed = row("ml.c5.large", "w1-t2-8@2ms", 1, 0, null, false);
        List<Recommendation> ranked = CostModel.rank(List.of(cheapSlow, missing, pricierFast, failed, cheapest));
        assertThat(ranked).extracting(Recommendation::recommendationId).containsExactly(
                "ml.c5.large/w2-t1-off", "ml.m5.large/w2-t1-off", "ml.c5.large/w1-t1-off",
                "ml.c5.large/w1-t2-off", "ml.c5.large/w1-t2-8@2ms");
        assertThat(ranked).extracting(Recommendation::rank).containsExactly(1, 2, 3, null, null);
        // A row that misses the SLA is never ranked, however cheap it would be per inference.
        assertThat(missing.metrics().costPerInference()).isLessThan(cheapest.metrics().costPerInference());
    }

    @Test
    void measuredAndEstimatedRowsAreNotRankedTogether() {
        Recommendation measured = row("ml.c5.large", "w2-t1-off", 2, 12000, 20.0, true);
        Recommendation estimated = Estimator.scale(measured.withRank(1), CATALOG.require("ml.c5.xlarge"), 0);
        assertThatThrownBy(() -> CostModel.rank(List.of(measured, estimated)))
                .hasMessageContaining("separately");
    }

    static Recommendation row(String type, String label, int workers, long maxInvocations, Double p99,
                              boolean meets) {
        InstanceType t = CATALOG.require(type);
        String[] parts = label.split("-");
        BatchingChoice batching = parts[2].equals("off") ? BatchingChoice.OFF : BatchingChoice.DEFAULT_ON;
        Candidate c = new Candidate(ArtifactVariant.original("/m.onnx"), workers,
                Integer.parseInt(parts[1].substring(1)), batching, t);
        Metrics m = new Metrics(t.pricePerHour(), t.pricePerHour(), CostModel.costPerInference(t.pricePerHour(),
                maxInvocations), maxInvocations, maxInvocations, p99, p99 == null ? null : p99 / 3, p99 == null ? null : p99 / 1.5,
                p99, 60.0, 20.0, 800L << 20, 1200L);
        return new Recommendation(type + "/" + c.label(), null, false, null, meets, c,
                c.environment(new ModelUnderTest("m", ModelUnderTest.IMAGE_ONNX,
                        List.of(ArtifactVariant.original("/m.onnx")), Map.of(), Map.of(), null, "text/csv", null)),
                CostModel.initialInstanceCount(0, maxInvocations), m, List.of(),
                meets ? StopReason.LATENCY_THRESHOLD : StopReason.FAILED, "http://127.0.0.1:1", null);
    }
}
