package dev.sluice.core.codec.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hand-written protobuf reading and writing of SageMaker's {@code aialgs.data.Record} (the payload of each
 * {@code application/x-recordio-protobuf} record), with no generated code:
 * <pre>
 * message Float32Tensor { repeated float  values = 1 [packed=true]; repeated uint64 keys = 2 [packed=true]; repeated uint64 shape = 3 [packed=true]; }
 * message Float64Tensor { repeated double values = 1 [packed=true]; repeated uint64 keys = 2 [packed=true]; repeated uint64 shape = 3 [packed=true]; }
 * message Int32Tensor   { repeated int32  values = 1 [packed=true]; repeated uint64 keys = 2 [packed=true]; repeated uint64 shape = 3 [packed=true]; }
 * message Bytes { repeated bytes value = 1; optional string content_type = 2; }
 * message Value { oneof value { Float32Tensor float32_tensor = 2; Float64Tensor float64_tensor = 3; Int32Tensor int32_tensor = 7; Bytes bytes = 9; } }
 * message Record { map&lt;string, Value&gt; features = 1; map&lt;string, Value&gt; label = 2; optional string uid = 3; optional string metadata = 4; optional string configuration = 5; }
 * </pre>
 * Repeated scalars are read packed or unpacked, as protobuf requires of parsers; unknown fields and fields with an
 * unexpected wire type are skipped, as protobuf's own parsers do.
 */
public final class AialgsRecords {
    private AialgsRecords() {
    }

    /** Which tensor message a value holds. */
    public enum Kind {
        FLOAT32, FLOAT64, INT32, BYTES
    }

    /**
     * One {@code Value}: its values ({@code float[]}, {@code double[]}, {@code int[]} or {@code byte[][]}, exactly
     * as long as the count), and its keys and shape (empty when absent).
     */
    public record TensorValue(Kind kind, Object values, long[] keys, long[] shape) {
        public int count() {
            return java.lang.reflect.Array.getLength(values);
        }
    }

    /** A parsed record; a Value with no tensor set is absent from the maps. */
    public record Record(Map<String, TensorValue> features, Map<String, TensorValue> label) {
    }

    // ---- reading ------------------------------------------------------------------------------------------------

