package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * float32 → float16 for GPU targets, the way mixed-precision converters do it: float initializers and the activations
 * of most operators become float16, numerically sensitive operators ({@link #KEEP_FLOAT32}: Softmax, the
 * normalisations, reductions, Pow/Exp/Log/Erf/Sqrt, ...) stay float32 with {@code Cast}s at the boundary, and graph
 * inputs and outputs keep their float32 types through {@code Cast} nodes, so clients send and receive what they did.
 *
 * <p>Element types come from ONNX Runtime's own inference ({@link OrtSupport#elementTypes}); an initializer read both
 * by float16 and float32 operators is stored in both precisions rather than cast at every run.
 */
public final class Fp16Conversion {
    static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();
    static final int FLOAT16 = TensorProto.DataType.FLOAT16.getNumber();

    /** Operators kept in float32: their range or accumulation needs it, or their float inputs must stay float. */
    public static final Set<String> KEEP_FLOAT32 = Set.of("Softmax", "LogSoftmax", "LayerNormalization",
            "SkipLayerNormalization", "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization",
            "EmbedLayerNormalization", "GroupNormalization", "InstanceNormalization", "ReduceMean", "ReduceSum",
            "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceProd", "Pow", "Exp",
            "Log", "Erf", "Sqrt", "Reciprocal", "CumSum", "Range", "RandomNormal", "RandomNormalLike", "RandomUniform",
            "RandomUniformLike", "Multinomial", "Resize", "Upsample", "NonMaxSuppression", "RoiAlign",
            "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "If", "Loop", "Scan", "SequenceConstruct",
            "SplitToSequence", "ConcatFromSequence", "Einsum", "STFT", "DFT");
    /** com.microsoft operators with float16 CUDA kernels; any other contrib operator stays float32. */
    static final Set<String> MICROSOFT_FLOAT16 = Set.of("FusedMatMul", "Gelu", "BiasGelu", "FastGelu", "QuickGelu",
            "BiasAdd", "Attention", "MultiHeadAttention", "BiasSoftmax", "FusedConv", "RotaryEmbedding");
    /** Operators whose inputs may be any type: they never need a Cast in front. */
    static final Set<String> ANY_INPUT = Set.of("Cast", "Shape", "Size");

    private Fp16Conversion() {
    }

    /**
     * @param halfValues the values that are float16 in the converted model (what {@link #emulate} rounds)
     */
    public record Result(ModelProto model, Set<String> halfValues, int initializersConverted, int float32Nodes,
                         int castsInserted, String detail) {
    }

    public static Result apply(ModelProto source, Map<String, Integer> types) {
        ModelProto model = constantsToInitializers(source);
        GraphProto graph = model.getGraph();
        List<NodeProto> nodes = graph.getNodeList();
        Map<String, TensorProto> initializers = new HashMap<>();
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Set<String> graphOutputs = new HashSet<>();
        graph.getOutputList().forEach(o -> graphOutputs.add(o.getName()));

        boolean[] half = new boolean[nodes.size()];
        int float32Nodes = 0;
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            boolean touchesFloat = false;
            for (String in : n.getInputList()) {
                touchesFloat |= isFloat(types, in);
            }
            for (String out : n.getOutputList()) {
                touchesFloat |= isFloat(types, out);
            }
            half[i] = touchesFloat && convertible(n);
            if (touchesFloat && !half[i]) {
                float32Nodes++;
            }
        }
        // Initializers: float16 when every float reader is float16; both precisions when readers disagree.
        Map<String, Boolean> initializerReadByHalf = new HashMap<>();
        Map<String, Boolean> initializerReadByFloat = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (ANY_INPUT.contains(nodes.get(i).getOpType())) {
                continue;
            }
            for (String in : nodes.get(i).getInputList()) {
                TensorProto t = initializers.get(in);
                if (t != null && t.getDataType() == FLOAT) {
                    (half[i] ? initializerReadByHalf : initializerReadByFloat).put(in, true);
                }
            }
        }
        Set<String> halfValues = new LinkedHashSet<>();
        List<TensorProto> newInitializers = new ArrayList<>();
        Set<String> replacedInitializers = new HashSet<>();
        Map<String, String> halfCopy = new HashMap<>();
        int initializersConverted = 0;
        for (String name : initializerReadByHalf.keySet()) {
            TensorProto t = initializers.get(name);
            boolean alsoFloat = initializerReadByFloat.containsKey(name) || graphOutputs.contains(name);
            String halfName = alsoFloat ? name + "_fp16" : name;
            newInitializers.add(toHalf(t, halfName));
            halfValues.add(halfName);
            halfCopy.put(name, halfName);
            if (!alsoFloat) {
                replacedInitializers.add(name);
            }
            initializersConverted++;
        }

        // Values produced by float16 nodes are float16; graph outputs among them get a float32 Cast at the end.
        Map<String, String> renamedOutputs = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!half[i]) {
                continue;
            }
            for (String out : nodes.get(i).getOutputList()) {
                if (isFloat(types, out)) {
                    if (graphOutputs.contains(out)) {
                        renamedOutputs.put(out, out + "_fp16");
                        halfValues.add(out + "_fp16");
                    } else {
                        halfValues.add(out);
                    }
                }
            }
        }

        GraphProto.Builder builder = graph.toBuilder().clearNode().clearValueInfo().clearInitializer().clearInput();
        for (TensorProto t : graph.getInitializerList()) {
            if (!replacedInitializers.contains(t.getName())) {
                builder.addInitializer(t);
            }
        }
        // IR < 4 lists initializers as (overridable) graph inputs; a float16 initializer is a constant from now on.
        for (ValueInfoProto input : graph.getInputList()) {
            if (!replacedInitializers.contains(input.getName())) {
                builder.addInput(input);
            }
        }
        builder.addAllInitializer(newInitializers);
        Map<String, String> castToHalf = new HashMap<>();
        Map<String, String> castToFloat = new HashMap<>();
        int casts = 0;
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto node = nodes.get(i);
            NodeProto.Builder b = node.toBuilder().clearInput();
            boolean anyInput = ANY_INPUT.contains(node.getOpType());
            for (String in : node.getInputList()) {
                String current = renamedOutputs.getOrDefault(in, in);
                if (in.isEmpty() || anyInput || !isFloat(types, in) || types.get(in) == null) {
                    b.addInput(current);
                    continue;
                }
                boolean isHalf = halfValues.contains(current);
                if (half[i]) {
                    if (halfCopy.containsKey(in)) {
                        b.addInput(halfCopy.get(in));
                    } else if (isHalf) {
                        b.addInput(current);
                    } else {
                        String cast = castToHalf.get(current);
                        if (cast == null) {
                            cast = current + "_cast_fp16";
                            builder.addNode(cast(current, cast, FLOAT16));
                            castToHalf.put(current, cast);
                            halfValues.add(cast);
                            casts++;
                        }
                        b.addInput(cast);
                    }
                } else if (isHalf) {
                    // A float32 node reading a float16 value; graph outputs already exist in float32 under their name.
                    if (renamedOutputs.containsKey(in)) {
                        b.addInput(in);
                    } else {
                        String cast = castToFloat.get(current);
                        if (cast == null) {
                            cast = current + "_cast_fp32";
                            builder.addNode(cast(current, cast, FLOAT));
                            castToFloat.put(current, cast);
                            casts++;
                        }
                        b.addInput(cast);
                    }
                } else {
                    b.addInput(current);
                }
            }
            if (half[i]) {
                b.clearOutput();
                for (String out : node.getOutputList()) {
                    b.addOutput(renamedOutputs.getOrDefault(out, out));
                }
                retypeAttributes(b);
            }
            builder.addNode(b);
            if (half[i]) {
                for (String out : node.getOutputList()) {
                    if (renamedOutputs.containsKey(out)) {
                        builder.addNode(cast(renamedOutputs.get(out), out, FLOAT));
                        casts++;
                    }
                }
            }
        }
        int halfNodes = 0;
        for (boolean h : half) {
            halfNodes += h ? 1 : 0;
        }
        String detail = halfNodes + " node(s) and " + initializersConverted + " initializer(s) to float16, "
                + float32Nodes + " numerically sensitive node(s) kept float32, " + casts + " Cast(s) inserted;"
                + " graph inputs/outputs keep their types";
        return new Result(model.toBuilder().setGraph(builder).build(), Set.copyOf(halfValues), initializersConverted,
                float32Nodes, casts, detail);
    }

    /**
     * The float16 model as a float32 one that rounds where the real one stores float16: float16 initializers become
     * float32 holding the same (rounded) values, and every float16 value is rounded through {@code Cast}s to float16
     * and back. It runs on ONNX Runtime's CPU provider, which lacks float16 kernels for most operators, and reproduces
     * the storage precision of the GPU model (not its arithmetic, which CUDA kernels mostly accumulate in float32).
     */
    public static ModelProto emulate(ModelProto halfModel, Set<String> halfValues) {
        GraphProto graph = halfModel.getGraph();
        GraphProto.Builder builder = graph.toBuilder().clearNode().clearInitializer().clearValueInfo();
        for (TensorProto t : graph.getInitializerList()) {
            builder.addInitializer(t.getDataType() == FLOAT16 ? fromHalf(t) : t);
        }
        for (NodeProto node : graph.getNodeList()) {
            NodeProto.Builder b = node.toBuilder();
            if (node.getOpType().equals("Cast") && Onnx.intAttribute(node, "to", 0) == FLOAT16) {
                // Cast to float16 → round to float16 and come back to float32.
                String rounded = node.getOutput(0);
                String mid = rounded + "_emulated_half";
                builder.addNode(b.clearOutput().addOutput(mid));
                builder.addNode(cast(mid, rounded, FLOAT, rounded + "_emulated_back"));
                continue;
            }
            unretypeAttributes(b);
            List<String> roundAfter = new ArrayList<>();
            b.clearOutput();
            for (String out : node.getOutputList()) {
                if (halfValues.contains(out)) {
                    b.addOutput(out + "_emulated_raw");
                    roundAfter.add(out);
                } else {
                    b.addOutput(out);
                }
            }
            builder.addNode(b);
            for (String out : roundAfter) {
                builder.addNode(cast(out + "_emulated_raw", out + "_emulated_half", FLOAT16, out + "_emulated_round"));
                builder.addNode(cast(out + "_emulated_half", out, FLOAT, out + "_emulated_back"));
            }
        }
        return halfModel.toBuilder().setGraph(builder).build();
    }

    private static boolean convertible(NodeProto n) {
        String domain = n.getDomain();
        if (domain.equals(Onnx.MICROSOFT_DOMAIN)) {
            return MICROSOFT_FLOAT16.contains(n.getOpType());
        }
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            return false;
        }
        for (AttributeProto a : n.getAttributeList()) {
            if (a.hasG() || a.getGraphsCount() > 0) {
                return false;
            }
        }
        return !KEEP_FLOAT32.contains(n.getOpType());
    }

    private static boolean isFloat(Map<String, Integer> types, String value) {
        Integer t = types.get(value);
        return t != null && t == FLOAT;
    }

    /** Cast(to=FLOAT) becomes Cast(to=FLOAT16); a float ConstantOfShape value becomes float16. */
    private static void retypeAttributes(NodeProto.Builder b) {
        for (int i = 0; i < b.getAttributeCount(); i++) {
            AttributeProto a = b.getAttribute(i);
            if (b.getOpType().equals("Cast") && a.getName().equals("to") && a.getI() == FLOAT) {
                b.setAttribute(i, a.toBuilder().setI(FLOAT16));
            } else if (a.hasT() && a.getT().getDataType() == FLOAT) {
                b.setAttribute(i, a.toBuilder().setT(toHalf(a.getT(), a.getT().getName())));
            }
        }
    }

    private static void unretypeAttributes(NodeProto.Builder b) {
        for (int i = 0; i < b.getAttributeCount(); i++) {
            AttributeProto a = b.getAttribute(i);
            if (a.hasT() && a.getT().getDataType() == FLOAT16) {
                b.setAttribute(i, a.toBuilder().setT(fromHalf(a.getT())));
            }
        }
    }

    private static NodeProto cast(String from, String to, int type) {
        return cast(from, to, type, to + "_Cast");
    }

    private static NodeProto cast(String from, String to, int type, String name) {
        return Onnx.node("Cast", name, List.of(from), List.of(to)).addAttribute(Onnx.intAttribute("to", type)).build();
    }

    /**
     * Float16 copy of a float tensor, finite values clamped to ±65504: exporters write "minus infinity" masks as
     * {@code -3.4e38} (float32's lowest), which would round to -inf and turn {@code 0 × mask} into NaN.
     */
    static TensorProto toHalf(TensorProto t, String name) {
        float[] values = Onnx.floats(t);
        ByteBuffer raw = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            float clamped = Float.isFinite(v) ? Math.max(-Float16.MAX, Math.min(Float16.MAX, v)) : v;
            raw.putShort(Float16.fromFloat(clamped));
        }
        return t.toBuilder().setName(name).setDataType(FLOAT16).clearFloatData().setRawData(ByteString.copyFrom(
                raw.array())).build();
    }

    static TensorProto fromHalf(TensorProto t) {
        float[] values;
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            values = new float[raw.remaining() / 2];
            for (int i = 0; i < values.length; i++) {
                values[i] = Float16.toFloat(raw.getShort());
            }
        } else {
            // float16 in int32_data: one value per element, in the low 16 bits.
            values = new float[t.getInt32DataCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = Float16.toFloat((short) t.getInt32Data(i));
            }
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.toBuilder().setDataType(FLOAT).clearInt32Data().setRawData(ByteString.copyFrom(raw.array())).build();
    }

    /** Constant nodes with a tensor value become initializers, so they convert like any other weight. */
    static ModelProto constantsToInitializers(ModelProto model) {
        GraphProto graph = model.getGraph();
        Set<String> graphOutputs = new HashSet<>();
        graph.getOutputList().forEach(o -> graphOutputs.add(o.getName()));
        GraphProto.Builder builder = graph.toBuilder().clearNode();
        for (NodeProto n : graph.getNodeList()) {
            AttributeProto value = Onnx.attribute(n, "value");
            if (n.getOpType().equals("Constant") && (n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"))
                    && value != null && value.hasT() && n.getAttributeCount() == 1
                    && !graphOutputs.contains(n.getOutput(0))) {
                builder.addInitializer(value.getT().toBuilder().setName(n.getOutput(0)));
            } else {
                builder.addNode(n);
            }
        }
        return model.toBuilder().setGraph(builder).build();
    }
}
