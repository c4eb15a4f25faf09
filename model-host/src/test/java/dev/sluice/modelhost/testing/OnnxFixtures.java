package dev.sluice.modelhost.testing;

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
import dev.sluice.core.tensor.DataType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes tiny ONNX models (opset 17, IR version 8) whose weights the tests know, so expected outputs can be computed
 * in plain Java. Published in model-host's test-jar for the gateway's tests (which then also need
 * {@code org.tribuo:tribuo-util-onnx} on their test classpath for the protobuf classes).
 *
 * <p>Every method takes a directory, writes {@code <name>.onnx} into it (creating the directory) and returns the file.
 * Shapes use the symbolic dimension {@code "batch"} for the first axis where the brief says dynamic; other dynamic
 * dimensions are left unnamed, which ONNX Runtime also reports as -1.
 */
public final class OnnxFixtures {
    public static final int IR_VERSION = 8;
    public static final int OPSET = 17;

    public static final int MLP_IN = 4;
    public static final int MLP_HIDDEN = 8;
    public static final int MLP_OUT = 3;

    /** Row-major [4, 8]. Mixed signs so that the Relu really clips some hidden units. */
    private static final float[] W1 = new float[MLP_IN * MLP_HIDDEN];
    private static final float[] B1 = new float[MLP_HIDDEN];
    /** Row-major [8, 3]. */
    private static final float[] W2 = new float[MLP_HIDDEN * MLP_OUT];
    private static final float[] B2 = new float[MLP_OUT];

    static {
        for (int i = 0; i < W1.length; i++) {
            W1[i] = ((i * 5) % 11 - 5) * 0.125f;
        }
        for (int i = 0; i < B1.length; i++) {
            B1[i] = (i - 4) * 0.05f;
        }
        for (int i = 0; i < W2.length; i++) {
            W2[i] = ((i * 7) % 13 - 6) * 0.0625f;
        }
        for (int i = 0; i < B2.length; i++) {
            B2[i] = 0.5f - i * 0.25f;
        }
    }

    /** Lookup table of {@link #failing(Path)}: valid indices are -4..3. */
    public static final float[] FAILING_TABLE = {10f, 20f, 30f, 40f};

    /** Width of the square matrices in {@link #slow(Path, int)}. */
    public static final int SLOW_WIDTH = 512;

    private OnnxFixtures() {
    }

    /**
     * Writes one fixture for scripts (the benchmarks use it): {@code OnnxFixtures mlp|fixedBatch|twoInputs|failing DIR}.
     * Prints the model file's path.
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: OnnxFixtures mlp|fixedBatch|twoInputs|failing DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        Path file = switch (args[0]) {
            case "mlp" -> mlp(dir);
            case "fixedBatch" -> fixedBatch(dir);
            case "twoInputs" -> twoInputs(dir);
            case "failing" -> failing(dir);
            case "slow" -> slow(dir, 40);
            default -> throw new IllegalArgumentException("unknown fixture " + args[0]);
        };
        System.out.println(file);
    }

    public static float[] mlpW1() {
        return W1.clone();
    }

    public static float[] mlpB1() {
        return B1.clone();
    }

    public static float[] mlpW2() {
        return W2.clone();
    }

    public static float[] mlpB2() {
        return B2.clone();
    }

    /** What {@link #mlp(Path)} computes for one row of 4 features, in double precision. */
    public static double[] mlpReference(float[] row) {
        if (row.length != MLP_IN) {
            throw new IllegalArgumentException("row must have " + MLP_IN + " features, got " + row.length);
        }
        double[] hidden = new double[MLP_HIDDEN];
        for (int j = 0; j < MLP_HIDDEN; j++) {
            double sum = B1[j];
            for (int i = 0; i < MLP_IN; i++) {
                sum += (double) row[i] * W1[i * MLP_HIDDEN + j];
            }
            hidden[j] = Math.max(0, sum);
        }
        double[] out = new double[MLP_OUT];
        for (int k = 0; k < MLP_OUT; k++) {
            double sum = B2[k];
            for (int j = 0; j < MLP_HIDDEN; j++) {
                sum += hidden[j] * W2[j * MLP_OUT + k];
            }
            out[k] = sum;
        }
        return out;
    }

    /** input FP32 [batch, 4] → MatMul + Add → Relu → MatMul + Add → output FP32 [batch, 3]. */
    public static Path mlp(Path dir) {
        return writeMlp(dir, "mlp", dim("batch"));
    }

    /** {@link #mlp(Path)} with the first dimension fixed to 1, so dynamic batching must never apply. */
    public static Path fixedBatch(Path dir) {
        return writeMlp(dir, "fixed-batch", dim(1));
    }

    private static Path writeMlp(Path dir, String name, TensorShapeProto.Dimension first) {
        GraphProto graph = GraphProto.newBuilder()
                .setName(name)
                .addInitializer(floatTensor("W1", W1, MLP_IN, MLP_HIDDEN))
                .addInitializer(floatTensor("B1", B1, MLP_HIDDEN))
                .addInitializer(floatTensor("W2", W2, MLP_HIDDEN, MLP_OUT))
                .addInitializer(floatTensor("B2", B2, MLP_OUT))
                .addNode(node("MatMul", "input,W1", "h0"))
                .addNode(node("Add", "h0,B1", "h1"))
                .addNode(node("Relu", "h1", "h2"))
                .addNode(node("MatMul", "h2,W2", "o0"))
                .addNode(node("Add", "o0,B2", "output"))
                .addInput(value("input", TensorProto.DataType.FLOAT, first, dim(MLP_IN)))
                .addOutput(value("output", TensorProto.DataType.FLOAT, first, dim(MLP_OUT)))
                .build();
        return write(dir, name, graph);
    }

