package dev.sluice.pipeline.processors.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.tensor.Tensor;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class SoftmaxPropertiesTest {

    @Property(tries = 300)
    void sumsToOne(@ForAll @Size(min = 1, max = 50) List<@DoubleRange(min = -1e6, max = 1e6) Double> logits) {
        double[] p = softmax(logits);
        double sum = 0;
        for (double v : p) {
            assertThat(v).isBetween(0.0, 1.0);
            sum += v;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));
    }

    @Property(tries = 300)
    void preservesOrder(@ForAll @Size(min = 2, max = 30) List<@DoubleRange(min = -100, max = 100) Double> logits) {
        double[] p = softmax(logits);
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p.length; j++) {
                if (logits.get(i) > logits.get(j)) {
                    assertThat(p[i]).isGreaterThanOrEqualTo(p[j]);
                }
            }
        }
    }

    /** Max-subtraction keeps huge logits from overflowing exp: still a distribution, its maximum still on top. */
    @Property(tries = 300)
    void isStableForHugeLogits(@ForAll @Size(min = 1, max = 20) List<@DoubleRange(min = -1e300, max = 1e300) Double> logits) {
        double[] p = softmax(logits);
        double sum = 0;
        int argmax = 0;
        for (int i = 0; i < p.length; i++) {
            assertThat(p[i]).isFinite().isBetween(0.0, 1.0);
            sum += p[i];
            if (logits.get(i) > logits.get(argmax)) {
                argmax = i;
            }
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));
        for (double v : p) {
            assertThat(v).isLessThanOrEqualTo(p[argmax]);
        }
    }

    /** Adding the same amount to every logit changes nothing: the identity max-subtraction relies on. */
    @Property(tries = 200)
    void isShiftInvariant(@ForAll @Size(min = 1, max = 20) List<@DoubleRange(min = -50, max = 50) Double> logits,
                          @ForAll @IntRange(min = -100_000, max = 100_000) int shift) {
        double[] base = softmax(logits);
        double[] shifted = softmax(logits.stream().map(v -> v + shift).toList());
        for (int i = 0; i < base.length; i++) {
            assertThat(shifted[i]).isCloseTo(base[i], within(1e-9));
        }
    }

    /** Through the processor: any FP32 row, however large, gives finite FP32 probabilities summing to 1. */
    @Property(tries = 200)
    void processorHandlesAnyFiniteFloatRow(
            @ForAll @Size(min = 1, max = 12) List<@FloatRange(min = -3.4e38f, max = 3.4e38f) Float> logits,
            @ForAll @IntRange(min = 1, max = 15) int topK) {
        float[] values = new float[logits.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = logits.get(i);
        }
        ClassifierProcessor classifier = new ClassifierProcessor("scores",
                new ClassifierProcessor.Settings("logits", Activation.SOFTMAX, topK, List.of(), null, false));
        Map<String, Tensor> out = classifier.process(Map.of("logits", Tensor.ofFloats(new long[] {1, values.length}, values)));
        float[] p = out.get("probabilities").floats();
        double sum = 0;
        for (float v : p) {
            assertThat(v).isFinite().isBetween(0f, 1f);
            sum += v;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-5));
        int argmax = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[argmax]) {
                argmax = i;
            }
        }
        assertThat(new String(out.get("label").strings()[0])).isEqualTo(Integer.toString(argmax));
        float[] top = out.get("top_k_probabilities").floats();
        assertThat(top).hasSize(Math.min(topK, values.length));
        assertThat(top).isSortedAccordingTo((a, b) -> Float.compare(b, a));
    }

    private static double[] softmax(List<Double> logits) {
        double[] in = logits.stream().mapToDouble(Double::doubleValue).toArray();
        double[] out = new double[in.length];
        Scores.softmax(in, out);
        return out;
    }
}
