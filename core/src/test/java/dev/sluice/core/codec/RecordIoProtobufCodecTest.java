package dev.sluice.core.codec;

import static dev.sluice.core.codec.CodecFixtures.assertTensorEquals;
import static dev.sluice.core.codec.CodecFixtures.assertValidationError;
import static dev.sluice.core.codec.CodecFixtures.context;
import static dev.sluice.core.codec.CodecFixtures.inputs;
import static dev.sluice.core.codec.CodecFixtures.shape;
import static dev.sluice.core.codec.CodecFixtures.spec;
import static dev.sluice.core.codec.CodecFixtures.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordIoProtobufCodecTest {
    private final RecordIoProtobufCodec codec = new RecordIoProtobufCodec();
    private static final ModelSignature TWO_FEATURES = inputs(spec("x", DataType.FP32, -1, 2));

    /**
     * What the SageMaker Python SDK's {@code write_numpy_to_dense_tensor} writes for
     * {@code np.array([[1.0, 2.0], [3.0, 4.0]], dtype='float32')}: per row a Record with
     * {@code features["values"].float32_tensor.values}, framed by {@code _write_recordio}.
     */
    static final String SDK_DENSE_2X2 =
            "0a23d7ce" + "18000000" + "0a16" + "0a0676616c756573" + "120c" + "120a" + "0a08" + "0000803f" + "00000040"
            + "0a23d7ce" + "18000000" + "0a16" + "0a0676616c756573" + "120c" + "120a" + "0a08" + "00004040" + "00008040";

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    @Test
    void readsWhatTheSageMakerSdkWrites() {
        DecodedPayload d = codec.decode(hex(SDK_DENSE_2X2), TWO_FEATURES);

        assertTensorEquals(d.inputs().get("x"), Tensor.ofFloats(shape(2, 2), new float[] {1, 2, 3, 4}));
    }

    @Test
    void readsSparseRowsFillingMissingColumnsWithZero() {
        byte[] body = frame(record("values", float32Tensor(new float[] {5f, 7f}, new long[] {3, 0}, new long[] {4}, true)),
                record("values", float32Tensor(new float[] {1f}, new long[] {1}, new long[] {4}, true)));

        DecodedPayload d = codec.decode(body, inputs(spec("x", DataType.FP32, -1, 4)));

        assertTensorEquals(d.inputs().get("x"), Tensor.ofFloats(shape(2, 4), new float[] {7, 0, 0, 5, 0, 1, 0, 0}));
    }

    @Test
    void sparseRowsWithoutShapeTakeTheModelsWidth() {
        byte[] body = frame(record("values", float32Tensor(new float[] {2f}, new long[] {2}, new long[0], true)));

        assertThat(codec.decode(body, inputs(spec("x", DataType.FP32, -1, 3))).inputs().get("x").floats())
                .containsExactly(0, 0, 2);
        assertValidationError(codec, body, inputs(spec("x", DataType.FP32, -1, -1))).contains("sparse", "no shape");
    }

    @Test
    void acceptsUnpackedFieldsAndOtherTensorTypes() {
        byte[] body = frame(record("values", float32Tensor(new float[] {1f, 2f}, new long[0], new long[0], false)),
                record("values", value(3, message(out -> {
                    out.writeDouble(1, 3.0);
                    out.writeDouble(1, 4.0);
                }))),
                record("values", value(7, message(out -> {
                    out.writeInt32(1, 5);
                    out.writeInt32(1, -6);
                }))));

        assertThat(codec.decode(body, TWO_FEATURES).inputs().get("x").floats()).containsExactly(1, 2, 3, 4, 5, -6);
        assertThat(codec.decode(body, inputs(spec("x", DataType.INT64, -1, 2))).inputs().get("x").longs())
                .containsExactly(1, 2, 3, 4, 5, -6);
    }

    @Test
    void picksTheFeatureByInputNameOrTheOnlyOne() {
        byte[] named = frame(message(out -> {
            out.writeByteArray(1, entry("other", float32Tensor(new float[] {9, 9}, new long[0], new long[0], true)));
            out.writeByteArray(1, entry("x", float32Tensor(new float[] {1, 2}, new long[0], new long[0], true)));
        }));
        assertThat(codec.decode(named, TWO_FEATURES).inputs().get("x").floats()).containsExactly(1, 2);

        byte[] only = frame(record("anything", float32Tensor(new float[] {1, 2}, new long[0], new long[0], true)));
        assertThat(codec.decode(only, TWO_FEATURES).inputs().get("x").floats()).containsExactly(1, 2);

        byte[] ambiguous = frame(message(out -> {
            out.writeByteArray(1, entry("a", float32Tensor(new float[] {1, 2}, new long[0], new long[0], true)));
            out.writeByteArray(1, entry("b", float32Tensor(new float[] {1, 2}, new long[0], new long[0], true)));
        }));
        assertValidationError(codec, ambiguous, TWO_FEATURES).contains("record 1", "[a, b]", "'values'");
    }

    @Test
    void joinsSplitRecordsPuttingTheMagicBackAsDmlcDoes() {
        // A payload with the magic number at an aligned offset is split there by dmlc's writer, which drops it.
        byte[] payload = record("values", float32Tensor(
                new float[] {Float.intBitsToFloat(0xCED7230A), 1f}, new long[0], new long[0], true));
        int at = indexOfMagic(payload);
        assertThat(at % 4).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeFrame(out, 1, java.util.Arrays.copyOfRange(payload, 0, at));
        writeFrame(out, 3, java.util.Arrays.copyOfRange(payload, at + 4, payload.length));

        assertThat(codec.decode(out.toByteArray(), TWO_FEATURES).inputs().get("x").floats())
                .containsExactly(Float.intBitsToFloat(0xCED7230A), 1f);
    }

    @Test
    void rejectsInconsistentRows() {
        byte[] widths = frame(record("values", float32Tensor(new float[] {1, 2}, new long[0], new long[0], true)),
                record("values", float32Tensor(new float[] {1, 2, 3}, new long[0], new long[0], true)));
        assertValidationError(codec, widths, inputs(spec("x", DataType.FP32, -1, -1)))
                .contains("record 2 has row shape [3]", "record 1 has [2]");

        byte[] key = frame(record("values", float32Tensor(new float[] {1}, new long[] {4}, new long[] {4}, true)));
        assertValidationError(codec, key, inputs(spec("x", DataType.FP32, -1, 4))).contains("key 4", "width 4");

        byte[] keys = frame(record("values", float32Tensor(new float[] {1, 2}, new long[] {0}, new long[] {4}, true)));
        assertValidationError(codec, keys, inputs(spec("x", DataType.FP32, -1, 4))).contains("1 keys for 2 values");

        byte[] fraction = frame(record("values", float32Tensor(new float[] {1.5f, 2}, new long[0], new long[0], true)));
        assertValidationError(codec, fraction, inputs(spec("x", DataType.INT32, -1, 2)))
                .contains("'x'", "1.5", "not an integer", "record 1");

        byte[] bytes = frame(record("values", value(9, message(out -> out.writeByteArray(1, new byte[] {1})))));
        assertValidationError(codec, bytes, TWO_FEATURES).contains("Bytes", "FP32");
    }

    @Test
    void rejectsBrokenFraming() {
        byte[] good = hex(SDK_DENSE_2X2);
        byte[] badMagic = good.clone();
        badMagic[0] = 0;
        assertValidationError(codec, badMagic, TWO_FEATURES).contains("magic number 0xCED7230A");
        assertValidationError(codec, java.util.Arrays.copyOf(good, 5), TWO_FEATURES).contains("truncated");
        assertValidationError(codec, java.util.Arrays.copyOf(good, 20), TWO_FEATURES).contains("declares 24 bytes");
        assertValidationError(codec, new byte[0], TWO_FEATURES).contains("no records");

        ByteArrayOutputStream start = new ByteArrayOutputStream();
        writeFrame(start, 1, new byte[] {1, 2, 3, 4});
        assertValidationError(codec, start.toByteArray(), TWO_FEATURES).contains("never ends");

        ByteArrayOutputStream garbage = new ByteArrayOutputStream();
        writeFrame(garbage, 0, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x01});
        assertValidationError(codec, garbage.toByteArray(), TWO_FEATURES).contains("record 1 is not a valid protobuf");
    }

    @Test
    void needsASingleInputModel() {
        assertValidationError(codec, hex(SDK_DENSE_2X2),
                inputs(spec("a", DataType.FP32, -1, 2), spec("b", DataType.FP32, -1, 2))).contains("exactly one input");
    }

    @Test
    void writesOneLabelledRecordPerRow() {
        Map<String, Tensor> outputs = Map.of("score", Tensor.ofFloats(shape(1, 2), new float[] {1, 2}));

        byte[] body = codec.encode(outputs, context(outputs, Map.of()));

        assertThat(HexFormat.of().formatHex(body)).isEqualTo("0a23d7ce" + "17000000" + "1215" + "0a0573636f7265"
                + "120c" + "120a" + "0a08" + "0000803f" + "00000040" + "00");
    }

    @Test
    void writesEachOutputWithTheTensorTypeThatFits() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("f", Tensor.ofFloats(shape(2, 1, 2), new float[] {1, 2, 3, 4}));
        outputs.put("i", Tensor.of(DataType.INT32, shape(2), new int[] {-1, 7}));
        outputs.put("l", Tensor.ofLongs(shape(2), new long[] {1L << 40, 0}));
        outputs.put("s", Tensor.ofStrings(shape(2), strings("a", "b")));

        byte[] body = codec.encode(outputs, context(outputs, Map.of()));

        // Each output reads back through the label map when it is the one named like the input.
        assertTensorEquals(codec.decode(body, inputs(spec("f", DataType.FP32, -1, 1, 2))).inputs().get("f"),
                outputs.get("f"));
        assertTensorEquals(codec.decode(body, inputs(spec("i", DataType.INT32, -1))).inputs().get("i"), outputs.get("i"));
        assertTensorEquals(codec.decode(body, inputs(spec("l", DataType.INT64, -1))).inputs().get("l"), outputs.get("l"));
        assertTensorEquals(codec.decode(body, inputs(spec("s", DataType.BYTES, -1))).inputs().get("s"), outputs.get("s"));
    }

    @Test
    void integersBeyondDoublePrecisionAreNotAcceptable() {
        Map<String, Tensor> outputs = Map.of("l", Tensor.ofLongs(shape(1), new long[] {(1L << 53) + 1}));
        assertThatThrownBy(() -> codec.encode(outputs, context(outputs, Map.of())))
                .isInstanceOfSatisfying(SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE));
    }

    // ---- building records independently of the codec ----------------------------------------------------------

    interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A serialized Float32Tensor wrapped in a Value. */
    static byte[] float32Tensor(float[] values, long[] keys, long[] shape, boolean packed) {
        return value(2, message(out -> {
            if (packed) {
                out.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(values.length * 4);
                for (float v : values) {
                    out.writeFloatNoTag(v);
                }
            } else {
                for (float v : values) {
                    out.writeFloat(1, v);
                }
            }
            for (long k : keys) {
                out.writeUInt64(2, k);
            }
            for (long d : shape) {
                out.writeUInt64(3, d);
            }
        }));
    }

    static byte[] value(int field, byte[] tensor) {
        return message(out -> out.writeByteArray(field, tensor));
    }

    static byte[] entry(String key, byte[] value) {
        return message(out -> {
            out.writeString(1, key);
            out.writeByteArray(2, value);
        });
    }

    /** A Record with one feature. */
    static byte[] record(String feature, byte[] value) {
        return message(out -> out.writeByteArray(1, entry(feature, value)));
    }

    static byte[] frame(byte[]... payloads) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            writeFrame(out, 0, p);
        }
        return out.toByteArray();
    }

    static void writeFrame(ByteArrayOutputStream out, int flag, byte[] payload) {
        writeIntLe(out, 0xCED7230A);
        writeIntLe(out, flag << 29 | payload.length);
        out.writeBytes(payload);
        for (int i = payload.length; i % 4 != 0; i++) {
            out.write(0);
        }
    }

    static void writeIntLe(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    static int indexOfMagic(byte[] b) {
        for (int i = 0; i + 4 <= b.length; i += 4) {
            if ((b[i] & 0xFF) == 0x0A && (b[i + 1] & 0xFF) == 0x23 && (b[i + 2] & 0xFF) == 0xD7
                    && (b[i + 3] & 0xFF) == 0xCE) {
                return i;
            }
        }
        throw new AssertionError("no aligned magic");
    }
}
