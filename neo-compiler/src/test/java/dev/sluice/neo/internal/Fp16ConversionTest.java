package dev.sluice.neo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.sluice.neo.Tolerance;
import dev.sluice.neo.testing.Models;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Fp16ConversionTest {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    static Map<String, NodeProto> producers(ModelProto model) {
        Map<String, NodeProto> p = new HashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            n.getOutputList().forEach(o -> p.put(o, n));
        }
        return p;
    }

    static NodeProto only(ModelProto model, String op) {
        return model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).findFirst().orElseThrow();
    }

    @Test
    void weightsAndActivationsBecomeFloat16WhileSensitiveOpsAndGraphIoStayFloat32() throws Exception {
        ModelProto source = Models.mixedPrecision();
        Fp16Conversion.Result result = Fp16Conversion.apply(source, OrtSupport.elementTypes(source));
        ModelProto half = result.model();

        Map<String, TensorProto> init = new HashMap<>();
        half.getGraph().getInitializerList().forEach(t -> init.put(t.getName(), t));
        assertThat(init.get("W").getDataType()).isEqualTo(FLOAT16);
        assertThat(init.get("W").getRawData().size()).isEqualTo(32 * 32 * 2);
        assertThat(init.get("one").getDataType()).as("read by Add, which runs in float16").isEqualTo(FLOAT16);
        assertThat(init.get("two").getDataType()).as("read only by Pow, kept float32").isEqualTo(FLOAT);
        for (ValueInfoProto io : List.of(half.getGraph().getInput(0), half.getGraph().getOutput(0),
                half.getGraph().getOutput(1))) {
            assertThat(io.getType().getTensorType().getElemType()).as(io.getName()).isEqualTo(FLOAT);
        }
        Map<String, NodeProto> producer = producers(half);
        // Softmax, Pow and ReduceMean read float32 values made by Casts from the float16 MatMul/Mul.
        for (String op : List.of("Softmax", "Pow", "ReduceMean")) {
            NodeProto cast = producer.get(only(half, op).getInput(0));
            assertThat(cast.getOpType()).as(op + " input").isEqualTo("Cast");
            assertThat(Onnx.intAttribute(cast, "to", 0)).isEqualTo(FLOAT);
        }
        NodeProto matMulInput = producer.get(only(half, "MatMul").getInput(0));
        assertThat(matMulInput.getOpType()).isEqualTo("Cast");
        assertThat(Onnx.intAttribute(matMulInput, "to", 0)).isEqualTo(FLOAT16);
        // Graph outputs made in float16 are cast back under their own names.
        NodeProto z = producer.get("z");
        assertThat(z.getOpType()).isEqualTo("Cast");
        assertThat(Onnx.intAttribute(z, "to", 0)).isEqualTo(FLOAT);
        assertThat(result.float32Nodes()).isEqualTo(3);
        assertThat(result.halfValues()).contains("m", "sp", "z_fp16", "W").doesNotContain("s", "p", "y", "z");

        var samples = SampleInputs.generate(source, 3, 1);
        var kinds = AccuracyGate.outputKinds(source);
        var real = AccuracyGate.run(source.toByteArray(), half.toByteArray(), "disabled", samples, Tolerance.defaults(),
                kinds, "", "", 1);
        ModelProto emulated = Fp16Conversion.emulate(half, result.halfValues());
        assertThat(emulated.getGraph().getInitializerList()).allSatisfy(t -> assertThat(t.getDataType())
                .isNotEqualTo(FLOAT16));
        var emulatedAccuracy = AccuracyGate.run(source.toByteArray(), emulated.toByteArray(), "disabled", samples,
                Tolerance.defaults(), kinds, "", "", 1);
        assertThat(real.passed()).isTrue();
        assertThat(emulatedAccuracy.passed()).isTrue();
        // Emulation rounds where the float16 graph stores: the errors have the same size, and are not zero.
        for (int i = 0; i < real.outputs().size(); i++) {
            double r = real.outputs().get(i).maxAbsoluteError();
            double e = emulatedAccuracy.outputs().get(i).maxAbsoluteError();
            assertThat(e).isGreaterThan(0).isBetween(r / 10, r * 10);
        }
    }

    @Test
    void float16RoundTripsThroughTheRawEncoding() {
        TensorProto t = Models.floats("w", new float[] {1f, -2.5f, 65504f, 1e-8f}, 4);
        TensorProto half = Fp16Conversion.toHalf(t, "w16");
        assertThat(half.getDataType()).isEqualTo(FLOAT16);
        assertThat(Onnx.floats(Fp16Conversion.fromHalf(half))).containsExactly(1f, -2.5f, 65504f, Float16.round(1e-8f));
    }
}
