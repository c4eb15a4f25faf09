package dev.sluice.core.codec;

import static dev.sluice.core.codec.CodecFixtures.decodesOrRejectsCleanly;
import static dev.sluice.core.codec.CodecFixtures.inputs;
import static dev.sluice.core.codec.CodecFixtures.malformed;
import static dev.sluice.core.codec.CodecFixtures.malformedText;
import static dev.sluice.core.codec.CodecFixtures.spec;
import static dev.sluice.core.codec.CodecFixtures.utf8;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random bytes, and truncations and mutations of valid payloads, decode to tensors that satisfy the signature or
 * fail with a ValidationError whose cause (if any) is a parser's IOException — never with another exception.
 */
class CodecMalformedInputPropertiesTest {
    /** Signatures that send the same bytes down different conversions (float, narrow int, text, unsigned). */
    private static final List<ModelSignature> SINGLE_INPUT = List.of(
            inputs(spec("x", DataType.FP32, -1, 3)),
            inputs(spec("x", DataType.INT16, -1, -1)),
            inputs(spec("x", DataType.BYTES, -1)),
            inputs(spec("x", DataType.UINT64, -1)));
    private static final ModelSignature MULTI_INPUT = inputs(spec("ids", DataType.INT64, -1, 2),
            spec("mask", DataType.BOOL, -1, 2), spec("text", DataType.BYTES, -1), spec("scale", DataType.FP16));

    @Provide
    Arbitrary<ModelSignature> anySignature() {
        List<ModelSignature> all = new ArrayList<>(SINGLE_INPUT);
        all.add(MULTI_INPUT);
        return net.jqwik.api.Arbitraries.of(all);
    }

    @Provide
    Arbitrary<byte[]> jsonBodies() {
        return malformedText(List.of(
                utf8("{\"inputs\": [[1.5, -2, 3e2], [4, 5, 6]], \"parameters\": {\"k\": [1, {\"a\": null}]}}"),
                utf8("{\"instances\": [[1, 2, 3], [4, 5, 6]]}"),
                utf8("{\"inputs\": [\"a cat sits\", \"a kitten sat\"]}"),
                utf8("{\"instances\": [{\"ids\": [1, 2], \"mask\": [true, false], \"text\": \"é\", \"scale\": 0.5}]}"),
                utf8("{\"inputs\": {\"ids\": [[1, 2]], \"mask\": [[true, true]], \"text\": [\"x\"], \"scale\": 1}}"),
                utf8("[18446744073709551615, 0, 1]"),
                utf8("{\"id\": \"1\", \"inputs\": [{\"name\": \"x\", \"shape\": [1, 3], \"datatype\": \"FP32\","
                        + " \"data\": [1, 2, 3]}], \"outputs\": [{\"name\": \"y\"}]}")));
    }

    @Property
    void json(@ForAll("jsonBodies") byte[] body, @ForAll("anySignature") ModelSignature signature) {
        decodesOrRejectsCleanly(new JsonCodec(), body, signature);
    }

    @Provide
    Arbitrary<byte[]> v2Bodies() {
        return malformedText(List.of(
                utf8("{\"id\": \"1\", \"inputs\": [{\"name\": \"x\", \"shape\": [2, 3], \"datatype\": \"FP32\","
                        + " \"data\": [[1, 2, 3], [4, 5, 6]]}], \"outputs\": [{\"name\": \"y\"}]}"),
                utf8("{\"inputs\": [{\"data\": [\"a\", \"b\"], \"datatype\": \"BYTES\", \"shape\": [2], \"name\": \"x\"}]}"),
                utf8("{\"inputs\": [{\"name\": \"ids\", \"shape\": [1, 2], \"datatype\": \"INT32\", \"data\": [1, 2]},"
                        + "{\"name\": \"mask\", \"shape\": [1, 2], \"datatype\": \"BOOL\", \"data\": [true, false]},"
                        + "{\"name\": \"text\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"t\"]},"
                        + "{\"name\": \"scale\", \"shape\": [], \"datatype\": \"FP16\", \"data\": 1.5}]}")));
    }

    @Property
    void oipV2(@ForAll("v2Bodies") byte[] body, @ForAll("anySignature") ModelSignature signature) {
        decodesOrRejectsCleanly(new OipV2JsonCodec(), body, signature);
    }

    @Provide
    Arbitrary<byte[]> csvBodies() {
        return malformedText(List.of(
                utf8("1.5,2,3\n4,-5e-1,nan\r\n\n7,8,inf\n"),
                utf8("\"a, \"\"b\"\"\"\nplain\n\"multi\nline\"\n"),
                utf8("18446744073709551615\n0\n"),
                utf8("\uFEFF1,2,3\n")));
    }

