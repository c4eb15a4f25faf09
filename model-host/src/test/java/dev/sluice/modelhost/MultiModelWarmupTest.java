package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.modelhost.internal.MmeWarmup;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The warm-ups a multi-model host measures its footprints around. */
class MultiModelWarmupTest {
    @Test
    void zerosFillEveryInputWithOneRowPerDynamicDimension() {
        ModelSignature signature = new ModelSignature(List.of(
                new TensorSpec("ids", DataType.INT64, new long[] {-1, -1}),
                new TensorSpec("image", DataType.FP32, new long[] {-1, 3, 2, 2}),
                new TensorSpec("text", DataType.BYTES, new long[] {-1})),
                List.of(new TensorSpec("out", DataType.FP32, new long[] {-1, 1})));

        Map<String, Tensor> zeros = MmeWarmup.zeros(signature);

        assertThat(zeros).containsOnlyKeys("ids", "image", "text");
        assertThat(zeros.get("ids").shape()).containsExactly(1, 1);
        assertThat(zeros.get("image").shape()).containsExactly(1, 3, 2, 2);
        assertThat(zeros.get("image").type()).isEqualTo(DataType.FP32);
        assertThat(zeros.get("text").shape()).containsExactly(1);
        for (TensorSpec spec : signature.inputs()) {
            spec.check(zeros.get(spec.name()));
        }
    }

    @Test
    void theRuntimeWarmUpRunsItsEmbeddedModel() throws Exception {
        MmeWarmup.runtime();
    }
}
