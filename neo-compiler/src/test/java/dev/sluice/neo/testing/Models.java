package dev.sluice.neo.testing;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
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
import java.util.Random;

/**
 * Small ONNX models for the compiler's tests, written as protobuf. Weights are seeded pseudo-random, so every run
 * compiles the same models.
 */
public final class Models {
    public static final int IN = 32;
    public static final int HIDDEN = 64;
    public static final int CLASSES = 10;

    private Models() {
    }

    /**
     * input FP32 [batch, 32] → MatMul + Add → Relu → MatMul + Add → scores FP32 [batch, 10]. Also holds a dead branch
     * (a Sigmoid nobody reads) and an unused initializer, for dead-code elimination.
     *
     * @param outlier when true, hidden unit 0 is ~1000× larger than the others and carries no signal: per-tensor
     *                activation quantisation of the second MatMul then rounds the useful units away, so int8 fails
     *                the accuracy gate
     */
    public static ModelProto mlp(boolean outlier, int opset) {
        Random random = new Random(7);
        float[] w1 = gaussian(random, IN * HIDDEN, 0.2f);
        float[] w2 = gaussian(random, HIDDEN * CLASSES, 0.2f);
        if (outlier) {
            for (int i = 0; i < IN; i++) {
                w1[i * HIDDEN] = 200f;
            }
            for (int c = 0; c < CLASSES; c++) {
                w2[c] = 0f;
            }
        }
        GraphProto graph = GraphProto.newBuilder()
                .setName("mlp")
                .addInitializer(floats("W1", w1, IN, HIDDEN))
                .addInitializer(floats("B1", gaussian(random, HIDDEN, 0.1f), HIDDEN))
                .addInitializer(floats("W2", w2, HIDDEN, CLASSES))
                .addInitializer(floats("B2", gaussian(random, CLASSES, 0.1f), CLASSES))
                .addInitializer(floats("unused", new float[] {1, 2, 3}, 3))
                .addNode(node("MatMul", "input,W1", "h0"))
                .addNode(node("Add", "h0,B1", "h1"))
                .addNode(node("Relu", "h1", "h2"))
                .addNode(node("Sigmoid", "h2", "dead"))
                .addNode(node("MatMul", "h2,W2", "o0"))
                .addNode(node("Add", "o0,B2", "scores"))
                .addInput(value("input", TensorProto.DataType.FLOAT, dim("batch"), dim(IN)))
                .addOutput(value("scores", TensorProto.DataType.FLOAT, dim("batch"), dim(CLASSES)))
                .build();
        return model(graph, opset);
    }

    /** Three projections of one input (attention's Q, K, V), summed: x [batch, 64] → q + k + v [batch, 48]. */
    public static ModelProto sharedInput() {
        Random random = new Random(11);
        GraphProto.Builder graph = GraphProto.newBuilder().setName("qkv");
        for (String p : new String[] {"q", "k", "v"}) {
            graph.addInitializer(floats("W" + p, gaussian(random, 64 * 48, 0.2f), 64, 48));
            graph.addInitializer(floats("B" + p, gaussian(random, 48, 0.1f), 48));
            graph.addNode(node("MatMul", "x,W" + p, p + "0"));
            graph.addNode(node("Add", p + "0,B" + p, p));
        }
        graph.addNode(node("Add", "q,k", "qk"));
        graph.addNode(node("Add", "qk,v", "y"));
        graph.addInput(value("x", TensorProto.DataType.FLOAT, dim("batch"), dim(64)));
        graph.addOutput(value("y", TensorProto.DataType.FLOAT, dim("batch"), dim(48)));
        return model(graph.build(), 17);
    }

    /** Gemm(x, B, C) with transB=1, alpha=0.5, beta=2: x [batch, 40] → y [batch, 24]. */
    public static ModelProto gemm() {
        Random random = new Random(13);
        GraphProto graph = GraphProto.newBuilder().setName("gemm")
                .addInitializer(floats("B", gaussian(random, 24 * 40, 0.3f), 24, 40))
                .addInitializer(floats("C", gaussian(random, 24, 0.3f), 24))
                .addNode(node("Gemm", "x,B,C", "y").toBuilder()
                        .addAttribute(attr("transB", 1)).addAttribute(floatAttr("alpha", 0.5f))
                        .addAttribute(floatAttr("beta", 2f)))
                .addInput(value("x", TensorProto.DataType.FLOAT, dim("batch"), dim(40)))
                .addOutput(value("y", TensorProto.DataType.FLOAT, dim("batch"), dim(24)))
                .build();
        return model(graph, 13);
    }

