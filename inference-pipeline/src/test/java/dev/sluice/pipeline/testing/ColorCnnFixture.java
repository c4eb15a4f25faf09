package dev.sluice.pipeline.testing;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A tiny but real CNN that tells red, green and blue images apart, written as ONNX protobuf (IR version 8, opset 17)
 * with weights chosen by hand rather than trained, so what it computes can be reasoned about:
 *
 * <pre>
 * input FP32 [batch, 3, 32, 32]   pixels normalised to [-1, 1] (MEAN 0.5, STD 0.5)
 *   → Conv 3→3, 3×3, pad 1        each output channel sees only its own input channel: half the centre pixel
 *                                 plus 1/16 of each of the 8 neighbours (a blur that keeps the level)
 *   → Relu                        keeps how far a channel is above mid-grey
 *   → GlobalAveragePool → Flatten [batch, 3]: how bright each channel is, on average, above mid-grey
 *   → Gemm 3→3                    logit c = 2 × own channel − the other two
 * logits FP32 [batch, 3]          labels red, green, blue
 * </pre>
 *
 * The example {@code examples/image-classification/model/model.onnx} is this model, written by {@link #main}; a test
 * keeps the two byte-identical.
 */
public final class ColorCnnFixture {
    public static final int IR_VERSION = 8;
    public static final int OPSET = 17;
    public static final int SIZE = 32;
    public static final String INPUT = "input";
    public static final String OUTPUT = "logits";
    public static final List<String> LABELS = List.of("red", "green", "blue");

    private ColorCnnFixture() {
    }

    /** Writes the model: {@code ColorCnnFixture FILE} (e.g. {@code examples/image-classification/model/model.onnx}). */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ColorCnnFixture FILE.onnx");
            System.exit(2);
        }
        System.out.println(write(Path.of(args[0])));
    }

    /** Writes the model to {@code file}, creating its directory. */
    public static Path write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.write(file, bytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The serialized model; deterministic (no maps, no timestamps), so it can be compared byte for byte. */
    public static byte[] bytes() {
        return model().toByteArray();
    }

    /** Conv weights [out 3, in 3, 3, 3]. */
    static float[] convWeights() {
        float[] w = new float[3 * 3 * 3 * 3];
        for (int channel = 0; channel < 3; channel++) {
            for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                    w[((channel * 3 + channel) * 3 + ky) * 3 + kx] = ky == 1 && kx == 1 ? 0.5f : 1f / 16f;
                }
            }
        }
        return w;
    }

    /** Gemm weights [in 3, out 3]: 2 on the diagonal, −1 elsewhere. */
    static float[] denseWeights() {
        float[] w = new float[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                w[i * 3 + j] = i == j ? 2f : -1f;
            }
        }
        return w;
    }

    private static ModelProto model() {
        GraphProto graph = GraphProto.newBuilder()
                .setName("color-cnn")
                .setDocString("Tells red, green and blue images apart; hand-set weights (see ColorCnnFixture).")
                .addInitializer(floatTensor("conv.weight", convWeights(), 3, 3, 3, 3))
                .addInitializer(floatTensor("conv.bias", new float[3], 3))
                .addInitializer(floatTensor("dense.weight", denseWeights(), 3, 3))
                .addInitializer(floatTensor("dense.bias", new float[3], 3))
                .addNode(node("Conv", "conv", List.of(INPUT, "conv.weight", "conv.bias"), "features",
                        ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 1, 1)))
                .addNode(node("Relu", "relu", List.of("features"), "activated"))
                .addNode(node("GlobalAveragePool", "pool", List.of("activated"), "pooled"))
                .addNode(node("Flatten", "flatten", List.of("pooled"), "flat", integer("axis", 1)))
                .addNode(node("Gemm", "dense", List.of("flat", "dense.weight", "dense.bias"), OUTPUT))
                .addInput(value(INPUT, dim("batch"), dim(3), dim(SIZE), dim(SIZE)))
                .addOutput(value(OUTPUT, dim("batch"), dim(LABELS.size())))
                .build();
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("sluice-test-fixtures")
                .setModelVersion(1)
                .setDocString("Example model of examples/image-classification, written by "
                        + "inference-pipeline/src/test/java/dev/sluice/pipeline/testing/ColorCnnFixture.java")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("labels")
                        .setValue(String.join(",", LABELS)))
                .setGraph(graph)
                .build();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output,
                                  AttributeProto... attributes) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs)
                .addOutput(output);
        for (AttributeProto attribute : attributes) {
            node.addAttribute(attribute);
        }
        return node.build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }

    private static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static TensorProto floatTensor(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        TensorProto.Builder tensor = TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            tensor.addDims(d);
        }
        return tensor.build();
    }

    private static ValueInfoProto value(String name, TensorShapeProto.Dimension... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (TensorShapeProto.Dimension d : dims) {
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }

    private static TensorShapeProto.Dimension dim(long value) {
        return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
    }

    private static TensorShapeProto.Dimension dim(String param) {
        return TensorShapeProto.Dimension.newBuilder().setDimParam(param).build();
    }
}
