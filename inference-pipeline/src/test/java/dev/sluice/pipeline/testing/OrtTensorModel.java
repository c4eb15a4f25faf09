package dev.sluice.pipeline.testing;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorModel;
import dev.sluice.core.tensor.TensorSpec;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The smallest honest model stage: runs an ORT session on the calling thread and completes at once. The model
 * host's runners do this on their own threads; the pipeline must not care which.
 */
public final class OrtTensorModel implements TensorModel {
    private final String name;
    private final OrtSession session;
    private final ModelSignature signature;
    private final AtomicInteger calls = new AtomicInteger();

    public OrtTensorModel(String name, OrtSession session) {
        this.name = name;
        this.session = session;
        try {
            this.signature = new ModelSignature(specs(session.getInputInfo()), specs(session.getOutputInfo()));
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    public int calls() {
        return calls.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public CompletionStage<Map<String, Tensor>> infer(Map<String, Tensor> inputs) {
        calls.incrementAndGet();
        try {
            return CompletableFuture.completedFuture(run(inputs));
        } catch (OrtException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Map<String, Tensor> run(Map<String, Tensor> inputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> entry : inputs.entrySet()) {
                Tensor t = entry.getValue();
                OnnxTensor value = switch (t.type()) {
                    case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), t.shape());
                    case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap(t.ints()), t.shape());
                    case FP32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), t.shape());
                    default -> throw new IllegalArgumentException("unsupported input type " + t.type());
                };
                feeds.put(entry.getKey(), value);
            }
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            try (OrtSession.Result result = session.run(feeds)) {
                for (Map.Entry<String, OnnxValue> entry : result) {
                    OnnxTensor value = (OnnxTensor) entry.getValue();
                    FloatBuffer buffer = value.getFloatBuffer();
                    float[] data = new float[buffer.remaining()];
                    buffer.get(data);
                    outputs.put(entry.getKey(), Tensor.ofFloats(value.getInfo().getShape(), data));
                }
            }
            return outputs;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
        List<TensorSpec> specs = new ArrayList<>();
        for (NodeInfo node : nodes.values()) {
            TensorInfo info = (TensorInfo) node.getInfo();
            DataType type = switch (info.type) {
                case INT64 -> DataType.INT64;
                case INT32 -> DataType.INT32;
                case FLOAT -> DataType.FP32;
                default -> throw new IllegalArgumentException("unsupported ONNX type " + info.type);
            };
            specs.add(new TensorSpec(node.getName(), type, info.getShape()));
        }
        return specs;
    }
}