    /**
     * A small attention-like block for float16: x [batch, seq, 32] → MatMul → Softmax → Mul by (x·x)^0.5 via Pow →
     * ReduceMean → y [batch, seq, 1], plus z = MatMul output + 1 as a second output.
     */
    public static ModelProto mixedPrecision() {
        Random random = new Random(17);
        GraphProto graph = GraphProto.newBuilder().setName("mixed")
                .addInitializer(floats("W", gaussian(random, 32 * 32, 0.2f), 32, 32))
                .addInitializer(floats("two", new float[] {2f}))
                .addInitializer(floats("one", new float[] {1f}))
                .addNode(node("MatMul", "x,W", "m"))
                .addNode(node("Softmax", "m", "s").toBuilder().addAttribute(attr("axis", -1)))
                .addNode(node("Pow", "m,two", "p"))
                .addNode(node("Mul", "s,p", "sp"))
                .addNode(node("ReduceMean", "sp", "y").toBuilder().addAttribute(ints("axes", -1)))
                .addNode(node("Add", "m,one", "z"))
                .addInput(value("x", TensorProto.DataType.FLOAT, dim("batch"), dim("seq"), dim(32)))
                .addOutput(value("y", TensorProto.DataType.FLOAT, dim("batch"), dim("seq"), dim(1)))
                .addOutput(value("z", TensorProto.DataType.FLOAT, dim("batch"), dim("seq"), dim(32)))
                .build();
        return model(graph, 13);
    }

    /**
     * A tiny text encoder: input_ids INT64 [batch, seq] → Gather from a [500, 32] table → × attention_mask → MatMul
     * [32, 32] → Tanh → embedding FP32 [batch, seq, 32]. Gathering fails for ids ≥ 500, so generated samples must read
     * the vocabulary size off the table.
     */
    public static ModelProto textEncoder() {
        Random random = new Random(19);
        GraphProto graph = GraphProto.newBuilder().setName("encoder")
                .addInitializer(floats("table", gaussian(random, 500 * 32, 1f), 500, 32))
                .addInitializer(floats("W", gaussian(random, 32 * 32, 0.2f), 32, 32))
                .addNode(node("Gather", "table,input_ids", "e").toBuilder().addAttribute(attr("axis", 0)))
                .addNode(node("Cast", "attention_mask", "mf").toBuilder().addAttribute(attr("to", 1)))
                .addNode(node("Unsqueeze", "mf,axes", "m3"))
                .addInitializer(TensorProto.newBuilder().setName("axes").setDataType(TensorProto.DataType.INT64_VALUE)
                        .addDims(1).addInt64Data(-1))
                .addNode(node("Mul", "e,m3", "em"))
                .addNode(node("MatMul", "em,W", "h"))
                .addNode(node("Tanh", "h", "embedding"))
                .addInput(value("input_ids", TensorProto.DataType.INT64, dim("batch"), dim("seq")))
                .addInput(value("attention_mask", TensorProto.DataType.INT64, dim("batch"), dim("seq")))
                .addOutput(value("embedding", TensorProto.DataType.FLOAT, dim("batch"), dim("seq"), dim(32)))
                .build();
        return model(graph, 13);
    }

    /** x → Relu → y at the given opset. */
    public static ModelProto relu(int opset) {
        GraphProto graph = GraphProto.newBuilder().setName("relu")
                .addNode(node("Relu", "x", "y"))
                .addInput(value("x", TensorProto.DataType.FLOAT, dim("batch"), dim(4)))
                .addOutput(value("y", TensorProto.DataType.FLOAT, dim("batch"), dim(4)))
                .build();
        return model(graph, opset);
    }

    /** x → a custom-domain operator → y. */
    public static ModelProto customOp() {
        GraphProto graph = GraphProto.newBuilder().setName("custom")
                .addNode(node("FancyOp", "x", "y").toBuilder().setDomain("com.example"))
                .addInput(value("x", TensorProto.DataType.FLOAT, dim("batch"), dim(4)))
                .addOutput(value("y", TensorProto.DataType.FLOAT, dim("batch"), dim(4)))
                .build();
        return model(graph, 17).toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.example")
                .setVersion(1)).build();
    }

    public static Path write(ModelProto model, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, model.toByteArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelProto model(GraphProto graph, int opset) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("sluice-neo-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph).build();
    }

    public static float[] gaussian(Random random, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    public static TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    public static NodeProto node(String op, String inputs, String output) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output + "_" + op).addOutput(output);
        for (String input : inputs.split(",")) {
            node.addInput(input);
        }
        return node.build();
    }

    static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    public static ValueInfoProto value(String name, TensorProto.DataType type, TensorShapeProto.Dimension... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (TensorShapeProto.Dimension d : dims) {
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    public static TensorShapeProto.Dimension dim(long value) {
        return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
    }

    public static TensorShapeProto.Dimension dim(String param) {
        return TensorShapeProto.Dimension.newBuilder().setDimParam(param).build();
    }
}
