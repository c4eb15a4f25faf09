package dev.sluice.modelhost.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs what a multi-model host measures its footprints around, so that what the process pays once is not charged to
 * a model. Measured on the development machine (a fixed, pre-touched heap): creating ONNX Runtime's environment
 * added 18.5 MiB of resident memory, the first session and run 8.6 MiB more; a first model load without this warm-up
 * measured 33 MiB, with it 1.5 MiB, and then about 180 KiB per small model.
 */
public final class MmeWarmup {
    /**
     * An ONNX model (IR 8, opset 17) of one Identity node, input FP32 [batch, ?]: OnnxFixtures.identity(FP32), 148
     * bytes, so warming up reads no file.
     */
    private static final byte[] IDENTITY_MODEL = Base64.getDecoder().decode(
            "CAgSFHNsdWljZS10ZXN0LWZpeHR1cmVzOnQKKgoFaW5wdXQSBm91dHB1dBoPb3V0cHV0X0lkZW50aXR5IghJZGVudGl0eRINaWRlbnRp"
                    + "dHktZnAzMloaCgVpbnB1dBIRCg8IARILCgcSBWJhdGNoCgBiGwoGb3V0cHV0EhEKDwgBEgsKBxIFYmF0Y2gKAEIE"
                    + "CgAQEQ==");

    private MmeWarmup() {
    }

    /** Creates ONNX Runtime's environment and one throw-away session, and runs it once. */
    public static void runtime() throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(IDENTITY_MODEL, options);
                 OnnxTensor input = OnnxTensor.createTensor(env, new float[][] {{0f}});
                 OrtSession.Result ignored = session.run(Map.of("input", input))) {
                // Nothing to read: the point was to have run.
            }
        }
    }

    /**
     * Zero-filled inputs for a model's signature, every dynamic dimension 1 (one row): the smallest request the model
     * accepts in shape, for a first run inside the footprint measurement.
     */
    public static Map<String, Tensor> zeros(ModelSignature signature) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : signature.inputs()) {
            long[] shape = spec.shape();
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shape[i] < 0 ? 1 : shape[i];
            }
            int count = (int) Tensor.elementCount(shape);
            Object data = Tensor.allocate(spec.type(), count);
            if (spec.type() == DataType.BYTES) {
                byte[][] texts = (byte[][]) data;
                for (int i = 0; i < count; i++) {
                    texts[i] = new byte[0];
                }
            }
            inputs.put(spec.name(), Tensor.of(spec.type(), shape, data));
        }
        return inputs;
    }
}
