package dev.sluice.pipeline.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolingAndNormalizationTest {
    /** Two sentences, three token slots, two hidden units; sentence 0 has one padding slot. */
    private static final Tensor TOKENS = Tensor.ofFloats(new long[] {2, 3, 2}, new float[] {
        1, 2,
        3, 4,
        100, 100,

        -1, 0,
        0, 2,
        4, 4});
    private static final Tensor MASK = Tensor.ofLongs(new long[] {2, 3}, new long[] {1, 1, 0, 1, 1, 1});

    @Test
    void meanPoolingAveragesOnlyTheTokensTheMaskKeeps() {
        Map<String, Tensor> in = Map.of("tokens", TOKENS, "attention_mask", MASK);

        Map<String, Tensor> out = new MeanPoolingProcessor("tokens", "attention_mask", "pooled").process(in);

        Tensor pooled = out.get("pooled");
        assertThat(pooled.type()).isEqualTo(DataType.FP32);
        assertThat(pooled.shape()).containsExactly(2, 2);
        // (1+3)/2, (2+4)/2 — the padded 100s must not count; (-1+0+4)/3, (0+2+4)/3
        assertThat(pooled.floats()).containsExactly(new float[] {2, 3, 1, 2}, within(1e-6f));
        assertThat(out).containsKeys("tokens", "attention_mask");
        assertThat(in).doesNotContainKey("pooled");
    }

    @Test
    void meanPoolingReadsInt32MasksAndGuardsAllZeroMasks() {
        Tensor mask = Tensor.of(DataType.INT32, new long[] {2, 3}, new int[] {0, 0, 0, 1, 0, 0});

        Tensor pooled = new MeanPoolingProcessor("tokens", "mask", "pooled")
                .process(Map.of("tokens", TOKENS, "mask", mask)).get("pooled");

        assertThat(pooled.floats()).containsExactly(0, 0, -1, 0);
    }

    @Test
    void meanPoolingReportsMisWiredTensorsAsBugs() {
        MeanPoolingProcessor pooling = new MeanPoolingProcessor("tokens", "attention_mask", "pooled");
        Tensor shortMask = Tensor.ofLongs(new long[] {2, 2}, new long[] {1, 1, 1, 1});

        assertThatThrownBy(() -> pooling.process(Map.of("tokens", TOKENS)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("attention_mask");
        assertThatThrownBy(() -> pooling.process(Map.of("tokens", TOKENS, "attention_mask", shortMask)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not match");
        assertThatThrownBy(() -> pooling.process(Map.of("tokens", MASK, "attention_mask", MASK)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("rank 3");
    }

    @Test
    void clsPoolingTakesTheFirstToken() {
        Tensor pooled = new ClsPoolingProcessor("tokens", "pooled").process(Map.of("tokens", TOKENS)).get("pooled");

        assertThat(pooled.shape()).containsExactly(2, 2);
        assertThat(pooled.floats()).containsExactly(1, 2, -1, 0);
    }

    @Test
    void l2NormalizationScalesEachRowToUnitLengthAndLeavesZeroRowsAlone() {
        Tensor vectors = Tensor.ofFloats(new long[] {3, 2}, new float[] {3, 4, 0, 0, -2, 0});

        Map<String, Tensor> out = new L2NormalizeProcessor("v").process(Map.of("v", vectors));

        assertThat(out.get("v").shape()).containsExactly(3, 2);
        assertThat(out.get("v").floats()).containsExactly(new float[] {0.6f, 0.8f, 0, 0, -1, 0}, within(1e-7f));
        assertThat(vectors.floats()).containsExactly(3, 4, 0, 0, -2, 0);
    }

    @Test
    void l2NormalizationNeedsAFloatingPointTensor() {
        L2NormalizeProcessor normalize = new L2NormalizeProcessor("v");

        assertThatThrownBy(() -> normalize.process(Map.of())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> normalize.process(Map.of("v", MASK))).isInstanceOf(IllegalStateException.class);
    }
}
