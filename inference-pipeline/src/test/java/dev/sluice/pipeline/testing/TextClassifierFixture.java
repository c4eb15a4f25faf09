package dev.sluice.pipeline.testing;

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
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.internal.L2NormalizeProcessor;
import dev.sluice.pipeline.internal.MeanPoolingProcessor;
import dev.sluice.pipeline.internal.TokenizerProcessor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text-classification example's head: a nearest-centroid topic classifier over all-MiniLM-L6-v2 sentence
 * embeddings. Each label's weight column is the normalised mean embedding of a handful of seed sentences, so the
 * logits are scaled cosine similarities — a real, if small, classifier that needs no training run.
 *
 * <p>{@code embeddings} FP32 [N, 384] → Gemm (alpha = {@value #TEMPERATURE}) → {@code logits} FP32 [N, 4]. Written
 * with the int8 model Sluice serves as {@code builtin:minilm}, so the example's embeddings are the ones it was
 * built from. {@code main(dir)} rewrites {@code dir/model.onnx} and {@code dir/labels.txt}.
 */
public final class TextClassifierFixture {
    public static final List<String> LABELS = List.of("sports", "finance", "weather", "food");
    /** Scales cosine similarities into logits that softmax turns into confident but not saturated probabilities. */
    public static final float TEMPERATURE = 20f;
    static final Map<String, List<String>> SEEDS = new LinkedHashMap<>();

    static {
        SEEDS.put("sports", List.of("The striker scored twice in the second half.",
                "The team won the championship final last night.", "She broke the world record in the 100 metres.",
                "The coach was sacked after five straight defeats.", "Tennis fans packed the stadium for the match."));
        SEEDS.put("finance", List.of("Shares fell sharply after the earnings report.",
                "The central bank raised interest rates again.", "Investors are moving money into government bonds.",
                "The company announced a merger worth two billion dollars.", "Inflation pushed the stock market down."));
        SEEDS.put("weather", List.of("Heavy rain and strong winds are expected tomorrow.",
                "A heatwave will bring temperatures above forty degrees.", "Snow is forecast across the mountains tonight.",
                "The storm caused flooding along the coast.", "Skies will clear and it will be sunny this afternoon."));
        SEEDS.put("food", List.of("This pasta recipe uses garlic, tomatoes and fresh basil.",
                "The restaurant serves the best sushi in town.", "Bake the cake for forty minutes until golden.",
                "Add salt and pepper to the soup before serving.", "We had pancakes with maple syrup for breakfast."));
    }

    private TextClassifierFixture() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "examples/text-classification/model");
        write(dir);
        System.out.println("wrote " + dir.resolve("model.onnx") + " and " + dir.resolve("labels.txt"));
    }

    /** Embeds the seeds with MiniLM int8 and writes the classifier head and its labels into {@code dir}. */
    public static void write(Path dir) throws IOException {
        float[] weights = centroids();
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), model(weights).toByteArray());
        Files.writeString(dir.resolve("labels.txt"), String.join("\n", LABELS) + "\n");
    }

    /** [384, labels] row-major: column j is label j's normalised centroid. */
    static float[] centroids() {
        int hidden = MiniLm.HIDDEN;
        float[] weights = new float[hidden * LABELS.size()];
        try (TokenizerProcessor tokenizer = TokenizerProcessor.open(MiniLm.INT8.tokenizerJson(),
                TokenizerProcessor.Settings.defaults("texts").withTokenTypeIds(true))) {
            OrtTensorModel model = new OrtTensorModel("minilm", MiniLm.INT8.session());
            for (int label = 0; label < LABELS.size(); label++) {
                double[] sum = new double[hidden];
                for (String sentence : SEEDS.get(LABELS.get(label))) {
                    float[] v = embed(tokenizer, model, sentence);
                    for (int i = 0; i < hidden; i++) {
                        sum[i] += v[i];
                    }
                }
                double norm = 0;
                for (double s : sum) {
                    norm += s * s;
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < hidden; i++) {
                    weights[i * LABELS.size() + label] = (float) (sum[i] / norm);
                }
            }
        }
        return weights;
    }

    /** One sentence alone through tokenizer → MiniLM → mean pooling → L2, as the served pipeline does it. */
    static float[] embed(TokenizerProcessor tokenizer, OrtTensorModel model, String sentence) {
        Map<String, Tensor> tensors = tokenizer.process(Map.of("texts", Tensor.ofStrings(new long[] {1},
                new byte[][] {sentence.getBytes(StandardCharsets.UTF_8)})));
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (String name : List.of(TokenizerProcessor.INPUT_IDS, TokenizerProcessor.ATTENTION_MASK,
                TokenizerProcessor.TOKEN_TYPE_IDS)) {
            inputs.put(name, tensors.get(name));
        }
        Map<String, Tensor> outputs = new LinkedHashMap<>(tensors);
        outputs.putAll(model.infer(inputs).toCompletableFuture().join());
        String tokenEmbeddings = model.signature().outputs().get(0).name();
        Map<String, Tensor> pooled = new MeanPoolingProcessor(tokenEmbeddings, TokenizerProcessor.ATTENTION_MASK,
                "embeddings").process(outputs);
        return new L2NormalizeProcessor("embeddings").process(pooled).get("embeddings").floats();
    }

    static ModelProto model(float[] weights) {
        int classes = LABELS.size();
        ByteBuffer raw = ByteBuffer.allocate(weights.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(weights);
        TensorProto w = TensorProto.newBuilder().setName("centroids").setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(MiniLm.HIDDEN).addDims(classes).setRawData(ByteString.copyFrom(raw.array())).build();
        NodeProto gemm = NodeProto.newBuilder().setOpType("Gemm").setName("similarity")
                .addInput("embeddings").addInput("centroids").addOutput("logits")
                .addAttribute(AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT)
                        .setF(TEMPERATURE))
                .build();
        GraphProto graph = GraphProto.newBuilder().setName("topic-classifier").addInitializer(w).addNode(gemm)
                .addInput(value("embeddings", dimParam("batch"), dim(MiniLm.HIDDEN)))
                .addOutput(value("logits", dimParam("batch"), dim(classes)))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("sluice-examples")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph).build();
    }

    private static ValueInfoProto value(String name, TensorShapeProto.Dimension... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (TensorShapeProto.Dimension d : dims) {
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static TensorShapeProto.Dimension dim(long value) {
        return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
    }

    private static TensorShapeProto.Dimension dimParam(String name) {
        return TensorShapeProto.Dimension.newBuilder().setDimParam(name).build();
    }
}
