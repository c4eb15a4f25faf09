package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Small helpers over the ONNX protobuf shared by the passes. */
public final class Onnx {
    public static final String DEFAULT_DOMAIN = "";
    public static final String MICROSOFT_DOMAIN = "com.microsoft";
    /** Protobuf refuses messages of 2 GiB and more; larger models need external data all the way through. */
    static final long MAX_MODEL_BYTES = (2L << 30) - 1;

    private Onnx() {
    }

    /**
     * Reads an ONNX file, inlining tensors stored as external data (relative to the file's directory), so every later
     * pass and the artifact see one self-contained model.
     *
     * @throws IllegalArgumentException when it is not ONNX, external data escapes the directory or is missing, or the
     *                                  model with its data reaches protobuf's 2 GiB limit
     */
    public static ModelProto read(Path file) {
        return inlineExternalData(parse(file), file.toAbsolutePath().getParent());
    }

    /** The external-data file locations the model's initializers name (relative to its directory). */
    public static Set<String> externalDataLocations(ModelProto model) {
        Set<String> locations = new HashSet<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                for (StringStringEntryProto e : t.getExternalDataList()) {
                    if (e.getKey().equals("location")) {
                        locations.add(e.getValue());
                    }
                }
            }
        }
        return locations;
    }

    /** Parses an ONNX file as it is, external data left external. */
    public static ModelProto parse(Path file) {
        ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not a readable ONNX model: " + e.getMessage(), e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 && model.getGraph().getOutputCount() == 0) {
            throw new IllegalArgumentException(file + " is not an ONNX model (no graph)");
        }
        return model;
    }

    /** Loads every initializer stored as external data (relative to {@code dir}) into the model itself. */
    public static ModelProto inlineExternalData(ModelProto model, Path dir) {
        boolean external = model.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL);
        if (!external) {
            return model;
        }
        GraphProto.Builder graph = model.getGraph().toBuilder();
        long total = model.getSerializedSize();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
                continue;
            }
            Map<String, String> info = new HashMap<>();
            for (StringStringEntryProto e : t.getExternalDataList()) {
                info.put(e.getKey(), e.getValue());
            }
            String location = info.get("location");
            if (location == null) {
                throw new IllegalArgumentException("initializer '" + t.getName() + "' has external data without a location");
            }
            Path data = dir.resolve(location).normalize();
            if (!data.startsWith(dir.normalize())) {
                throw new IllegalArgumentException("initializer '" + t.getName() + "': external data '" + location
                        + "' is outside the model's directory");
            }
            long offset = Long.parseLong(info.getOrDefault("offset", "0"));
            try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
                long length = info.containsKey("length") ? Long.parseLong(info.get("length")) : channel.size() - offset;
                total += length;
                if (total > MAX_MODEL_BYTES) {
                    throw new IllegalArgumentException("the model with its external data is larger than 2 GiB, which"
                            + " the compiler does not support (protobuf's message limit)");
                }
                ByteBuffer buffer = ByteBuffer.allocate((int) length);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, offset + buffer.position()) < 0) {
                        throw new IllegalArgumentException("external data file " + data + " is shorter than initializer '"
                                + t.getName() + "' needs");
                    }
                }
                buffer.flip();
                graph.setInitializer(i, t.toBuilder().clearExternalData().clearDataLocation()
                        .setRawData(ByteString.copyFrom(buffer)).build());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read external data " + data + " of initializer '"
                        + t.getName() + "': " + e, e);
            }
        }
        return model.toBuilder().setGraph(graph).build();
    }

    /** The version imported for {@code domain} ({@code ""} and {@code ai.onnx} are the same), or -1. */
    public static long opset(ModelProto model, String domain) {
        for (OperatorSetIdProto op : model.getOpsetImportList()) {
            String d = op.getDomain().equals("ai.onnx") ? DEFAULT_DOMAIN : op.getDomain();
            if (d.equals(domain)) {
                return op.getVersion();
            }
        }
        return -1;
    }

    /** The model with {@code domain} imported at {@code version} unless some version already is. */
    public static ModelProto withOpset(ModelProto model, String domain, long version) {
        if (opset(model, domain) >= 0) {
            return model;
        }
        return model.toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version))
                .build();
    }

    /** A float tensor's values (raw little-endian data or the {@code float_data} field). */
    public static float[] floats(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is not FLOAT");
        }
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[raw.remaining() / 4];
            raw.asFloatBuffer().get(values);
            return values;
        }
        float[] values = new float[t.getFloatDataCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = t.getFloatData(i);
        }
        return values;
    }

    /** Number of elements a tensor's dims describe. */
    public static long elements(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    public static TensorProto floatTensor(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return tensor(name, TensorProto.DataType.FLOAT, raw.array(), dims);
    }

    public static TensorProto int8Tensor(String name, byte[] values, long... dims) {
        return tensor(name, TensorProto.DataType.INT8, values, dims);
    }

    public static TensorProto int64Tensor(String name, long[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return tensor(name, TensorProto.DataType.INT64, raw.array(), dims);
    }

    public static TensorProto tensor(String name, TensorProto.DataType type, byte[] raw, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** Bytes a tensor's data takes (what dominates a model's size). */
    public static long dataBytes(TensorProto t) {
        if (!t.getRawData().isEmpty()) {
            return t.getRawData().size();
        }
        return t.getSerializedSize();
    }

    public static NodeProto.Builder node(String op, String name, List<String> inputs, List<String> outputs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs);
    }

    public static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    public static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /** The attribute named {@code name}, or null. */
    public static AttributeProto attribute(NodeProto node, String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    public static long intAttribute(NodeProto node, String name, long fallback) {
        AttributeProto a = attribute(node, name);
        return a == null ? fallback : a.getI();
    }

    public static float floatAttribute(NodeProto node, String name, float fallback) {
        AttributeProto a = attribute(node, name);
        return a == null ? fallback : a.getF();
    }

    /** Names read inside the node's subgraphs (If/Loop/Scan bodies) that come from the enclosing scope, or more. */
    public static Set<String> subgraphReads(NodeProto node) {
        Set<String> names = new HashSet<>();
        for (AttributeProto a : node.getAttributeList()) {
            if (a.hasG()) {
                collectReads(a.getG(), names);
            }
            for (GraphProto g : a.getGraphsList()) {
                collectReads(g, names);
            }
        }
        return names;
    }

    private static void collectReads(GraphProto graph, Set<String> names) {
        for (NodeProto n : graph.getNodeList()) {
            names.addAll(n.getInputList());
            names.addAll(subgraphReads(n));
        }
        graph.getOutputList().forEach(o -> names.add(o.getName()));
    }

    /** Op type histogram, {@code domain:op} for non-default domains. */
    public static Map<String, Integer> opCounts(ModelProto model) {
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            String key = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx") ? n.getOpType()
                    : n.getDomain() + ":" + n.getOpType();
            ops.merge(key, 1, Integer::sum);
        }
        return ops;
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest digest = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
