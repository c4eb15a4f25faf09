package dev.sluice.neo.internal;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** ONNX Runtime sessions as the compiler uses them: offline optimisation, value types, quiet logging. */
public final class OrtSupport {
    private OrtSupport() {
    }

    public static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }

    public static String version() {
        return env().getVersion();
    }

    /** Maps a manifest level name to ORT's. */
    public static OrtSession.SessionOptions.OptLevel level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "disabled" -> OrtSession.SessionOptions.OptLevel.NO_OPT;
            case "basic" -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case "extended" -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            case "all" -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            default -> throw new IllegalArgumentException("unknown optimisation level " + name);
        };
    }

    public static OrtSession.SessionOptions options(String level, int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        options.setOptimizationLevel(level(level));
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        return options;
    }

    /**
     * Runs ONNX Runtime's graph optimiser on {@code model} at {@code level} with the CPU provider and returns the graph
     * it saves ({@code setOptimizedModelFilePath}): the fusions are then part of the artifact and hosts load it with
     * optimisation disabled.
     */
    public static ModelProto optimise(ModelProto model, String level, Path workDir) throws OrtException, IOException {
        Path out = Files.createTempFile(workDir, "optimised-", ".onnx");
        try (OrtSession.SessionOptions options = options(level, 1)) {
            options.setOptimizedModelFilePath(out.toString());
            try (OrtSession session = env().createSession(model.toByteArray(), options)) {
                session.getNumInputs();
            }
            return Onnx.read(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * The shapes {@code values} take when the model runs on each sample batch: the values are exposed as extra graph
     * outputs of a throw-away session (optimisation disabled, so the graph runs as it is).
     */
    public static Map<String, List<long[]>> observedShapes(ModelProto model, Set<String> values,
            List<Map<String, SampleInputs.Sample>> samples) throws OrtException {
        Map<String, List<long[]>> shapes = new HashMap<>();
        if (values.isEmpty()) {
            return shapes;
        }
        GraphProto.Builder probe = model.getGraph().toBuilder();
        Set<String> exposed = new HashSet<>();
        model.getGraph().getOutputList().forEach(o -> exposed.add(o.getName()));
        for (String v : values) {
            if (exposed.add(v)) {
                probe.addOutput(ValueInfoProto.newBuilder().setName(v));
            }
        }
        try (OrtSession.SessionOptions options = options("disabled", 1);
             OrtSession session = env().createSession(model.toBuilder().setGraph(probe).build().toByteArray(),
                     options)) {
            for (Map<String, SampleInputs.Sample> batch : samples) {
                Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
                try {
                    for (SampleInputs.Sample s : batch.values()) {
                        inputs.put(s.name(), s.toOnnx(env()));
                    }
                    try (OrtSession.Result result = session.run(inputs, values)) {
                        for (String v : values) {
                            result.get(v).ifPresent(value -> {
                                if (value.getInfo() instanceof TensorInfo info) {
                                    shapes.computeIfAbsent(v, k -> new ArrayList<>()).add(info.getShape());
                                }
                            });
                        }
                    }
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
            }
        }
        return shapes;
    }

    /**
     * ONNX's element type number for ORT Java's enum, whose own numbering differs (its FLOAT is 10): matched by name.
     */
    static int onnxElementType(TensorInfo.OnnxTensorType type) {
        String name = type.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "");
        try {
            return TensorProto.DataType.valueOf(name).getNumber();
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    /**
     * The ONNX element type of every value in the graph (inputs, initializers, node outputs) as ONNX Runtime infers it:
     * every node output is exposed as a graph output of a throw-away session and read back from its output info.
     * Exact for every operator ORT implements, contrib ops included, which a hand-written table would not be.
     */
    public static Map<String, Integer> elementTypes(ModelProto model) throws OrtException {
        GraphProto graph = model.getGraph();
        GraphProto.Builder probe = graph.toBuilder();
        Set<String> exposed = new HashSet<>();
        graph.getOutputList().forEach(o -> exposed.add(o.getName()));
        for (NodeProto node : graph.getNodeList()) {
            for (String out : node.getOutputList()) {
                if (!out.isEmpty() && exposed.add(out)) {
                    probe.addOutput(ValueInfoProto.newBuilder().setName(out));
                }
            }
        }
        Map<String, Integer> types = new HashMap<>();
        graph.getInitializerList().forEach(t -> types.put(t.getName(), t.getDataType()));
        for (ValueInfoProto input : graph.getInputList()) {
            if (input.getType().hasTensorType()) {
                types.put(input.getName(), input.getType().getTensorType().getElemType());
            }
        }
        try (OrtSession.SessionOptions options = options("disabled", 1);
             OrtSession session = env().createSession(model.toBuilder().setGraph(probe).build().toByteArray(),
                     options)) {
            for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo info) {
                    types.put(e.getKey(), onnxElementType(info.onnxType));
                }
            }
        }
        return types;
    }
}