    /** a FP32 [batch, 2] + b FP32 [batch, 2] → sum FP32 [batch, 2]. */
    public static Path twoInputs(Path dir) {
        GraphProto graph = GraphProto.newBuilder()
                .setName("two-inputs")
                .addNode(node("Add", "a,b", "sum"))
                .addInput(value("a", TensorProto.DataType.FLOAT, dim("batch"), dim(2)))
                .addInput(value("b", TensorProto.DataType.FLOAT, dim("batch"), dim(2)))
                .addOutput(value("sum", TensorProto.DataType.FLOAT, dim("batch"), dim(2)))
                .build();
        return write(dir, "two-inputs", graph);
    }

    /**
     * input [batch, ?] → Identity → output [batch, ?] of the given type, for codec round trips. Writes
     * {@code identity-<type>.onnx}.
     */
    public static Path identity(Path dir, DataType type) {
        TensorProto.DataType onnxType = onnxType(type);
        String name = "identity-" + type.v2Name().toLowerCase(java.util.Locale.ROOT);
        GraphProto graph = GraphProto.newBuilder()
                .setName(name)
                .addNode(node("Identity", "input", "output"))
                .addInput(value("input", onnxType, dim("batch"), unknownDim()))
                .addOutput(value("output", onnxType, dim("batch"), unknownDim()))
                .build();
        return write(dir, name, graph);
    }

    /**
     * index INT64 [batch, 1] → Gather from {@link #FAILING_TABLE} → value FP32 [batch, 1]. ONNX Runtime loads it, and
     * fails at run time when an index is outside -4..3 — per request, so a batch holding one bad request fails while
     * its neighbours alone would not, which is what the retry-alone path needs.
     */
    public static Path failing(Path dir) {
        GraphProto graph = GraphProto.newBuilder()
                .setName("failing")
                .addInitializer(floatTensor("table", FAILING_TABLE, FAILING_TABLE.length))
                .addNode(node("Gather", "table,index", "value").toBuilder()
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0)))
                .addInput(value("index", TensorProto.DataType.INT64, dim("batch"), dim(1)))
                .addOutput(value("value", TensorProto.DataType.FLOAT, dim("batch"), dim(1)))
                .build();
        return write(dir, "failing", graph);
    }

    /**
     * input FP32 [batch, 512] → {@code layers} × (MatMul with one shared identity matrix) → output FP32 [batch, 512].
     * Costs about rows × layers × 512² multiply-adds, so a test picks how slow a request is by its row count; the
     * output equals the input, so results stay checkable.
     */
    public static Path slow(Path dir, int layers) {
        if (layers < 1) {
            throw new IllegalArgumentException("layers must be >= 1");
        }
        float[] identity = new float[SLOW_WIDTH * SLOW_WIDTH];
        for (int i = 0; i < SLOW_WIDTH; i++) {
            identity[i * SLOW_WIDTH + i] = 1f;
        }
        GraphProto.Builder graph = GraphProto.newBuilder()
                .setName("slow")
                .addInitializer(floatTensor("W", identity, SLOW_WIDTH, SLOW_WIDTH))
                .addInput(value("input", TensorProto.DataType.FLOAT, dim("batch"), dim(SLOW_WIDTH)))
                .addOutput(value("output", TensorProto.DataType.FLOAT, dim("batch"), dim(SLOW_WIDTH)));
        String previous = "input";
        for (int i = 0; i < layers; i++) {
            String next = i == layers - 1 ? "output" : "x" + i;
            graph.addNode(node("MatMul", previous + ",W", next));
            previous = next;
        }
        return write(dir, "slow", graph.build());
    }

    /** The ONNX element type for a Sluice data type. */
    public static TensorProto.DataType onnxType(DataType type) {
        return switch (type) {
            case BOOL -> TensorProto.DataType.BOOL;
            case UINT8 -> TensorProto.DataType.UINT8;
            case UINT16 -> TensorProto.DataType.UINT16;
            case UINT32 -> TensorProto.DataType.UINT32;
            case UINT64 -> TensorProto.DataType.UINT64;
            case INT8 -> TensorProto.DataType.INT8;
            case INT16 -> TensorProto.DataType.INT16;
            case INT32 -> TensorProto.DataType.INT32;
            case INT64 -> TensorProto.DataType.INT64;
            case FP16 -> TensorProto.DataType.FLOAT16;
            case FP32 -> TensorProto.DataType.FLOAT;
            case FP64 -> TensorProto.DataType.DOUBLE;
            case BYTES -> TensorProto.DataType.STRING;
        };
    }

    private static Path write(Path dir, String name, GraphProto graph) {
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("sluice-test-fixtures")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".onnx");
            Files.write(file, model.toByteArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static NodeProto node(String op, String inputs, String output) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output + "_" + op).addOutput(output);
        for (String input : inputs.split(",")) {
            node.addInput(input);
        }
        return node.build();
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

    private static ValueInfoProto value(String name, TensorProto.DataType type, TensorShapeProto.Dimension... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (TensorShapeProto.Dimension d : dims) {
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    private static TensorShapeProto.Dimension dim(long value) {
        return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
    }

    private static TensorShapeProto.Dimension dim(String param) {
        return TensorShapeProto.Dimension.newBuilder().setDimParam(param).build();
    }

    private static TensorShapeProto.Dimension unknownDim() {
        return TensorShapeProto.Dimension.getDefaultInstance();
    }
}
