package dev.sluice.core.codec;

import static dev.sluice.core.codec.CodecFixtures.assertValidationError;
import static dev.sluice.core.codec.CodecFixtures.inputs;
import static dev.sluice.core.codec.CodecFixtures.spec;
import static dev.sluice.core.codec.CodecFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;

/**
 * Bodies built to hurt the server: declared sizes far beyond the real ones, deep nesting, invalid text. Each must
 * be a ValidationError, and where a size is declared, the decoder must not allocate from it — checked with the
 * JVM's per-thread allocation counter.
 */
class HostileInputTest {
    /** Generous for parsing a few hundred bytes; far below anything a declared size could make us allocate. */
    private static final long ALLOCATION_BUDGET = 4L << 20;

    private static final ModelSignature FP32_MATRIX = inputs(spec("x", DataType.FP32, -1, -1));
    private static final ModelSignature FP64_MATRIX = inputs(spec("x", DataType.FP64, -1, -1));

    private static AbstractStringAssert<?> rejectedWithoutAllocating(PayloadCodec codec, byte[] body,
            ModelSignature signature) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        AbstractStringAssert<?> message = assertValidationError(codec, body, signature);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated while rejecting").isLessThan(ALLOCATION_BUDGET);
        return message;
    }

    @Test
    void npyShapeOfAQuintillionElementsWithSixteenBytesOfData() {
        byte[] body = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }", 16);

        rejectedWithoutAllocating(new NpyCodec(), body, FP32_MATRIX).contains("[1000000000, 1000000000]");
    }

    @Test
    void npyShapeJustUnderTheElementLimitWithSixteenBytesOfData() {
        byte[] body = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (16384, 16384), }", 16);

        rejectedWithoutAllocating(new NpyCodec(), body, FP64_MATRIX).contains("2147483648 bytes of data", "holds 16");
    }

    @Test
    void npyHeaderLengthBeyondTheBody() {
        byte[] body = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
        body[6] = 2; // version 2.0 reads a 4-byte header length from bytes 8..11
        body[8] = (byte) 0xFF;
        body[9] = (byte) 0xFF;
        body[10] = (byte) 0xFF;
        body[11] = (byte) 0x7F;

        rejectedWithoutAllocating(new NpyCodec(), body, FP32_MATRIX).contains("header claims");
    }

    @Test
    void recordIoLengthOf500MegabytesInATwentyByteBody() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordIoProtobufCodecTest.writeIntLe(out, 0xCED7230A);
        RecordIoProtobufCodecTest.writeIntLe(out, 500_000_000);
        out.writeBytes(new byte[12]);
        byte[] body = out.toByteArray();
        assertThat(body).hasSize(20);

        rejectedWithoutAllocating(new RecordIoProtobufCodec(), body, FP32_MATRIX)
                .contains("declares 500000000 bytes", "only 12 follow");
    }

    @Test
    void recordIoPackedFieldClaimingMoreThanTheRecord() {
        // Float32Tensor.values claims 2^30 bytes of packed floats inside a 20-byte record.
        byte[] tensor = {0x0A, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 0, 0, 0, 0};
        byte[] body = RecordIoProtobufCodecTest.frame(
                RecordIoProtobufCodecTest.record("values", RecordIoProtobufCodecTest.value(2, tensor)));

        rejectedWithoutAllocating(new RecordIoProtobufCodec(), body, FP32_MATRIX).contains("not a valid protobuf");
    }

    @Test
    void recordIoSparseRowClaimingAHugeWidth() {
        byte[] body = RecordIoProtobufCodecTest.frame(RecordIoProtobufCodecTest.record("values",
                RecordIoProtobufCodecTest.float32Tensor(new float[] {1}, new long[] {0}, new long[] {1L << 27}, true)));

        rejectedWithoutAllocating(new RecordIoProtobufCodec(), body, FP64_MATRIX).contains("expand to 134217728");
        rejectedWithoutAllocating(new RecordIoProtobufCodec(), body, inputs(spec("x", DataType.FP32, -1, 10)))
                .contains("[-1, 10]");
        byte[] beyond = RecordIoProtobufCodecTest.frame(RecordIoProtobufCodecTest.record("values",
                RecordIoProtobufCodecTest.float32Tensor(new float[] {1}, new long[] {0}, new long[] {1L << 40}, true)));
        rejectedWithoutAllocating(new RecordIoProtobufCodec(), beyond, FP32_MATRIX).contains("more than 268435456");
    }

    @Test
    void jsonNestedTenThousandLevels() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        ModelSignature single = inputs(spec("x", DataType.FP32, -1));

        rejectedWithoutAllocating(new JsonCodec(), utf8("{\"inputs\": " + deep + "}"), single).contains("nesting");
        rejectedWithoutAllocating(new JsonCodec(), utf8(deep), single).contains("nesting");
        rejectedWithoutAllocating(new JsonLinesCodec(), utf8(deep), single).contains("nesting");
        rejectedWithoutAllocating(new OipV2JsonCodec(), utf8("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], "
                + "\"datatype\": \"FP32\", \"data\": " + deep + "}]}"), single).contains("nesting");
        rejectedWithoutAllocating(new JsonCodec(), utf8("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000)), single)
                .contains("nesting");
    }

    @Test
    void v2ShapeFarLargerThanItsData() {
        rejectedWithoutAllocating(new OipV2JsonCodec(), utf8("""
                {"inputs": [{"name": "x", "shape": [16384, 16384], "datatype": "FP64", "data": [1, 2]}]}"""),
                FP64_MATRIX).contains("268435456 values", "holds 2");
        rejectedWithoutAllocating(new OipV2JsonCodec(), utf8("""
                {"inputs": [{"name": "x", "shape": [1000000000, 1000000000], "datatype": "FP64", "data": [1]}]}"""),
                FP64_MATRIX).contains("more than 268435456");
    }

    @Test
    void hugeExponentsAndLongNumbers() {
        ModelSignature int64 = inputs(spec("x", DataType.INT64, -1));
        rejectedWithoutAllocating(new JsonCodec(), utf8("{\"inputs\": [1e999999999]}"), int64).contains("out of range");
        rejectedWithoutAllocating(new JsonCodec(), utf8("{\"inputs\": [1e-999999999]}"), int64).contains("not an integer");
        rejectedWithoutAllocating(new JsonCodec(), utf8("{\"inputs\": [1e99999999999]}"), int64)
                .contains("exponent out of range");
        rejectedWithoutAllocating(new JsonCodec(), utf8("{\"inputs\": [" + "9".repeat(999) + "]}"), int64)
                .contains("out of range");
        rejectedWithoutAllocating(new JsonCodec(), utf8("{\"inputs\": [" + "9".repeat(2000) + "]}"), int64)
                .contains("malformed JSON");
        rejectedWithoutAllocating(new CsvCodec(), utf8("1e999999999\n"), int64).contains("out of range");
        rejectedWithoutAllocating(new CsvCodec(), utf8("9".repeat(100_000) + "\n"), int64).contains("100000 characters");
    }

    @Test
    void invalidUtf8InJson() {
        ModelSignature text = inputs(spec("t", DataType.BYTES, -1));
        assertValidationError(new JsonCodec(), bytes("{\"inputs\": [\"", 0xC3, 0x28, "\"]}"), text)
                .contains("not valid UTF-8", "byte offset 13");
        assertValidationError(new JsonCodec(), bytes("{\"inputs\": [\"", 0xC0, 0xAF, "\"]}"), text)
                .contains("not valid UTF-8"); // overlong '/'
        assertValidationError(new JsonCodec(), bytes("{\"inputs\": [\"", 0xED, 0xA0, 0x80, "\"]}"), text)
                .contains("not valid UTF-8"); // a UTF-16 surrogate
        assertValidationError(new JsonCodec(), bytes("{\"inputs\": [\"", 0xF4, 0x90, 0x80, 0x80, "\"]}"), text)
                .contains("not valid UTF-8"); // beyond U+10FFFF
        assertValidationError(new JsonCodec(), bytes("{\"inputs\": [\"abc", 0xE2, 0x82), text)
                .contains("not valid UTF-8"); // truncated sequence
        assertValidationError(new OipV2JsonCodec(), bytes("{\"inputs\": [\"", 0xFF, "\"]}"), text)
                .contains("not valid UTF-8");
        assertValidationError(new JsonLinesCodec(), bytes("\"", 0xFF, "\"\n"), text).contains("not valid UTF-8");
    }

    @Test
    void invalidUtf8InCsv() {
        assertValidationError(new CsvCodec(), bytes("ok\n", 0xC3, 0x28, "\n"), inputs(spec("t", DataType.BYTES, -1)))
                .contains("not valid UTF-8", "byte offset 3");
        assertValidationError(new CsvCodec(), bytes("1,", 0x80, "\n"), FP32_MATRIX).contains("not valid UTF-8");
    }

    @Test
    void nanAndInfinityInJson() {
        ModelSignature vector = inputs(spec("x", DataType.FP64, -1));
        for (String literal : new String[] {"NaN", "Infinity", "-Infinity", "+Infinity"}) {
            assertValidationError(new JsonCodec(), "{\"inputs\": [1, " + literal + "]}", vector)
                    .contains(literal.replace("+", ""), "JSON has no NaN or Infinity");
            assertValidationError(new OipV2JsonCodec(), "{\"inputs\": [{\"name\": \"x\", \"shape\": [1], "
                    + "\"datatype\": \"FP64\", \"data\": [" + literal + "]}]}", vector).contains("NaN or Infinity");
        }
        assertValidationError(new JsonCodec(), "{\"inputs\": [nan]}", vector).startsWith("malformed JSON");
        assertValidationError(new JsonCodec(), "{\"inputs\": [1e400]}", vector).contains("out of range for FP64");
    }

    static byte[] npy(String dict, int dataBytes) {
        byte[] header = NpyCodecTest.header(dict);
        byte[] out = new byte[header.length + dataBytes];
        System.arraycopy(header, 0, out, 0, header.length);
        return out;
    }

    /** Concatenates strings (as UTF-8) and single bytes given as ints. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
