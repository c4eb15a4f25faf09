package dev.sluice.core.codec;

import static dev.sluice.core.codec.CodecFixtures.assertTensorEquals;
import static dev.sluice.core.codec.CodecFixtures.assertValidationError;
import static dev.sluice.core.codec.CodecFixtures.context;
import static dev.sluice.core.codec.CodecFixtures.inputs;
import static dev.sluice.core.codec.CodecFixtures.shape;
import static dev.sluice.core.codec.CodecFixtures.signature;
import static dev.sluice.core.codec.CodecFixtures.spec;
import static dev.sluice.core.codec.CodecFixtures.strings;
import static dev.sluice.core.codec.CodecFixtures.text;
import static dev.sluice.core.codec.CodecFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OipV2JsonCodecTest {
    private final OipV2JsonCodec codec = new OipV2JsonCodec();

    private static final ModelSignature BERT = signature(
            List.of(spec("input_ids", DataType.INT64, -1, -1), spec("attention_mask", DataType.INT64, -1, -1)),
            List.of(spec("logits", DataType.FP32, -1, 2), spec("hidden", DataType.FP32, -1, -1, 4)));

    @Test
    void decodesATritonStyleRequest() {
        DecodedPayload d = codec.decode(utf8("""
                {"id": "req-1",
                 "parameters": {"priority": 1},
                 "inputs": [
                   {"name": "input_ids", "shape": [1, 3], "datatype": "INT64", "data": [101, 7592, 102]},
                   {"name": "attention_mask", "shape": [1, 3], "datatype": "INT64", "parameters": {}, "data": [[1, 1, 1]]}
                 ],
                 "outputs": [{"name": "logits", "parameters": {"classification": 2}}]}"""), BERT);

        assertTensorEquals(d.inputs().get("input_ids"), Tensor.ofLongs(shape(1, 3), new long[] {101, 7592, 102}));
        assertTensorEquals(d.inputs().get("attention_mask"), Tensor.ofLongs(shape(1, 3), new long[] {1, 1, 1}));
        assertThat(d.hints()).containsEntry(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_V2)
                .containsEntry(DecodedPayload.HINT_ID, "req-1")
                .containsEntry(DecodedPayload.HINT_OUTPUTS, "logits");
    }

    @Test
    void fieldsMayComeInAnyOrder() {
        DecodedPayload d = codec.decode(utf8("""
                {"inputs": [{"data": [1, 2, 3], "shape": [3], "datatype": "BOOL", "name": "x"}]}""".replace(
                "[1, 2, 3]", "[true, false, true]")), inputs(spec("x", DataType.BOOL, 3)));

        assertThat(d.inputs().get("x").booleans()).containsExactly(true, false, true);
        assertThat(d.hints()).doesNotContainKeys(DecodedPayload.HINT_ID, DecodedPayload.HINT_OUTPUTS);
    }

    @Test
    void everyDatatype() {
        ModelSignature all = inputs(spec("u8", DataType.UINT8, 1), spec("u16", DataType.UINT16, 1),
                spec("u32", DataType.UINT32, 1), spec("u64", DataType.UINT64, 1), spec("i8", DataType.INT8, 1),
                spec("i16", DataType.INT16, 1), spec("i32", DataType.INT32, 1), spec("f16", DataType.FP16, 1),
                spec("f64", DataType.FP64, 1), spec("s", DataType.BYTES, 2));
        DecodedPayload d = codec.decode(utf8("""
                {"inputs": [
                  {"name": "u8", "shape": [1], "datatype": "UINT8", "data": [255]},
                  {"name": "u16", "shape": [1], "datatype": "UINT16", "data": [65535]},
                  {"name": "u32", "shape": [1], "datatype": "UINT32", "data": [4294967295]},
                  {"name": "u64", "shape": [1], "datatype": "UINT64", "data": [18446744073709551615]},
                  {"name": "i8", "shape": [1], "datatype": "INT8", "data": [-128]},
                  {"name": "i16", "shape": [1], "datatype": "INT16", "data": [-32768]},
                  {"name": "i32", "shape": [1], "datatype": "INT32", "data": [-2147483648]},
                  {"name": "f16", "shape": [1], "datatype": "FP16", "data": [1.5]},
                  {"name": "f64", "shape": [1], "datatype": "FP64", "data": [1e300]},
                  {"name": "s", "shape": [2], "datatype": "BYTES", "data": ["héllo", ""]}]}"""), all);

        assertThat(d.inputs().get("u64").longs()).containsExactly(-1L);
        assertThat(d.inputs().get("u32").ints()).containsExactly(-1);
        assertThat(d.inputs().get("f16").shorts()).containsExactly(Float.floatToFloat16(1.5f));
        assertTensorEquals(d.inputs().get("s"), Tensor.ofStrings(shape(2), strings("héllo", "")));
    }

    @Test
    void widensLosslesslyButNeverNarrows() {
        ModelSignature fp64 = inputs(spec("x", DataType.FP64, 2));
        DecodedPayload d = codec.decode(utf8("""
                {"inputs": [{"name": "x", "shape": [2], "datatype": "INT32", "data": [1, -2]}]}"""), fp64);
        assertThat(d.inputs().get("x").doubles()).containsExactly(1.0, -2.0);

        assertValidationError(codec, """
                {"inputs": [{"name": "input_ids", "shape": [1, 1], "datatype": "FP32", "data": [1]},
                            {"name": "attention_mask", "shape": [1, 1], "datatype": "INT64", "data": [1]}]}""", BERT)
                .contains("'input_ids'", "FP32", "expects INT64");
    }

    @Test
    void valuesAreCheckedAgainstTheDeclaredDatatype() {
        // INT8 widens to INT32, but 300 is not an INT8 whatever the model takes.
        assertValidationError(codec, """
                {"inputs": [{"name": "x", "shape": [1], "datatype": "INT8", "data": [300]}]}""",
                inputs(spec("x", DataType.INT32, 1))).contains("out of range for INT8");
    }

    @Test
    void rejectsInconsistentRequests() {
        assertValidationError(codec, """
                {"inputs": [{"name": "input_ids", "shape": [1, 3], "datatype": "INT64", "data": [1, 2]},
                            {"name": "attention_mask", "shape": [1, 1], "datatype": "INT64", "data": [1]}]}""", BERT)
                .contains("'input_ids'", "[1, 3]", "3 values", "holds 2");
        assertValidationError(codec, """
                {"inputs": [{"name": "input_ids", "shape": [1, 1], "datatype": "INT64", "data": [1]}]}""", BERT)
                .contains("missing input 'attention_mask'");
        assertValidationError(codec, """
                {"inputs": [{"name": "ids", "shape": [1], "datatype": "INT64", "data": [1]}]}""", BERT)
                .contains("unknown input 'ids'");
        assertValidationError(codec, """
                {"inputs": [{"name": "input_ids", "shape": [1], "datatype": "INT65", "data": [1]}]}""", BERT)
                .contains("unknown datatype 'INT65'", "INT64");
        assertValidationError(codec, """
                {"inputs": [{"name": "input_ids", "shape": [1, -1], "datatype": "INT64", "data": [1]}]}""", BERT)
                .contains("non-negative integers");
        assertValidationError(codec, """
                {"inputs": [{"shape": [1], "datatype": "INT64", "data": [1]}]}""", BERT)
                .contains("inputs[0] is missing \"name\"");
        assertValidationError(codec, """
                {"inputs": [{"name": "input_ids", "name": "attention_mask", "shape": [1, 1], "datatype": "INT64",
                             "data": [1]}]}""", BERT).contains("twice");
        assertValidationError(codec, """
                {"inputs": [{"name": "input_ids", "shape": [1, 1], "datatype": "INT64", "data": [1]},
                            {"name": "attention_mask", "shape": [1, 1], "datatype": "INT64", "data": [1]}],
                 "outputs": [{"name": "probabilities"}]}""", BERT).contains("unknown output 'probabilities'");
        assertValidationError(codec, "{\"id\": 5, \"inputs\": []}", BERT).contains("\"id\" must be a string");
        assertValidationError(codec, "{}", BERT).contains("needs \"inputs\"");
    }

    @Test
    void encodesInSignatureOrderWithTheId() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("hidden", Tensor.ofFloats(shape(1, 1, 4), new float[] {1, 2, 3, Float.POSITIVE_INFINITY}));
        outputs.put("logits", Tensor.ofFloats(shape(1, 2), new float[] {0.25f, -1.5f}));

        String json = text(codec.encode(outputs, context(BERT, Map.of(DecodedPayload.HINT_ID, "req-1"))));

        assertThat(json).isEqualTo("{\"model_name\":\"model\",\"id\":\"req-1\",\"outputs\":["
                + "{\"name\":\"logits\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[0.25,-1.5]},"
                + "{\"name\":\"hidden\",\"datatype\":\"FP32\",\"shape\":[1,1,4],\"data\":[1.0,2.0,3.0,null]}]}");
    }

    @Test
    void encodesOnlyRequestedOutputs() {
        Map<String, Tensor> outputs = Map.of("logits", Tensor.ofFloats(shape(1, 2), new float[] {0.25f, -1.5f}),
                "hidden", Tensor.ofFloats(shape(1, 1, 4), new float[4]));

        String json = text(codec.encode(outputs, context(BERT, Map.of(DecodedPayload.HINT_OUTPUTS, "logits"))));

        assertThat(json).isEqualTo("{\"model_name\":\"model\",\"outputs\":[{\"name\":\"logits\",\"datatype\":\"FP32\","
                + "\"shape\":[1,2],\"data\":[0.25,-1.5]}]}");
    }

    @Test
    void encodesUnsignedAndBytes() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("u", Tensor.of(DataType.UINT64, shape(2), new long[] {Long.MIN_VALUE, 3}));
        outputs.put("s", Tensor.ofStrings(shape(1), strings("ok")));

        assertThat(text(codec.encode(outputs, context(outputs, Map.of())))).isEqualTo(
                "{\"model_name\":\"model\",\"outputs\":[{\"name\":\"u\",\"datatype\":\"UINT64\",\"shape\":[2],"
                        + "\"data\":[9223372036854775808,3]},{\"name\":\"s\",\"datatype\":\"BYTES\",\"shape\":[1],"
                        + "\"data\":[\"ok\"]}]}");
    }
}
