package dev.sluice.recommender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CandidateGridTest {
    private static final InstanceCatalog CATALOG = InstanceCatalog.defaults();

    private static List<String> runners(int vCpus) {
        return CandidateGrid.autoRunners(vCpus).stream().map(r -> r[0] + "x" + r[1]).toList();
    }

    @Test
    void defaultRunnersUseBetweenHalfAndAllOfTheVcpus() {
        assertThat(runners(1)).containsExactly("1x1");
        assertThat(runners(2)).containsExactlyInAnyOrder("1x1", "1x2", "2x1");
        assertThat(runners(4)).containsExactlyInAnyOrder("1x4", "2x1", "2x2", "4x1");
        assertThat(runners(8)).containsExactlyInAnyOrder("1x8", "4x1", "4x2", "8x1");
        for (int v = 1; v <= 64; v++) {
            for (int[] r : CandidateGrid.autoRunners(v)) {
                assertThat(r[0] * r[1]).as("%d vCPUs: %dx%d", v, r[0], r[1]).isBetween((v + 1) / 2, v);
            }
        }
    }

    @Test
    void theDefaultGridOnTwoVcpusIsSixCandidatesWithBatchingOffAndOn() {
        InstanceType c5 = CATALOG.require("ml.c5.large");
        List<Candidate> candidates = CandidateGrid.defaults().candidates(List.of(ArtifactVariant.original(null)), c5);
        assertThat(candidates).hasSize(6);
        assertThat(candidates).extracting(Candidate::label).containsExactlyInAnyOrder("w1-t1-off", "w1-t1-8@2ms",
                "w1-t2-off", "w1-t2-8@2ms", "w2-t1-off", "w2-t1-8@2ms");
        assertThat(candidates).allMatch(c -> c.instanceType().equals(c5));
    }

    @Test
    void explicitListsAreMeasuredAsGivenForEveryArtifact() {
        CandidateGrid grid = new CandidateGrid(List.of(1, 4), List.of(1, 2), List.of(BatchingChoice.OFF,
                BatchingChoice.OFF));
        List<ArtifactVariant> artifacts = List.of(ArtifactVariant.original("/m.onnx"),
                new ArtifactVariant("int8", "/m-int8.tar.gz", null));
        List<Candidate> candidates = grid.candidates(artifacts, CATALOG.require("ml.c5.large"));
        assertThat(candidates).hasSize(2 * 2 * 2);
        assertThat(candidates).extracting(Candidate::label).contains("w4-t2-off", "int8/w1-t1-off");
    }

    @Test
    void environmentCarriesTheRunnerKeysAndTheUnbatchedKeysOnlyWithoutBatching() {
        ModelUnderTest minilm = ModelUnderTest.builtinMinilm();
        InstanceType c5 = CATALOG.require("ml.c5.large");
        Map<String, String> off = new Candidate(ArtifactVariant.original(null), 2, 1, BatchingChoice.OFF, c5)
                .environment(minilm);
        assertThat(off).containsEntry("SAGEMAKER_MODEL_SERVER_WORKERS", "2").containsEntry("SLUICE_INTRA_OP_THREADS",
                "1").containsEntry("SLUICE_BATCHING", "false").containsEntry("perSequence", "true")
                .doesNotContainKey("SLUICE_MAX_BATCH_SIZE");
        Map<String, String> on = new Candidate(ArtifactVariant.original(null), 1, 2, BatchingChoice.on(8, 2.5), c5)
                .environment(minilm);
        assertThat(on).containsEntry("SLUICE_BATCHING", "true").containsEntry("SLUICE_MAX_BATCH_SIZE", "8")
                .containsEntry("SLUICE_MAX_BATCH_DELAY_MS", "2.5").doesNotContainKey("perSequence");
    }

    @Test
    void invalidSettingsNameTheField() {
        assertThatThrownBy(() -> new CandidateGrid(List.of(0), List.of(), List.of()))
                .hasMessageContaining("workers");
        assertThatThrownBy(() -> BatchingChoice.on(0, 1)).hasMessageContaining("maxBatchSize");
        assertThatThrownBy(() -> new ArtifactVariant("a b", null, null)).hasMessageContaining("artifact name");
    }
}
