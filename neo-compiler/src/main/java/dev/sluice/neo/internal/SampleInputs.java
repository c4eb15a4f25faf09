package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Sample inputs for the accuracy gate and the latency probe: read from a JSON file, or generated from the model's
 * input specs. Generated inputs follow the conventions of the models people compile: integer inputs named like
 * {@code input_ids} get valid token ids (below the vocabulary size read from the embedding table they index),
 * {@code attention_mask} ones, {@code token_type_ids} zeros, {@code position_ids} positions; float inputs standard
 * normal values. Symbolic dimensions vary between batches (batch 1 and 2; lengths 16, 8, 32, 12), sharing one value
 * per name, so the gate covers more than one shape.
 */
public final class SampleInputs {
    static final long[] BATCH_SIZES = {1, 2};
    static final long[] OTHER_SIZES = {16, 8, 32, 12};
    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleInputs() {
    }

    /** One input value: ONNX element type, shape, and a primitive array of the values. */
    public record Sample(String name, int elemType, long[] shape, Object data) {
        public OnnxTensor toOnnx(OrtEnvironment env) throws OrtException {
            return switch (TensorProto.DataType.forNumber(elemType)) {
                case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) data), shape);
                case DOUBLE -> OnnxTensor.createTensor(env, DoubleBuffer.wrap((double[]) data), shape);
                case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) data), shape);
                case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) data), shape);
                case INT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) data), shape, OnnxJavaType.INT16);
                case FLOAT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) data), shape,
                        OnnxJavaType.FLOAT16);
                case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) data), shape, OnnxJavaType.INT8);
                case UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) data), shape, OnnxJavaType.UINT8);
                case BOOL -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) data), shape, OnnxJavaType.BOOL);
                default -> throw new IllegalArgumentException("input '" + name + "' has element type "
                        + TensorProto.DataType.forNumber(elemType) + ", which the sample inputs do not support");
            };
        }

        public String describe() {
            return name + Arrays.toString(shape).replace(" ", "");
        }
    }

    /** A model input as the samples need it. */
    record Spec(String name, int elemType, List<TensorShapeProto.Dimension> dims) {
    }

    static List<Spec> specs(ModelProto model) {
        GraphProto graph = model.getGraph();
        Set<String> initializers = new HashSet<>();
        graph.getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<Spec> specs = new ArrayList<>();
        for (ValueInfoProto input : graph.getInputList()) {
            if (initializers.contains(input.getName())) {
                continue;
            }
            if (!input.getType().hasTensorType()) {
                throw new IllegalArgumentException("input '" + input.getName() + "' is not a tensor; give sample inputs"
                        + " that the compiler can build, or none");
            }
            specs.add(new Spec(input.getName(), input.getType().getTensorType().getElemType(),
                    input.getType().getTensorType().getShape().getDimList()));
        }
        return specs;
    }

    /** {@code count} batches of generated inputs, reproducible for a seed. */
    public static List<Map<String, Sample>> generate(ModelProto model, int count, long seed) {
        List<Spec> specs = specs(model);
        Map<String, Long> vocabularies = vocabularies(model);
        Random random = new Random(seed);
        List<Map<String, Sample>> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            Map<String, Long> symbols = new HashMap<>();
            Map<String, Sample> batch = new LinkedHashMap<>();
            for (Spec spec : specs) {
                long[] shape = new long[spec.dims().size()];
                for (int axis = 0; axis < shape.length; axis++) {
                    TensorShapeProto.Dimension d = spec.dims().get(axis);
                    if (d.hasDimValue() && d.getDimValue() > 0) {
                        shape[axis] = d.getDimValue();
                    } else {
                        String key = d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam() : "#" + axis;
                        long[] sizes = axis == 0 ? BATCH_SIZES : OTHER_SIZES;
                        int pick = b;
                        shape[axis] = symbols.computeIfAbsent(key, k -> sizes[pick % sizes.length]);
                    }
                }
                batch.put(spec.name(), generate(spec, shape, vocabularies.get(spec.name()), random));
            }
            batches.add(batch);
        }
        return batches;
    }

    private static Sample generate(Spec spec, long[] shape, Long vocabulary, Random random) {
        int n = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        String name = spec.name().toLowerCase(Locale.ROOT);
        int type = spec.elemType();
        TensorProto.DataType dataType = TensorProto.DataType.forNumber(type);
        if (dataType == null) {
            throw new IllegalArgumentException("input '" + spec.name() + "' has an unknown element type " + type);
        }
        long[] ints = new long[n];
        long last = shape.length == 0 ? 1 : Math.max(1, shape[shape.length - 1]);
        for (int i = 0; i < n; i++) {
            if (name.contains("mask")) {
                ints[i] = 1;
            } else if (name.contains("token_type") || name.contains("segment")) {
                ints[i] = 0;
            } else if (name.contains("position")) {
                ints[i] = i % last;
            } else if (name.contains("ids") || name.contains("token")) {
                long vocab = vocabulary == null ? 100 : vocabulary;
                // Small valid ids: above BERT-style special and unused tokens when the vocabulary has them, and within
                // the first few thousand, where WordPiece/BPE vocabularies keep their frequent tokens.
                long low = vocab > 2000 ? 1000 : 1;
                long high = Math.min(vocab, low + 5000);
                ints[i] = low + (long) (random.nextDouble() * (high - low));
            } else {
                ints[i] = vocabulary == null ? 0 : random.nextInt((int) Math.min(vocabulary, Integer.MAX_VALUE));
            }
        }
        Object data = switch (dataType) {
            case FLOAT -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                yield v;
            }
            case DOUBLE -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = random.nextGaussian();
                }
                yield v;
            }
            case FLOAT16 -> {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    v[i] = Float16.fromFloat((float) random.nextGaussian());
                }
                yield v;
            }
            case INT64 -> ints;
            case INT32 -> Arrays.stream(ints).mapToInt(Math::toIntExact).toArray();
            case INT16 -> {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (short) ints[i];
                }
                yield v;
            }
            case INT8, UINT8 -> {
                byte[] v = new byte[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (byte) ints[i];
                }
                yield v;
            }
            case BOOL -> {
                byte[] v = new byte[n];
                Arrays.fill(v, (byte) 1);
                yield v;
            }
            default -> throw new IllegalArgumentException("input '" + spec.name() + "' has element type " + dataType
                    + ", for which the compiler cannot generate samples; give a samples file");
        };
        return new Sample(spec.name(), type, shape, data);
    }

    /** Input name → rows of the initializer it indexes through a Gather (an embedding table): the valid id range. */
    static Map<String, Long> vocabularies(ModelProto model) {
        Map<String, TensorProto> initializers = new HashMap<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Map<String, String> castFrom = new HashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            if ((n.getOpType().equals("Cast") || n.getOpType().equals("Identity")) && n.getInputCount() == 1) {
                castFrom.put(n.getOutput(0), n.getInput(0));
            }
        }
        Map<String, Long> vocab = new HashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (n.getOpType().equals("Gather") && n.getInputCount() == 2 && initializers.containsKey(n.getInput(0))
                    && Onnx.intAttribute(n, "axis", 0) == 0) {
                TensorProto table = initializers.get(n.getInput(0));
                if (table.getDimsCount() == 0) {
                    continue;
                }
                String index = n.getInput(1);
                for (int hops = 0; hops < 3 && index != null; hops++) {
                    vocab.merge(index, table.getDims(0), Math::min);
                    index = castFrom.get(index);
                }
            }
        }
        return vocab;
    }

    /**
     * Reads sample inputs from JSON: a list of batches, {@code [{"input_ids": [[101, 2023, 102]], ...}, ...]}, a
     * single batch object, or {@code {"samples": [...]}}. Each value is a nested list whose nesting gives the shape;
     * its element type is the model input's.
     */
    public static List<Map<String, Sample>> read(Path file, ModelProto model) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read sample inputs " + file + ": " + e.getMessage(), e);
        }
        if (root != null && root.isObject() && root.has("samples")) {
            root = root.get("samples");
        }
        List<JsonNode> batches = new ArrayList<>();
        if (root != null && root.isArray()) {
            root.forEach(batches::add);
        } else if (root != null && root.isObject()) {
            batches.add(root);
        }
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("sample inputs " + file + " hold no batches; expected [{\"input\": [[...]]},"
                    + " ...]");
        }
        List<Spec> specs = specs(model);
        List<Map<String, Sample>> result = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            JsonNode batch = batches.get(b);
            if (!batch.isObject()) {
                throw new IllegalArgumentException("sample inputs " + file + ": batch " + b + " is not an object of"
                        + " input name → values");
            }
            Map<String, Sample> samples = new LinkedHashMap<>();
            for (Spec spec : specs) {
                JsonNode values = batch.get(spec.name());
                if (values == null) {
                    throw new IllegalArgumentException("sample inputs " + file + ": batch " + b + " has no input '"
                            + spec.name() + "'");
                }
                samples.put(spec.name(), parse(file, b, spec, values));
            }
            for (Iterator<String> it = batch.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (specs.stream().noneMatch(s -> s.name().equals(name))) {
                    throw new IllegalArgumentException("sample inputs " + file + ": batch " + b + " names '" + name
                            + "', which is not an input of the model");
                }
            }
            result.add(samples);
        }
        return result;
    }

    private static Sample parse(Path file, int b, Spec spec, JsonNode values) {
        List<Long> shape = new ArrayList<>();
        JsonNode probe = values;
        while (probe.isArray()) {
            shape.add((long) probe.size());
            if (probe.isEmpty()) {
                break;
            }
            probe = probe.get(0);
        }
        List<JsonNode> leaves = new ArrayList<>();
        flatten(file, b, spec.name(), values, shape, 0, leaves);
        long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
        if (!spec.dims().isEmpty() && spec.dims().size() != dims.length) {
            throw new IllegalArgumentException("sample inputs " + file + ": batch " + b + " input '" + spec.name()
                    + "' has rank " + dims.length + ", the model expects " + spec.dims().size());
        }
        for (int i = 0; i < dims.length && i < spec.dims().size(); i++) {
            TensorShapeProto.Dimension d = spec.dims().get(i);
            if (d.hasDimValue() && d.getDimValue() > 0 && d.getDimValue() != dims[i]) {
                throw new IllegalArgumentException("sample inputs " + file + ": batch " + b + " input '" + spec.name()
                        + "' has shape " + Arrays.toString(dims) + ", the model expects " + d.getDimValue()
                        + " at dimension " + i);
            }
        }
        int n = leaves.size();
        Object data = switch (TensorProto.DataType.forNumber(spec.elemType())) {
            case FLOAT -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) leaves.get(i).asDouble();
                }
                yield v;
            }
            case DOUBLE -> leaves.stream().mapToDouble(JsonNode::asDouble).toArray();
            case FLOAT16 -> {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    v[i] = Float16.fromFloat((float) leaves.get(i).asDouble());
                }
                yield v;
            }
            case INT64 -> leaves.stream().mapToLong(JsonNode::asLong).toArray();
            case INT32 -> leaves.stream().mapToInt(JsonNode::asInt).toArray();
            case INT16 -> {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (short) leaves.get(i).asInt();
                }
                yield v;
            }
            case INT8, UINT8, BOOL -> {
                byte[] v = new byte[n];
                for (int i = 0; i < n; i++) {
                    JsonNode leaf = leaves.get(i);
                    v[i] = (byte) (leaf.isBoolean() ? (leaf.asBoolean() ? 1 : 0) : leaf.asInt());
                }
                yield v;
            }
            default -> throw new IllegalArgumentException("sample inputs: input '" + spec.name() + "' has element type "
                    + TensorProto.DataType.forNumber(spec.elemType()) + ", which sample files do not support");
        };
        return new Sample(spec.name(), spec.elemType(), dims, data);
    }

    private static void flatten(Path file, int b, String name, JsonNode node, List<Long> shape, int depth,
                                List<JsonNode> leaves) {
        if (depth == shape.size()) {
            if (!node.isNumber() && !node.isBoolean()) {
                throw new IllegalArgumentException("sample inputs " + file + ": batch " + b + " input '" + name
                        + "' holds " + node + " where a number belongs (is the list ragged?)");
            }
            leaves.add(node);
            return;
        }
        if (!node.isArray() || node.size() != shape.get(depth)) {
            throw new IllegalArgumentException("sample inputs " + file + ": batch " + b + " input '" + name
                    + "' is ragged: every list at depth " + depth + " must have " + shape.get(depth) + " items");
        }
        for (JsonNode child : node) {
            flatten(file, b, name, child, shape, depth + 1, leaves);
        }
    }

    /** {@code input_ids[1,16], attention_mask[1,16]}. */
    public static String describe(Map<String, Sample> batch) {
        return String.join(", ", batch.values().stream().map(Sample::describe).toList());
    }
}
