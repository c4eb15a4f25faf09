package dev.sluice.pipeline.testing;

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
 * The model of {@code examples/tabular-churn}: a logistic regression that scores how likely a telecom customer is
 * to cancel, written as ONNX (opset 17, IR version 8) with hand-chosen weights so every score can be checked by hand.
 *
 * <p>{@code input} FP32 [batch, 6] → Gemm → {@code logits} FP32 [batch, 2], classes {@code stay, churn}. The six
 * features are what {@code examples/tabular-churn/model/features.json} produces, in order: tenure in months and
 * monthly charges (both standardised), the contract as a one-hot over month-to-month / one-year / two-year, and the
 * number of support calls in the last quarter (standardised). {@code stay} is the reference class with logit 0, so
 * {@code P(churn) = sigmoid(z)} with {@code z = B + Σ wᵢ·xᵢ}: new customers on monthly contracts with high bills
 * who keep calling support are the likely leavers; long tenure and two-year contracts keep customers.
 *
 * <p>{@code main} rewrites the committed model; a test checks the committed file is byte-identical to
 * {@link #modelBytes()}.
 */
public final class TabularFixture {
    public static final List<String> LABELS = List.of("stay", "churn");
    public static final int FEATURE_COUNT = 6;

    /** Weights of the churn logit, one per feature. */
    public static final float[] CHURN_WEIGHTS = {-1.2f, 0.7f, 1.1f, -0.4f, -1.6f, 0.5f};
    public static final float CHURN_BIAS = -0.9f;

    /** Where {@link #main} writes by default, relative to the repository root. */
    public static final Path COMMITTED = Path.of("examples", "tabular-churn", "model", "model.onnx");

    private TabularFixture() {
    }

    /** Writes the model: {@code TabularFixture [FILE]}, by default to {@link #COMMITTED} from the repository root. */
    public static void main(String[] args) throws IOException {
        Path file = args.length > 0 ? Path.of(args[0]) : COMMITTED;
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.write(file, modelBytes());
        System.out.println(file.toAbsolutePath());
    }

    /** Gemm's B operand, [6, 2] row-major: column 0 (stay) all zero, column 1 the churn weights. */
    static float[] weightMatrix() {
        float[] w = new float[FEATURE_COUNT * 2];
        for (int i = 0; i < FEATURE_COUNT; i++) {
            w[i * 2 + 1] = CHURN_WEIGHTS[i];
        }
        return w;
    }

    /** The logits [stay, churn] for one feature row, in double precision. */
    public static double[] referenceLogits(float[] features) {
        if (features.length != FEATURE_COUNT) {
            throw new IllegalArgumentException("need " + FEATURE_COUNT + " features, got " + features.length);
        }
        double z = CHURN_BIAS;
        for (int i = 0; i < FEATURE_COUNT; i++) {
            z += (double) CHURN_WEIGHTS[i] * features[i];
        }
        return new double[] {0, z};
    }

    /** The serialized model; deterministic (fixed field order, no timestamps). */
    public static byte[] modelBytes() {
        GraphProto graph = GraphProto.newBuilder()
                .setName("churn-logistic-regression")
                .setDocString("P(churn) for a telecom customer; features as in features.json, classes stay, churn")
                .addInitializer(floatTensor("W", weightMatrix(), FEATURE_COUNT, 2))
                .addInitializer(floatTensor("B", new float[] {0f, CHURN_BIAS}, 2))
                .addNode(NodeProto.newBuilder().setOpType("Gemm").setName("logits_Gemm")
                        .addInput("input").addInput("W").addInput("B").addOutput("logits"))
                .addInput(value("input", dim("batch"), dim(FEATURE_COUNT)))
                .addOutput(value("logits", dim("batch"), dim(2)))
                .build();
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("sluice-test-fixtures")
                .setModelVersion(1)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("labels").setValue(String.join(",", LABELS)))
                .setGraph(graph)
                .build();
        return model.toByteArray();
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
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }

    private static TensorShapeProto.Dimension dim(long value) {
        return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
    }

    private static TensorShapeProto.Dimension dim(String param) {
        return TensorShapeProto.Dimension.newBuilder().setDimParam(param).build();
    }
}
