package dev.sluice.core.codec;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.internal.AialgsRecords;
import dev.sluice.core.codec.internal.AialgsRecords.Kind;
import dev.sluice.core.codec.internal.AialgsRecords.TensorValue;
import dev.sluice.core.codec.internal.Failures;
import dev.sluice.core.codec.internal.Outputs;
import dev.sluice.core.codec.internal.RecordIo;
import dev.sluice.core.codec.internal.Shapes;
import dev.sluice.core.codec.internal.TensorBuffer;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code application/x-recordio-protobuf}: SageMaker's format for its built-in algorithms (linear learner,
 * k-means, factorization machines…): RecordIO-framed protobuf {@code aialgs.data.Record} messages (see
 * {@link RecordIo} for the framing and {@link AialgsRecords} for the schema).
 *
 * <h2>Requests</h2>
 * For a model with exactly one input. Each record is one row (one entry along the first dimension). The row is
 * the record's feature named like the input, else its feature {@code "values"}, else its only feature; a record
 * with no features uses its {@code label} map the same way, so one model's response can feed the next. The value
 * may be a Float32Tensor, Float64Tensor or Int32Tensor (converted to the input's dtype: integers to floats freely,
 * floats to integers only when integral and in range) or, for a BYTES input, Bytes.
 * <ul>
 *   <li>Dense (no {@code keys}): the values are the row; a {@code shape} of rank 2 or more gives the row's shape
 *       (its product must equal the number of values).</li>
 *   <li>Sparse ({@code keys} = column indices, one per value): {@code shape} {@code [F]} gives the row width
 *       (when absent, the input's fixed second dimension does); unlisted columns are 0. The dense result may hold
 *       at most 256 values per body byte (and at least 2^24 are always allowed), so a tiny body cannot make the
 *       server allocate gigabytes.</li>
 * </ul>
 * All rows must have the same shape. The result {@code [rows, ...rowShape]} is fitted to the input's rank as for
 * CSV (one value per row for a rank-1 input gives {@code [rows]}, and so on). Framing errors, declared lengths
 * beyond the body, malformed protobuf and dense sizes over {@link Tensor#MAX_ELEMENTS} are ValidationErrors;
 * nothing is allocated from a declared size before that size is checked.
 *
 * <h2>Responses</h2>
 * One record per row, each output under {@code label["<output>"]}: FP32 and FP16 as Float32Tensor; FP64 as
 * Float64Tensor; INT8, INT16, INT32, UINT8, UINT16 and BOOL as Int32Tensor; INT64, UINT32 and UINT64 as
 * Float64Tensor (406 when a value is beyond ±2^53, where doubles stop being exact); BYTES as Bytes. A row of an
 * output of rank 3 or more carries its {@code shape}; flat rows carry none. Records are written whole (flag 0)
 * and padded, as the SageMaker Python SDK writes them. {@link DecodedPayload#HINT_OUTPUTS} limits the outputs.
 */
public final class RecordIoProtobufCodec implements PayloadCodec {
    public static final String MEDIA_TYPE = "application/x-recordio-protobuf";
    private static final String FORMAT = "RecordIO-protobuf";
    private static final long MAX_EXACT_DOUBLE_INTEGER = 1L << 53;
    /**
     * Sparse rows are the one place where a few bytes may legitimately stand for many dense values, so their
     * expansion is bounded by the body size as well as by {@link Tensor#MAX_ELEMENTS}: at most this many dense
     * values per body byte, with a floor so that small requests for wide one-hot models still work.
     */
    static final long SPARSE_VALUES_PER_BYTE = 256;
    static final long SPARSE_EXPANSION_FLOOR = 1L << 24;

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

    private record Row(TensorValue value, long[] rowShape, boolean sparse) {
    }

    private static Map<String, Tensor> decodeInput(byte[] body, ModelSignature signature) {
        if (signature.inputs().size() != 1) {
            throw SluiceException.validation(MEDIA_TYPE + " needs a model with exactly one input; this model has "
                    + signature.inputs().size() + " " + JsonCodec.inputNames(signature)
                    + ", so send application/json");
        }
        TensorSpec spec = signature.inputs().get(0);
        List<RecordIo.Slice> slices = RecordIo.read(body);
        if (slices.isEmpty()) {
            throw SluiceException.validation("the RecordIO body holds no records");
        }
        // First pass: parse and size every row, so that the dense tensor is allocated once, at a checked size.
        List<Row> rows = new ArrayList<>(slices.size());
        long[] rowShape = null;
        for (int r = 0; r < slices.size(); r++) {
            AialgsRecords.Record record;
            try {
                record = AialgsRecords.parse(slices.get(r));
            } catch (IOException e) {
                throw new SluiceException(ErrorCode.VALIDATION_ERROR, "record " + (r + 1)
                        + " is not a valid protobuf Record: " + e.getMessage(), e);
            }
            Row row = row(record, spec, r + 1);
            if (rowShape == null) {
                rowShape = row.rowShape;
            } else if (!Arrays.equals(rowShape, row.rowShape)) {
                throw SluiceException.validation("record " + (r + 1) + " has row shape " + Arrays.toString(row.rowShape)
                        + " but record 1 has " + Arrays.toString(rowShape) + "; all rows must have one shape");
            }
            rows.add(row);
        }
        long[] shape = Shapes.fitRows(rows.size(), rowShape, spec);
        long total = Tensor.elementCount(shape);
        // Sparse rows declare their width; a width the model cannot take must fail before it is allocated.
        Shapes.checkFixedDimensions(spec, shape);
        long allowed = Math.max(SPARSE_EXPANSION_FLOOR, SPARSE_VALUES_PER_BYTE * body.length);
        if (total > allowed && rows.stream().anyMatch(Row::sparse)) {
            throw SluiceException.validation("the sparse records expand to " + total + " dense values, more than the "
                    + allowed + " a body of " + body.length + " bytes may expand to");
        }
        int width = (int) Shapes.product(rowShape);
        int[] current = {0};
        TensorBuffer buffer = TensorBuffer.exact(spec.type(), spec.name(), total,
                i -> "record " + (current[0] + 1));
        for (int r = 0; r < rows.size(); r++) {
            current[0] = r;
            Row row = rows.get(r);
            TensorValue v = row.value;
            DataType source = sourceType(v.kind());
            if (!row.sparse) {
                for (int i = 0; i < v.count(); i++) {
                    buffer.addFrom(source, v.values(), i);
                }
            } else {
                int base = buffer.size();
                buffer.padTo((long) base + width);
                long[] keys = v.keys();
                for (int i = 0; i < keys.length; i++) {
                    buffer.putFrom(base + (int) keys[i], source, v.values(), i);
                }
            }
        }
        Tensor tensor = buffer.toTensor(shape);
        spec.check(tensor);
        return Map.of(spec.name(), tensor);
    }

    private static Row row(AialgsRecords.Record record, TensorSpec spec, int number) {
        Map<String, TensorValue> source = record.features().isEmpty() ? record.label() : record.features();
        String map = record.features().isEmpty() ? "label" : "features";
        TensorValue value = source.get(spec.name());
        if (value == null) {
            value = source.get("values");
        }
        if (value == null && source.size() == 1) {
            value = source.values().iterator().next();
        }
        if (value == null) {
            throw SluiceException.validation("record " + number + " has " + (source.isEmpty() ? "no features"
                    : map + " " + source.keySet()) + "; expected one named 'values' or '" + spec.name()
                    + "', or a single one");
        }
        if ((value.kind() == Kind.BYTES) != (spec.type() == DataType.BYTES)) {
            throw SluiceException.validation("record " + number + " holds " + (value.kind() == Kind.BYTES ? "Bytes"
                    : "a numeric tensor") + " but input '" + spec.name() + "' is " + spec.type().v2Name());
        }
        long[] declared = value.shape();
        long[] keys = value.keys();
        int count = value.count();
        if (keys.length == 0) {
            if (declared.length == 0) {
                return new Row(value, new long[] {count}, false);
            }
            long product = Tensor.elementCount(declared);
            if (product != count) {
                throw SluiceException.validation("record " + number + " declares shape " + Arrays.toString(declared)
                        + " (" + product + " values) but holds " + count);
            }
            return new Row(value, declared, false);
        }
        if (keys.length != count) {
            throw SluiceException.validation("record " + number + " has " + keys.length + " keys for " + count
                    + " values; a sparse tensor needs one key per value");
        }
        long[] rowShape;
        if (declared.length > 0) {
            rowShape = declared;
        } else {
            long[] specShape = spec.shape();
            if (specShape.length != 2 || specShape[1] < 0) {
                throw SluiceException.validation("record " + number + " is sparse but has no shape; give its width as"
                        + " shape [F]");
            }
            rowShape = new long[] {specShape[1]};
        }
        long width = Tensor.elementCount(rowShape);
        for (long key : keys) {
            if (key < 0 || key >= width) {
                throw SluiceException.validation("record " + number + " has key " + Long.toUnsignedString(key)
                        + " outside its width " + width);
            }
        }
        return new Row(value, rowShape, true);
    }

    private static DataType sourceType(Kind kind) {
        return switch (kind) {
            case FLOAT32 -> DataType.FP32;
            case FLOAT64 -> DataType.FP64;
            case INT32 -> DataType.INT32;
            case BYTES -> DataType.BYTES;
        };
    }

    @Override
    public byte[] encode(Map<String, Tensor> outputs, EncodeContext context) {
        Map<String, Tensor> selected = Outputs.select(outputs, context);
        int rows = Outputs.commonRows(selected, FORMAT, "ask for application/json instead");
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        for (int r = 0; r < rows; r++) {
            Map<String, byte[]> label = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : selected.entrySet()) {
                label.put(e.getKey(), value(e.getKey(), e.getValue(), r));
            }
            RecordIo.write(out, AialgsRecords.labelRecord(label));
        }
        return out.toByteArray();
    }

    private static byte[] value(String name, Tensor t, int row) {
        int size = Outputs.rowSize(t);
        int from = row * size;
        long[] shape = t.rank() >= 3 ? Arrays.copyOfRange(t.shape(), 1, t.rank()) : null;
        return switch (t.type()) {
            case FP32 -> AialgsRecords.float32Value(t.floats(), from, size, shape);
            case FP16 -> {
                float[] f = new float[size];
                for (int i = 0; i < size; i++) {
                    f[i] = Float.float16ToFloat(t.shorts()[from + i]);
                }
                yield AialgsRecords.float32Value(f, 0, size, shape);
            }
            case FP64 -> AialgsRecords.float64Value(t.doubles(), from, size, shape);
            case INT8, INT16, INT32, UINT8, UINT16, BOOL -> {
                int[] v = new int[size];
                for (int i = 0; i < size; i++) {
                    v[i] = (int) t.doubleAt(from + i);
                }
                yield AialgsRecords.int32Value(v, 0, size, shape);
            }
            case INT64, UINT32, UINT64 -> {
                double[] v = new double[size];
                for (int i = 0; i < size; i++) {
                    long x = t.type() == DataType.UINT32 ? Integer.toUnsignedLong(t.ints()[from + i])
                            : t.longs()[from + i];
                    boolean exact = t.type() == DataType.UINT64 ? x >= 0 && x <= MAX_EXACT_DOUBLE_INTEGER
                            : Math.abs(x) <= MAX_EXACT_DOUBLE_INTEGER && x != Long.MIN_VALUE;
                    if (!exact) {
                        throw new SluiceException(ErrorCode.NOT_ACCEPTABLE, "output '" + name + "' holds "
                                + (t.type() == DataType.UINT64 ? Long.toUnsignedString(x) : Long.toString(x))
                                + ", which " + MEDIA_TYPE + " cannot carry exactly (it has no 64-bit integer tensor);"
                                + " ask for application/json");
                    }
                    v[i] = x;
                }
                yield AialgsRecords.float64Value(v, 0, size, shape);
            }
            case BYTES -> AialgsRecords.bytesValue(t.strings(), from, size);
        };
    }
}