    public static Record parse(RecordIo.Slice slice) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(slice.array(), slice.offset(), slice.length());
        Map<String, TensorValue> features = new LinkedHashMap<>();
        Map<String, TensorValue> label = new LinkedHashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            if ((field == 1 || field == 2) && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                String key = "";
                TensorValue value = null;
                for (int t = in.readTag(); t != 0; t = in.readTag()) {
                    int f = WireFormat.getTagFieldNumber(t);
                    int w = WireFormat.getTagWireType(t);
                    if (f == 1 && w == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        key = in.readStringRequireUtf8();
                    } else if (f == 2 && w == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        value = readValue(in);
                    } else {
                        in.skipField(t);
                    }
                }
                in.popLimit(limit);
                Map<String, TensorValue> target = field == 1 ? features : label;
                // Protobuf map semantics: a later entry for the same key replaces the earlier one.
                if (value == null) {
                    target.remove(key);
                } else {
                    target.put(key, value);
                }
            } else {
                in.skipField(tag);
            }
        }
        return new Record(features, label);
    }

    private static TensorValue readValue(CodedInputStream in) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        TensorValue value = null;
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            int f = WireFormat.getTagFieldNumber(t);
            int w = WireFormat.getTagWireType(t);
            if (w != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                in.skipField(t);
                continue;
            }
            // A oneof keeps the last member parsed.
            switch (f) {
                case 2 -> value = readTensor(in, Kind.FLOAT32);
                case 3 -> value = readTensor(in, Kind.FLOAT64);
                case 7 -> value = readTensor(in, Kind.INT32);
                case 9 -> value = readBytes(in);
                default -> in.skipField(t);
            }
        }
        in.popLimit(limit);
        return value;
    }

    private static TensorValue readTensor(CodedInputStream in, Kind kind) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        Numbers values = new Numbers(kind);
        Numbers keys = new Numbers(null);
        Numbers shape = new Numbers(null);
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            int f = WireFormat.getTagFieldNumber(t);
            int w = WireFormat.getTagWireType(t);
            Numbers target = switch (f) {
                case 1 -> values;
                case 2 -> keys;
                case 3 -> shape;
                default -> null;
            };
            if (target == null) {
                in.skipField(t);
            } else if (w == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                target.readPacked(in);
            } else if (w == target.wireType()) {
                target.readOne(in);
            } else {
                in.skipField(t);
            }
        }
        in.popLimit(limit);
        return new TensorValue(kind, values.toArray(), keys.toLongs(), shape.toLongs());
    }

    private static TensorValue readBytes(CodedInputStream in) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        List<byte[]> values = new ArrayList<>();
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (WireFormat.getTagFieldNumber(t) == 1
                    && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                values.add(in.readByteArray());
            } else {
                in.skipField(t);
            }
        }
        in.popLimit(limit);
        return new TensorValue(Kind.BYTES, values.toArray(new byte[0][]), new long[0], new long[0]);
    }

    /** A growable list of one repeated scalar field; a null kind means uint64 (keys, shape). */
    private static final class Numbers {
        private final Kind kind;
        private float[] floats;
        private double[] doubles;
        private int[] ints;
        private long[] longs;
        private int size;

        Numbers(Kind kind) {
            this.kind = kind;
            if (kind == Kind.FLOAT32) {
                floats = new float[8];
            } else if (kind == Kind.FLOAT64) {
                doubles = new double[8];
            } else if (kind == Kind.INT32) {
                ints = new int[8];
            } else {
                longs = new long[8];
            }
        }

        int wireType() {
            if (kind == Kind.FLOAT32) {
                return WireFormat.WIRETYPE_FIXED32;
            }
            if (kind == Kind.FLOAT64) {
                return WireFormat.WIRETYPE_FIXED64;
            }
            return WireFormat.WIRETYPE_VARINT;
        }

        void readPacked(CodedInputStream in) throws IOException {
            int length = in.readRawVarint32();
            // pushLimit fails unless the declared length really is there, so it bounds the growth below.
            int limit = in.pushLimit(length);
            int fixedWidth = kind == Kind.FLOAT32 ? 4 : kind == Kind.FLOAT64 ? 8 : 0;
            if (fixedWidth > 0) {
                if (length % fixedWidth != 0) {
                    throw new com.google.protobuf.InvalidProtocolBufferException("packed "
                            + (fixedWidth == 4 ? "float" : "double") + " field of " + length
                            + " bytes is not a multiple of " + fixedWidth);
                }
                ensure(size + length / fixedWidth);
            }
            while (in.getBytesUntilLimit() > 0) {
                readOne(in);
            }
            in.popLimit(limit);
        }

        void readOne(CodedInputStream in) throws IOException {
            ensure(size + 1);
            if (kind == Kind.FLOAT32) {
                floats[size++] = in.readFloat();
            } else if (kind == Kind.FLOAT64) {
                doubles[size++] = in.readDouble();
            } else if (kind == Kind.INT32) {
                ints[size++] = in.readInt32();
            } else {
                longs[size++] = in.readUInt64();
            }
        }

        private void ensure(int needed) {
            int capacity = kind == Kind.FLOAT32 ? floats.length : kind == Kind.FLOAT64 ? doubles.length
                    : kind == Kind.INT32 ? ints.length : longs.length;
            if (needed <= capacity) {
                return;
            }
            int grown = Math.max(needed, capacity * 2);
            if (kind == Kind.FLOAT32) {
                floats = Arrays.copyOf(floats, grown);
            } else if (kind == Kind.FLOAT64) {
                doubles = Arrays.copyOf(doubles, grown);
            } else if (kind == Kind.INT32) {
                ints = Arrays.copyOf(ints, grown);
            } else {
                longs = Arrays.copyOf(longs, grown);
            }
        }

        Object toArray() {
            if (kind == Kind.FLOAT32) {
                return Arrays.copyOf(floats, size);
            }
            if (kind == Kind.FLOAT64) {
                return Arrays.copyOf(doubles, size);
            }
            if (kind == Kind.INT32) {
                return Arrays.copyOf(ints, size);
            }
            return Arrays.copyOf(longs, size);
        }

        long[] toLongs() {
            return Arrays.copyOf(longs, size);
        }
    }

    // ---- writing ------------------------------------------------------------------------------------------------

    /** Field numbers of {@code Value}'s oneof members. */
    public static final int FLOAT32_TENSOR = 2;
    public static final int FLOAT64_TENSOR = 3;
    public static final int INT32_TENSOR = 7;
    public static final int BYTES = 9;

    /** A serialized {@code Value} holding a Float32Tensor. */
    public static byte[] float32Value(float[] values, int from, int count, long[] shape) {
        return value(FLOAT32_TENSOR, message(out -> {
            packedHeader(out, 1, count * 4);
            for (int i = 0; i < count; i++) {
                out.writeFloatNoTag(values[from + i]);
            }
            writeShape(out, shape);
        }));
    }

    /** A serialized {@code Value} holding a Float64Tensor. */
    public static byte[] float64Value(double[] values, int from, int count, long[] shape) {
        return value(FLOAT64_TENSOR, message(out -> {
            packedHeader(out, 1, count * 8);
            for (int i = 0; i < count; i++) {
                out.writeDoubleNoTag(values[from + i]);
            }
            writeShape(out, shape);
        }));
    }

    /** A serialized {@code Value} holding an Int32Tensor. */
    public static byte[] int32Value(int[] values, int from, int count, long[] shape) {
        return value(INT32_TENSOR, message(out -> {
            int size = 0;
            for (int i = 0; i < count; i++) {
                size += CodedOutputStream.computeInt32SizeNoTag(values[from + i]);
            }
            packedHeader(out, 1, size);
            for (int i = 0; i < count; i++) {
                out.writeInt32NoTag(values[from + i]);
            }
            writeShape(out, shape);
        }));
    }

    /** A serialized {@code Value} holding Bytes. */
    public static byte[] bytesValue(byte[][] values, int from, int count) {
        return value(BYTES, message(out -> {
            for (int i = 0; i < count; i++) {
                out.writeByteArray(1, values[from + i]);
            }
        }));
    }

    /** A serialized {@code Record} whose {@code label} map holds the given serialized Values. */
    public static byte[] labelRecord(Map<String, byte[]> label) {
        return message(out -> {
            for (Map.Entry<String, byte[]> e : label.entrySet()) {
                byte[] entry = message(m -> {
                    m.writeString(1, e.getKey());
                    m.writeByteArray(2, e.getValue());
                });
                out.writeByteArray(2, entry);
            }
        });
    }

    private static void packedHeader(CodedOutputStream out, int field, int byteSize) throws IOException {
        if (byteSize > 0) {
            out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(byteSize);
        }
    }

    private static void writeShape(CodedOutputStream out, long[] shape) throws IOException {
        if (shape == null || shape.length == 0) {
            return;
        }
        int size = 0;
        for (long d : shape) {
            size += CodedOutputStream.computeUInt64SizeNoTag(d);
        }
        packedHeader(out, 3, size);
        for (long d : shape) {
            out.writeUInt64NoTag(d);
        }
    }

    private static byte[] value(int field, byte[] tensor) {
        return message(out -> out.writeByteArray(field, tensor));
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