    @Property
    void csv(@ForAll("csvBodies") byte[] body, @ForAll("anySignature") ModelSignature signature) {
        decodesOrRejectsCleanly(new CsvCodec(), body, signature);
    }

    @Provide
    Arbitrary<byte[]> jsonLinesBodies() {
        return malformedText(List.of(
                utf8("[1, 2, 3]\n[4.5, 5, 6]\n"),
                utf8("\"a cat\"\n\"a kitten\"\n"),
                utf8("{\"ids\": [1, 2], \"mask\": [true, false], \"text\": \"é\", \"scale\": 0.5}\n"
                        + "{\"ids\": [3, 4], \"mask\": [false, false], \"text\": \"\", \"scale\": 1}\n")));
    }

    @Property
    void jsonLines(@ForAll("jsonLinesBodies") byte[] body, @ForAll("anySignature") ModelSignature signature) {
        decodesOrRejectsCleanly(new JsonLinesCodec(), body, signature);
    }

    @Provide
    Arbitrary<byte[]> npyBodies() {
        NpyCodec npy = new NpyCodec();
        Map<String, Tensor> f4 = Map.of("x", Tensor.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        Map<String, Tensor> u8 = Map.of("x", Tensor.of(DataType.UINT64, new long[] {2}, new long[] {-1, 2}));
        return malformed(List.of(
                npy.encode(f4, CodecFixtures.context(f4, Map.of())),
                npy.encode(u8, CodecFixtures.context(u8, Map.of())),
                NpyCodecTest.npy(NpyCodecTest.BIG_ENDIAN_I4),
                NpyCodecTest.npy(NpyCodecTest.F8_V2),
                NpyCodecTest.npy(NpyCodecTest.BOOL)));
    }

    @Property
    void npy(@ForAll("npyBodies") byte[] body, @ForAll("anySignature") ModelSignature signature) {
        decodesOrRejectsCleanly(new NpyCodec(), body, signature);
    }

    @Provide
    Arbitrary<byte[]> recordIoBodies() {
        byte[] sparse = RecordIoProtobufCodecTest.frame(RecordIoProtobufCodecTest.record("values",
                RecordIoProtobufCodecTest.float32Tensor(new float[] {5f, 7f}, new long[] {2, 0}, new long[] {3}, true)));
        byte[] unpacked = RecordIoProtobufCodecTest.frame(RecordIoProtobufCodecTest.record("values",
                RecordIoProtobufCodecTest.float32Tensor(new float[] {1, 2, 3}, new long[0], new long[0], false)));
        Map<String, Tensor> strings = Map.of("x", Tensor.ofStrings(new long[] {2}, CodecFixtures.strings("a", "bc")));
        Map<String, Tensor> ints = Map.of("x", Tensor.of(DataType.INT32, new long[] {2, 3}, new int[] {1, -2, 3, 4, 5, 6}));
        RecordIoProtobufCodec codec = new RecordIoProtobufCodec();
        return malformed(List.of(
                RecordIoProtobufCodecTest.hex(RecordIoProtobufCodecTest.SDK_DENSE_2X2),
                sparse,
                unpacked,
                codec.encode(strings, CodecFixtures.context(strings, Map.of())),
                codec.encode(ints, CodecFixtures.context(ints, Map.of()))));
    }

    @Property
    void recordIo(@ForAll("recordIoBodies") byte[] body, @ForAll("anySignature") ModelSignature signature) {
        decodesOrRejectsCleanly(new RecordIoProtobufCodec(), body, signature);
    }

    @Provide
    Arbitrary<byte[]> recordPayloads() {
        return malformed(List.of(
                RecordIoProtobufCodecTest.record("values", RecordIoProtobufCodecTest.float32Tensor(
                        new float[] {5f, 7f}, new long[] {2, 0}, new long[] {3}, true)),
                RecordIoProtobufCodecTest.record("values", RecordIoProtobufCodecTest.float32Tensor(
                        new float[] {1, 2, 3}, new long[0], new long[0], false)),
                RecordIoProtobufCodecTest.record("x", RecordIoProtobufCodecTest.value(7,
                        RecordIoProtobufCodecTest.message(out -> out.writeInt32(1, -5)))),
                RecordIoProtobufCodecTest.record("values", RecordIoProtobufCodecTest.value(9,
                        RecordIoProtobufCodecTest.message(out -> out.writeByteArray(1, new byte[] {'a'}))))));
    }

    /** Mutates only the protobuf inside well-formed framing, so that every try reaches the Record parser. */
    @Property
    void recordIoProtobuf(@ForAll("recordPayloads") byte[] payload, @ForAll("anySignature") ModelSignature signature) {
        decodesOrRejectsCleanly(new RecordIoProtobufCodec(), RecordIoProtobufCodecTest.frame(payload, payload),
                signature);
    }
}
