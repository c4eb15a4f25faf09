package dev.sluice.modelhost.internal;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;

/** Conversions between core tensors and ONNX Runtime values. */
final class OrtTensors {
    private OrtTensors() {
    }

    /**
     * The Sluice type for an ONNX element type, or null when the ORT Java API cannot create or read it (it has no
     * buffer type for UINT16/32/64, BFLOAT16, complex or FP8 tensors).
     */
    static DataType dataType(TensorInfo.OnnxTensorType type) {
        return switch (type) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
            default -> null;
        };
    }

    /** The spec of a model input or output; rejects what the runners could not feed or read. */
    static TensorSpec spec(String modelName, String kind, String name, ValueInfo info) {
        if (!(info instanceof TensorInfo tensor)) {
            throw new IllegalArgumentException("model '" + modelName + "': " + kind + " '" + name + "' is not a tensor ("
                    + info + "); only tensor " + kind + "s are supported");
        }
        DataType type = dataType(tensor.onnxType);
        if (type == null) {
            throw new IllegalArgumentException("model '" + modelName + "': " + kind + " '" + name + "' has element type "
                    + tensor.onnxType + ", which ONNX Runtime's Java API cannot exchange");
        }
        long[] shape = tensor.getShape();
        for (int i = 0; i < shape.length; i++) {
            // Symbolic dimensions come back as -1 already; normalise anything else negative to the same marker.
            if (shape[i] < 0) {
                shape[i] = -1;
            }
        }
        return new TensorSpec(name, type, shape);
    }

    /**
     * Creates the ORT tensor for an input. Heap buffers are wrapped; ORT copies them into native memory it owns and
     * frees when the tensor is closed.
     */
    static OnnxTensor toOnnx(OrtEnvironment env, Tensor tensor) throws OrtException {
        long[] shape = tensor.shape();
        return switch (tensor.type()) {
            case FP32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(tensor.floats()), shape);
            case FP64 -> OnnxTensor.createTensor(env, DoubleBuffer.wrap(tensor.doubles()), shape);
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(tensor.longs()), shape);
            case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap(tensor.ints()), shape);
            case INT16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap(tensor.shorts()), shape, OnnxJavaType.INT16);
            case FP16 -> OnnxTensor.createTensor(env, ShortBuffer.wrap(tensor.shorts()), shape, OnnxJavaType.FLOAT16);
            case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(tensor.bytes()), shape, OnnxJavaType.INT8);
            case UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(tensor.bytes()), shape, OnnxJavaType.UINT8);
            case BOOL -> {
                boolean[] values = tensor.booleans();
                byte[] bytes = new byte[values.length];
                for (int i = 0; i < values.length; i++) {
                    bytes[i] = values[i] ? (byte) 1 : 0;
                }
                yield OnnxTensor.createTensor(env, ByteBuffer.wrap(bytes), shape, OnnxJavaType.BOOL);
            }
            case BYTES -> {
                byte[][] values = tensor.strings();
                String[] strings = new String[values.length];
                for (int i = 0; i < values.length; i++) {
                    strings[i] = new String(values[i], StandardCharsets.UTF_8);
                }
                yield OnnxTensor.createTensor(env, strings, shape);
            }
            // Rejected when the model is loaded, so a validated request cannot get here.
            case UINT16, UINT32, UINT64 -> throw new IllegalStateException(tensor.type() + " is not supported by ORT Java");
        };
    }

    /** Copies an ORT output into a core tensor; the caller still closes the ORT value. */
    static Tensor fromOnnx(String name, OnnxValue value) throws OrtException {
        if (!(value instanceof OnnxTensor tensor)) {
            throw new IllegalStateException("output '" + name + "' is not a tensor: " + value.getType());
        }
        TensorInfo info = tensor.getInfo();
        DataType type = dataType(info.onnxType);
        if (type == null) {
            throw new IllegalStateException("output '" + name + "' has unsupported type " + info.onnxType);
        }
        long[] shape = info.getShape();
        int count = Math.toIntExact(Tensor.elementCount(shape));
        Object data = switch (type) {
            case FP32 -> {
                float[] out = new float[count];
                tensor.getFloatBuffer().get(out);
                yield out;
            }
            case FP64 -> {
                double[] out = new double[count];
                tensor.getDoubleBuffer().get(out);
                yield out;
            }
            case INT64 -> {
                long[] out = new long[count];
                tensor.getLongBuffer().get(out);
                yield out;
            }
            case INT32 -> {
                int[] out = new int[count];
                tensor.getIntBuffer().get(out);
                yield out;
            }
            case INT16, FP16 -> {
                short[] out = new short[count];
                tensor.getShortBuffer().get(out);
                yield out;
            }
            case INT8, UINT8 -> {
                byte[] out = new byte[count];
                tensor.getByteBuffer().get(out);
                yield out;
            }
            case BOOL -> {
                ByteBuffer bytes = tensor.getByteBuffer();
                boolean[] out = new boolean[count];
                for (int i = 0; i < count; i++) {
                    out[i] = bytes.get(i) != 0;
                }
                yield out;
            }
            case BYTES -> {
                byte[][] out = new byte[count][];
                flattenStrings(tensor.getValue(), out, 0);
                yield out;
            }
            case UINT16, UINT32, UINT64 -> throw new IllegalStateException("unreachable: " + type);
        };
        return Tensor.of(type, shape, data);
    }

    /** ORT hands string tensors back as nested String arrays (or a bare String for a scalar). */
    private static int flattenStrings(Object value, byte[][] out, int offset) {
        if (value instanceof String s) {
            out[offset] = s.getBytes(StandardCharsets.UTF_8);
            return offset + 1;
        }
        int length = Array.getLength(value);
        for (int i = 0; i < length; i++) {
            offset = flattenStrings(Array.get(value, i), out, offset);
        }
        return offset;
    }
}
