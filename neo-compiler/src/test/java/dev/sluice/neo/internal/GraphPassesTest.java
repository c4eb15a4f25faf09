package dev.sluice.neo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.sluice.neo.testing.Models;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GraphPassesTest {
    static List<Long> dims(ValueInfoProto v) {
        return v.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.hasDimValue() ? d.getDimValue() : -1L).toList();
    }

    @Test
    void deadNodesAndUnusedInitializersAreRemoved() {
        ModelProto source = Models.mlp(false, 17);
        DeadCodeElimination.Result result = DeadCodeElimination.apply(source);
        assertThat(result.nodesRemoved()).isEqualTo(1);
        assertThat(result.initializersRemoved()).isEqualTo(1);
        assertThat(Onnx.opCounts(result.model())).doesNotContainKey("Sigmoid");
        assertThat(result.model().getGraph().getInitializerList()).extracting(TensorProto::getName)
                .containsExactlyInAnyOrder("W1", "B1", "W2", "B2");
        assertThat(result.model().getGraph().getInputList()).extracting(ValueInfoProto::getName).containsExactly("input");
        assertThat(DeadCodeElimination.apply(result.model()).nodesRemoved()).isZero();
    }

    @Test
    void shapeSpecialisationFixesInputsAndTheSymbolsTheyShare() {
        ModelProto encoder = Models.textEncoder();
        ShapeSpecialisation.Result result = ShapeSpecialisation.apply(encoder, Map.of("input_ids", new long[] {2, 16}));
        GraphProto g = result.model().getGraph();
        assertThat(dims(g.getInput(0))).containsExactly(2L, 16L);
        assertThat(dims(g.getInput(1))).as("attention_mask shares batch and seq").containsExactly(2L, 16L);
        assertThat(dims(g.getOutput(0))).containsExactly(2L, 16L, 32L);
        assertThat(result.detail()).contains("input_ids[2, 16]", "batch=2", "seq=16");
        assertThat(ShapeSpecialisation.apply(encoder, Map.of()).model()).isSameAs(encoder);
    }

    @Test
    void shapesThatDoNotFitTheModelAreRefused() {
        ModelProto encoder = Models.textEncoder();
        assertThatThrownBy(() -> ShapeSpecialisation.apply(encoder, Map.of("ids", new long[] {1, 8})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input shapes name 'ids', which is not an input of the model; its inputs are [input_ids,"
                        + " attention_mask]");
        assertThatThrownBy(() -> ShapeSpecialisation.apply(encoder, Map.of("input_ids", new long[] {1, 8, 2})))
                .hasMessageContaining("has rank 3 but the model's input has rank 2 [batch, seq]");
        assertThatThrownBy(() -> ShapeSpecialisation.apply(Models.mlp(false, 17),
                Map.of("input", new long[] {1, 31}))).hasMessageContaining("dimension 1 is fixed to 32 in the model");
        assertThatThrownBy(() -> ShapeSpecialisation.apply(encoder, Map.of("input_ids", new long[] {1, 8},
                "attention_mask", new long[] {1, 9}))).hasMessageMatching("input shapes give dimension 'seq' two values, (8 and 9|9 and 8) .*");
    }

    @Test
    void opsetsOutsideWhatOnnxRuntimeRunsAreRefused() {
        assertThat(OpsetCheck.check(Models.relu(17))).isEqualTo("ai.onnx opset 17, IR version 8");
        assertThat(OpsetCheck.check(Models.relu(7))).contains("opset 7");
        assertThatThrownBy(() -> OpsetCheck.check(Models.relu(6))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the model uses ai.onnx opset 6; ONNX Runtime 1.29 supports opsets 7 to 26:"
                        + " convert it to a newer opset first");
        assertThatThrownBy(() -> OpsetCheck.check(Models.relu(27)))
                .hasMessageContaining("opset 27; ONNX Runtime 1.29 supports opsets 7 to 26: export it with opset 26");
        assertThatThrownBy(() -> OpsetCheck.check(Models.customOp()))
                .hasMessageContaining("domain(s) [com.example] that ONNX Runtime 1.29 does not implement");
        assertThatThrownBy(() -> OpsetCheck.check(Models.relu(17).toBuilder().setIrVersion(13).build()))
                .hasMessageContaining("IR version 13");
        assertThatThrownBy(() -> OpsetCheck.check(Models.relu(17).toBuilder().clearOpsetImport().build()))
                .hasMessageContaining("imports no ai.onnx opset");
    }

    static ModelProto addLayerNorm() {
        Random random = new Random(3);
        GraphProto graph = GraphProto.newBuilder().setName("addln")
                .addInitializer(Models.floats("gamma", Models.gaussian(random, 16, 1f), 16))
                .addInitializer(Models.floats("beta", Models.gaussian(random, 16, 1f), 16))
                .addNode(Models.node("Add", "a,b", "sum"))
                .addNode(Models.node("LayerNormalization", "sum,gamma,beta", "y").toBuilder()
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                                .setI(-1))
                        .addAttribute(AttributeProto.newBuilder().setName("epsilon")
                                .setType(AttributeProto.AttributeType.FLOAT).setF(1e-5f)))
                .addNode(Models.node("Relu", "sum", "r"))
                .addInput(Models.value("a", TensorProto.DataType.FLOAT, Models.dim("b"), Models.dim("s"), Models.dim(16)))
                .addInput(Models.value("b", TensorProto.DataType.FLOAT, Models.dim("b"), Models.dim("s"), Models.dim(16)))
                .addOutput(Models.value("y", TensorProto.DataType.FLOAT, Models.dim("b"), Models.dim("s"), Models.dim(16)))
                .addOutput(Models.value("r", TensorProto.DataType.FLOAT, Models.dim("b"), Models.dim("s"), Models.dim(16)))
                .build();
        return Models.model(graph, 17);
    }

    @Test
    void residualAddAndLayerNormFuseWhenTheirShapesAlwaysAgree() throws Exception {
        ModelProto model = addLayerNorm();
        List<Map<String, SampleInputs.Sample>> samples = SampleInputs.generate(model, 4, 1);
        Map<String, List<long[]>> observed = OrtSupport.observedShapes(model,
                SkipLayerNormFusion.valuesToObserve(model), samples);
        assertThat(observed.get("a")).hasSize(4);
        SkipLayerNormFusion.Result result = SkipLayerNormFusion.apply(model, observed);

        assertThat(result.fused()).isEqualTo(1);
        assertThat(Onnx.opCounts(result.model())).containsEntry("com.microsoft:SkipLayerNormalization", 1)
                .containsEntry("Relu", 1).doesNotContainKeys("Add", "LayerNormalization");
        // The sum is still read (by Relu): it comes out of the fused node's fourth output.
        assertThat(result.model().getGraph().getNode(0).getOutputList()).containsExactly("y", "", "", "sum");
        byte[] before = model.toByteArray();
        byte[] after = result.model().toByteArray();
        var kinds = AccuracyGate.outputKinds(model);
        var accuracy = AccuracyGate.run(before, after, "disabled", samples, dev.sluice.neo.Tolerance.defaults(), kinds,
                "", "", 1);
        assertThat(accuracy.outputs()).allSatisfy(o -> assertThat(o.maxAbsoluteError()).isCloseTo(0, within(1e-4)));

        // A broadcasting Add ([b, s, 16] + [1, s, 16]) is left alone.
        Map<String, List<long[]>> broadcast = Map.of("a", List.of(new long[] {2, 8, 16}), "b",
                List.of(new long[] {1, 8, 16}));
        assertThat(SkipLayerNormFusion.apply(model, broadcast).fused()).isZero();
    }

    @Test
    void elementTypesComeFromOnnxRuntime() throws Exception {
        Map<String, Integer> types = OrtSupport.elementTypes(Models.textEncoder());
        assertThat(types).containsEntry("input_ids", TensorProto.DataType.INT64_VALUE)
                .containsEntry("e", TensorProto.DataType.FLOAT_VALUE)
                .containsEntry("mf", TensorProto.DataType.FLOAT_VALUE)
                .containsEntry("embedding", TensorProto.DataType.FLOAT_VALUE);
    }
}
