package dev.sluice.core.codec;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.internal.Conversions;
import dev.sluice.core.codec.internal.Failures;
import dev.sluice.core.codec.internal.NpyHeader;
import dev.sluice.core.codec.internal.Outputs;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code application/x-npy}: one NumPy array in the {@code .npy} format, as {@code np.save} writes it (what
 * SageMaker's PyTorch/TensorFlow/MXNet containers and the SageMaker Python SDK's {@code NumpySerializer} send).
 *
 * <h2>Requests</h2>
 * For a model with exactly one input. Format versions 1.0, 2.0 and 3.0. The header's {@code descr} may be any of
 * {@code b1} (bool), {@code i1 i2 i4 i8}, {@code u1 u2 u4 u8}, {@code f2 f4 f8}, with byte order {@code <},
 * {@code |}, {@code =} (read as little-endian) or {@code >} (big-endian, byte-swapped); string, object and
 * structured dtypes are rejected. {@code fortran_order: True} is rejected (save a C-order array). The data must be
 * exactly shape-product × item-size bytes — checked against the body before anything is allocated, and the shape
 * against {@link Tensor#MAX_ELEMENTS}. The array's shape is the input's shape. When the array's dtype differs
 * from the input's it is converted value by value: integers to floats freely, floats to integers only when
 * integral and in range, nothing to or from bool.
 *
 * <h2>Responses</h2>
 * One output as an NPY 1.0 file with a little-endian descr in C order: the first output named in
 * {@link DecodedPayload#HINT_OUTPUTS} when present, else the first output in signature order. BYTES outputs have
 * no NPY form here: asking for one is a 406 (NotAcceptable).
 */
public final class NpyCodec implements PayloadCodec {
    public static final String MEDIA_TYPE = "application/x-npy";
    private static final String FORMAT = "NPY";

    @Override
    public List<String> mediaTypes() {
        return List.of(MEDIA_TYPE);
    }

    @Override
    public DecodedPayload decode(byte[] body, ModelSignature signature) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(signature, "signature");
        return Failures.guarded(FORMAT, () -> new DecodedPayload(decodeInput(body, signature)));
    }

    private static Map<String, Tensor> decodeInput(byte[] body, ModelSignature signature) {
        if (signature.inputs().size() != 1) {
            throw SluiceException.validation("application/x-npy needs a model with exactly one input; this model has "
                    + signature.inputs().size() + " " + JsonCodec.inputNames(signature)
                    + ", so send application/json");
        }
        TensorSpec spec = signature.inputs().get(0);
        NpyHeader header = NpyHeader.parse(body);
        long[] shape = header.shape();
        long count = Tensor.elementCount(shape);
        long expected = count * header.type().byteWidth();
        long actual = body.length - header.dataOffset();
        if (actual != expected) {
            throw SluiceException.validation("the NPY header declares shape " + Arrays.toString(shape) + " of "
                    + header.type().v2Name() + ", which is " + expected + " bytes of data, but the file holds "
                    + actual);
        }
        Tensor tensor = Tensor.of(header.type(), shape, read(body, header, (int) count));
        if (tensor.type() != spec.type()) {
            tensor = Conversions.convert(tensor, spec.type(), spec.name());
        }
        spec.check(tensor);
        return Map.of(spec.name(), tensor);
    }

    private static Object read(byte[] body, NpyHeader header, int count) {
        int offset = header.dataOffset();
        ByteBuffer data = ByteBuffer.wrap(body, offset, body.length - offset).slice().order(header.order());
        Object out = Tensor.allocate(header.type(), count);
        switch (header.type()) {
            case BOOL -> {
                boolean[] b = (boolean[]) out;
                for (int i = 0; i < count; i++) {
                    b[i] = body[offset + i] != 0;
                }
            }
            case INT8, UINT8 -> System.arraycopy(body, offset, out, 0, count);
            case INT16, UINT16, FP16 -> data.asShortBuffer().get((short[]) out);
            case INT32, UINT32 -> data.asIntBuffer().get((int[]) out);
            case INT64, UINT64 -> data.asLongBuffer().get((long[]) out);
            case FP32 -> data.asFloatBuffer().get((float[]) out);
            case FP64 -> data.asDoubleBuffer().get((double[]) out);
            case BYTES -> throw new IllegalStateException("NPY header never yields BYTES");
        }
        return out;
    }

    @Override
    public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
        Map<String, Tensor> selected = Outputs.select(outputs, context);
        String name = null;
        Set<String> requested = Outputs.requested(context);
        if (requested != null) {
            name = requested.stream().filter(selected::containsKey).findFirst().orElse(null);
        } else if (!selected.isEmpty()) {
            name = selected.keySet().iterator().next();
        }
        if (name == null) {
            throw new SluiceException(ErrorCode.NOT_ACCEPTABLE, "there is no output to write as application/x-npy");
        }
        Tensor t = selected.get(name);
        if (t.type() == DataType.BYTES) {
            throw new SluiceException(ErrorCode.NOT_ACCEPTABLE, "output '" + name + "' holds strings (BYTES), which "
                    + "application/x-npy cannot carry; ask for application/json");
        }
        byte[] header = NpyHeader.write(t.type(), t.shape());
        int n = t.elementCount();
        byte[] out = new byte[header.length + n * t.type().byteWidth()];
        System.arraycopy(header, 0, out, 0, header.length);
        ByteBuffer data = ByteBuffer.wrap(out, header.length, out.length - header.length).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        switch (t.type()) {
            case BOOL -> {
                boolean[] b = t.booleans();
                for (int i = 0; i < n; i++) {
                    out[header.length + i] = (byte) (b[i] ? 1 : 0);
                }
            }
            case INT8, UINT8 -> System.arraycopy(t.bytes(), 0, out, header.length, n);
            case INT16, UINT16, FP16 -> data.asShortBuffer().put(t.shorts());
            case INT32, UINT32 -> data.asIntBuffer().put(t.ints());
            case INT64, UINT64 -> data.asLongBuffer().put(t.longs());
            case FP32 -> data.asFloatBuffer().put(t.floats());
            case FP64 -> data.asDoubleBuffer().put(t.doubles());
            case BYTES -> throw new IllegalStateException("checked above");
        }
        return out;
    }
}
