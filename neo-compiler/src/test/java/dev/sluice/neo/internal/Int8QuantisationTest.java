package dev.sluice.neo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.sluice.neo.testing.Artifacts;
import dev.sluice.neo.testing.Models;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class Int8QuantisationTest {
    static float[] input(int rows, int width, long seed) {
        return Models.gaussian(new Random(seed), rows * width, 1f);
    }

    static Map<String, TensorProto> initializers(ModelProto model) {
        return model.getGraph().getInitializerList().stream().collect(Collectors.toMap(TensorProto::getName,
                Function.identity()));
    }

    @Test
    void matMulWeightsBecomeInt8DynamicQuantizeMatMulWithFoldedBiases() throws Exception {
        ModelProto source = DeadCodeElimination.apply(Models.mlp(false, 17)).model();
        Int8Quantisation.Result result = Int8Quantisation.apply(source);
        ModelProto q = result.model();

        assertThat(Onnx.opCounts(q)).containsEntry("com.microsoft:DynamicQuantizeMatMul", 2)
                .doesNotContainKeys("MatMul", "Add").containsEntry("Relu", 1);
        assertThat(result.quantised()).isEqualTo(2);
        assertThat(result.biasesFolded()).isEqualTo(2);
        assertThat(Onnx.opset(q, "com.microsoft")).isEqualTo(1);
        Map<String, TensorProto> init = initializers(q);
        assertThat(init).doesNotContainKeys("W1", "W2", "B1", "B2");
        for (NodeProto n : q.getGraph().getNodeList()) {
            if (n.getOpType().equals("DynamicQuantizeMatMul")) {
                TensorProto w = init.get(n.getInput(1));
                TensorProto scale = init.get(n.getInput(2));
                assertThat(w.getDataType()).isEqualTo(TensorProto.DataType.INT8_VALUE);
                assertThat(w.getRawData().size()).as("one byte per weight").isEqualTo(Onnx.elements(w));
                assertThat(scale.getDims(0)).as("a scale per output channel").isEqualTo(w.getDims(1));
                assertThat(n.getInputCount()).as("A, B, scale, zero point (none), bias").isEqualTo(5);
                assertThat(n.getInput(3)).isEmpty();
            }
        }
        // Weights shrink to a quarter (plus a scale per column).
        assertThat(result.weightBytesAfter()).isLessThan(result.weightBytesBefore() * 30 / 100);

        float[] x = input(5, Models.IN, 3);
        long[] shape = {5, Models.IN};
        float[] expected = Artifacts.run(source.toByteArray(), "input", x, shape, "scores");
        float[] actual = Artifacts.run(q.toByteArray(), "input", x, shape, "scores");
        assertThat(Artifacts.cosine(expected, actual)).isGreaterThan(0.999);
    }

    @Test
    void projectionsOfOneInputAreMergedIntoOneGemmAndSplit() throws Exception {
        ModelProto source = Models.sharedInput();
        ModelProto merged = Int8Quantisation.apply(source, true).model();
        ModelProto separate = Int8Quantisation.apply(source, false).model();

        assertThat(Onnx.opCounts(merged)).containsEntry("com.microsoft:DynamicQuantizeMatMul", 1)
                .containsEntry("Split", 1);
        assertThat(Onnx.opCounts(separate)).containsEntry("com.microsoft:DynamicQuantizeMatMul", 3)
                .doesNotContainKey("Split");
        NodeProto gemm = merged.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("DynamicQuantizeMatMul")).findFirst().orElseThrow();
        assertThat(initializers(merged).get(gemm.getInput(1)).getDimsList()).containsExactly(64L, 144L);

        float[] x = input(3, 64, 5);
        long[] shape = {3, 64};
        float[] a = Artifacts.run(merged.toByteArray(), "x", x, shape, "y");
        float[] b = Artifacts.run(separate.toByteArray(), "x", x, shape, "y");
        float[] reference = Artifacts.run(source.toByteArray(), "x", x, shape, "y");
        // Per-channel scales and one activation quantisation: merging changes nothing but the kernel count.
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).isCloseTo(b[i], within(1e-4f));
        }
        assertThat(Artifacts.cosine(a, reference)).isGreaterThan(0.999);
    }

    @Test
    void gemmTransposeAlphaAndBetaAreFoldedIntoTheWeights() throws Exception {
        ModelProto source = Models.gemm();
        ModelProto q = Int8Quantisation.apply(source).model();
        assertThat(Onnx.opCounts(q)).containsOnlyKeys("com.microsoft:DynamicQuantizeMatMul");
        float[] x = input(4, 40, 9);
        long[] shape = {4, 40};
        float[] expected = Artifacts.run(source.toByteArray(), "x", x, shape, "y");
        float[] actual = Artifacts.run(q.toByteArray(), "x", x, shape, "y");
        assertThat(Artifacts.cosine(expected, actual)).isGreaterThan(0.999);
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).isCloseTo(expected[i], within(0.05 * scale));
        }
    }

    @Test
    void largeEmbeddingTablesAreStoredAsInt8PerRow() throws Exception {
        java.util.Random random = new java.util.Random(5);
        float[] table = Models.gaussian(random, 2048 * 32, 1f);
        for (int c = 0; c < 32; c++) {
            table[7 * 32 + c] *= 100; // one loud row must not cost the others their precision
        }
        ai.onnx.proto.OnnxMl.GraphProto graph = ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName("embed")
                .addInitializer(Models.floats("table", table, 2048, 32))
                .addNode(Models.node("Gather", "table,ids", "e"))
                .addInput(Models.value("ids", TensorProto.DataType.INT64, Models.dim("n")))
                .addOutput(Models.value("e", TensorProto.DataType.FLOAT, Models.dim("n"), Models.dim(32)))
                .build();
        ModelProto source = Models.model(graph, 13);
        Int8Quantisation.Result result = Int8Quantisation.apply(source);
        Map<String, TensorProto> init = initializers(result.model());
        assertThat(init).doesNotContainKey("table");
        assertThat(init.values()).extracting(TensorProto::getDataType).contains(TensorProto.DataType.INT8_VALUE);
        assertThat(result.detail()).contains("1 embedding table(s) → int8 per row, 262.1 kB → 73.7 kB");
        assertThat(Onnx.opCounts(result.model())).containsEntry("Gather", 2).containsEntry("Cast", 1)
                .containsEntry("Mul", 1);

        long[] ids = {0, 7, 2047, 3};
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (var session = env.createSession(result.model().toByteArray());
             var tensor = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), new long[] {4});
             var out = session.run(Map.of("ids", tensor))) {
            float[][] rows = (float[][]) out.get(0).getValue();
            for (int r = 0; r < ids.length; r++) {
                float[] expected = java.util.Arrays.copyOfRange(table, (int) ids[r] * 32, (int) ids[r] * 32 + 32);
                assertThat(Artifacts.cosine(rows[r], expected)).isGreaterThan(0.9999);
            }
        }
    }

    @Test
    void smallWeightsStayFloat() {
        ai.onnx.proto.OnnxMl.GraphProto graph = ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName("tiny")
                .addInitializer(Models.floats("W", new float[4 * 8], 4, 8))
                .addNode(Models.node("MatMul", "x,W", "y"))
                .addInput(Models.value("x", TensorProto.DataType.FLOAT, Models.dim(1), Models.dim(4)))
                .addOutput(Models.value("y", TensorProto.DataType.FLOAT, Models.dim(1), Models.dim(8)))
                .build();
        Int8Quantisation.Result result = Int8Quantisation.apply(Models.model(graph, 13));
        assertThat(result.quantised()).isZero();
        assertThat(result.detail()).contains("nothing quantised");
    }

    @Test
    void quantisationIsSymmetricPerColumn() {
        float[] w = {1f, -0.012f, 0.5f, 0.02f, -2f, 0f};
        Int8Quantisation.Quantised q = Int8Quantisation.quantise(w, 3, 2);
        assertThat(q.scales()).containsExactly(2f / 127, 0.02f / 127);
        assertThat(q.values()).containsExactly(64, -76, 32, 127, -127, 0);
    }
}
