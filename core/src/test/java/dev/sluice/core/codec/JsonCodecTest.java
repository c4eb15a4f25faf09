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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JsonCodecTest {
    private final JsonCodec codec = new JsonCodec();

    private static final ModelSignature TEXT = inputs(spec("text", DataType.BYTES, -1));
    private static final ModelSignature FEATURES = inputs(spec("x", DataType.FP32, -1, 3));
    private static final ModelSignature TWO_INPUTS = inputs(spec("input_ids", DataType.INT64, -1, 3),
            spec("attention_mask", DataType.INT64, -1, 3));

    @Nested
    class Decode {
        @Test
        void demoSentencesBecomeABytesTensorOfTwo() {
            DecodedPayload d = codec.decode(utf8("{\"inputs\":[\"a cat sits\",\"a kitten sat\"]}"), TEXT);

            assertTensorEquals(d.inputs().get("text"), Tensor.ofStrings(shape(2), strings("a cat sits", "a kitten sat")));
            assertThat(d.hints()).containsEntry(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INPUTS);
        }

        @Test
        void aSingleStringForARankOneInputIsABatchOfOne() {
            DecodedPayload d = codec.decode(utf8("{\"inputs\": \"a cat sits\", \"parameters\": {\"top_k\": 3}}"), TEXT);

            assertTensorEquals(d.inputs().get("text"), Tensor.ofStrings(shape(1), strings("a cat sits")));
        }

        @Test
        void namedInputsConvertNumbersToTheDeclaredIntegerType() {
            DecodedPayload d = codec.decode(utf8("""
                    {"inputs": {"input_ids": [[101, 2023, 102]], "attention_mask": [[1, 1, 1.0]]}}"""), TWO_INPUTS);

            assertTensorEquals(d.inputs().get("input_ids"), Tensor.ofLongs(shape(1, 3), new long[] {101, 2023, 102}));
            assertTensorEquals(d.inputs().get("attention_mask"), Tensor.ofLongs(shape(1, 3), new long[] {1, 1, 1}));
        }

        @Test
        void nestedArrayForTheSingleInput() {
            DecodedPayload d = codec.decode(utf8("{\"inputs\": [[1, 2, 3], [4.5, -6, 1e2]]}"), FEATURES);

            assertTensorEquals(d.inputs().get("x"), Tensor.ofFloats(shape(2, 3), new float[] {1, 2, 3, 4.5f, -6, 100}));
        }

        @Test
        void instancesAreRows() {
            DecodedPayload d = codec.decode(utf8("{\"instances\": [[1, 2, 3], [4, 5, 6]]}"), FEATURES);

            assertTensorEquals(d.inputs().get("x"), Tensor.ofFloats(shape(2, 3), new float[] {1, 2, 3, 4, 5, 6}));
            assertThat(d.hints()).containsEntry(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES);
        }

        @Test
        void instancesOfScalarsForARankOneInput() {
            DecodedPayload d = codec.decode(utf8("{\"instances\": [\"a\", \"b\", \"c\"]}"), TEXT);

            assertTensorEquals(d.inputs().get("text"), Tensor.ofStrings(shape(3), strings("a", "b", "c")));
        }

        @Test
        void instancesOfObjectsForAMultiInputModel() {
            DecodedPayload d = codec.decode(utf8("""
                    {"instances": [{"input_ids": [1, 2, 3], "attention_mask": [1, 1, 0]},
                                   {"attention_mask": [1, 0, 0], "input_ids": [4, 5, 6]}]}"""), TWO_INPUTS);

            assertTensorEquals(d.inputs().get("input_ids"), Tensor.ofLongs(shape(2, 3), new long[] {1, 2, 3, 4, 5, 6}));
            assertTensorEquals(d.inputs().get("attention_mask"),
                    Tensor.ofLongs(shape(2, 3), new long[] {1, 1, 0, 1, 0, 0}));
        }

        @Test
        void aBareTopLevelArrayIsReadAsInstances() {
            DecodedPayload d = codec.decode(utf8("[[1, 2, 3]]"), FEATURES);

            assertTensorEquals(d.inputs().get("x"), Tensor.ofFloats(shape(1, 3), new float[] {1, 2, 3}));
            assertThat(d.hints()).containsEntry(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES);
        }

        @Test
        void anEmptyBatchTakesItsInnerDimensionsFromTheModel() {
            DecodedPayload d = codec.decode(utf8("{\"inputs\": []}"), FEATURES);

            assertTensorEquals(d.inputs().get("x"), Tensor.ofFloats(shape(0, 3), new float[0]));
        }

        @Test
        void everyDtypeIsRangeChecked() {
            ModelSignature all = inputs(spec("b", DataType.BOOL, 2), spec("u8", DataType.UINT8, 2),
                    spec("i8", DataType.INT8, 2), spec("u16", DataType.UINT16, 1), spec("i16", DataType.INT16, 1),
                    spec("u32", DataType.UINT32, 1), spec("i32", DataType.INT32, 1), spec("u64", DataType.UINT64, 1),
                    spec("f16", DataType.FP16, 1), spec("f64", DataType.FP64, 1));
            DecodedPayload d = codec.decode(utf8("""
                    {"inputs": {"b": [true, false], "u8": [0, 255], "i8": [-128, 127], "u16": [65535],
                     "i16": [-32768], "u32": [4294967295], "i32": [-2147483648], "u64": [18446744073709551615],
                     "f16": [0.5], "f64": [0.1]}}"""), all);

            assertThat(d.inputs().get("b").booleans()).containsExactly(true, false);
            assertThat(d.inputs().get("u8").bytes()).containsExactly((byte) 0, (byte) 255);
            assertThat(d.inputs().get("u32").ints()).containsExactly(-1);
            assertThat(d.inputs().get("u64").longs()).containsExactly(-1L);
            assertThat(d.inputs().get("f16").shorts()).containsExactly(Float.floatToFloat16(0.5f));
            assertThat(d.inputs().get("f64").doubles()).containsExactly(0.1);

            assertValidationError(codec, "{\"inputs\": {\"b\": [true, false], \"u8\": [0, 256], \"i8\": [0, 0],"
                    + " \"u16\": [0], \"i16\": [0], \"u32\": [0], \"i32\": [0], \"u64\": [0], \"f16\": [0], \"f64\": [0]}}",
                    all).contains("'u8'", "256", "out of range for UINT8");
        }

        @Test
        void delegatesOpenInferenceProtocolBodies() {
            DecodedPayload d = codec.decode(utf8("""
                    {"id": "7", "inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"""),
                    FEATURES);

            assertTensorEquals(d.inputs().get("x"), Tensor.ofFloats(shape(1, 3), new float[] {1, 2, 3}));
            assertThat(d.hints()).containsEntry(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_V2)
                    .containsEntry(DecodedPayload.HINT_ID, "7");
        }
    }

    @Nested
    class Rejects {
        @Test
        void nonIntegralNumberForAnIntegerInput() {
            assertValidationError(codec, "{\"inputs\": {\"input_ids\": [[1, 2.5, 3]], \"attention_mask\": [[1, 1, 1]]}}",
                    TWO_INPUTS).contains("'input_ids'", "2.5", "not an integer", "line 1");
        }

        @Test
        void raggedArrays() {
            assertValidationError(codec, "{\"inputs\": [[1, 2, 3], [4, 5]]}", FEATURES)
                    .contains("'x'", "not a rectangular array");
            assertValidationError(codec, "{\"inputs\": [[1, 2, 3], 4]}", FEATURES).contains("not a rectangular array");
            assertValidationError(codec, "{\"instances\": [[1, 2, 3], [[4], 5, 6]]}", FEATURES)
                    .contains("not a rectangular array");
        }

        @Test
        void nanAndInfinityLiterals() {
            assertValidationError(codec, "{\"inputs\": [[1, NaN, 3]]}", FEATURES).contains("NaN", "finite");
            assertValidationError(codec, "{\"inputs\": [[1, Infinity, 3]]}", FEATURES).contains("Infinity");
            assertValidationError(codec, "{\"inputs\": [[1, -Infinity, 3]]}", FEATURES).contains("Infinity");
        }

        @Test
        void stringsBooleansAndNullsWhereNumbersBelong() {
            assertValidationError(codec, "{\"inputs\": [[1, \"2\", 3]]}", FEATURES)
                    .contains("expected a number (FP32)", "string \"2\"");
            assertValidationError(codec, "{\"inputs\": [[1, true, 3]]}", FEATURES).contains("boolean true");
            assertValidationError(codec, "{\"inputs\": [[1, null, 3]]}", FEATURES).contains("null");
            assertValidationError(codec, "{\"inputs\": [[1, {}, 3]]}", FEATURES).contains("an object");
        }

        @Test
        void numbersForAStringInput() {
            assertValidationError(codec, "{\"inputs\": [1]}", TEXT).contains("expected a string (BYTES)");
        }

        @Test
        void valuesOutsideTheDeclaredType() {
            assertValidationError(codec, "{\"inputs\": [[1e39, 0, 0]]}", FEATURES).contains("out of range for FP32");
            assertValidationError(codec, "{\"inputs\": {\"input_ids\": [[1e30, 2, 3]], \"attention_mask\": [[1,1,1]]}}",
                    TWO_INPUTS).contains("out of range for INT64");
        }

        @Test
        void shapeThatDoesNotFitTheModel() {
            assertValidationError(codec, "{\"inputs\": [[1, 2]]}", FEATURES).contains("'x'", "dimension 1 must be 3");
        }

        @Test
        void missingAndUnknownInputs() {
            assertValidationError(codec, "{\"inputs\": {\"input_ids\": [[1, 2, 3]]}}", TWO_INPUTS)
                    .contains("missing input 'attention_mask'");
            assertValidationError(codec, "{\"inputs\": {\"ids\": [[1, 2, 3]]}}", TWO_INPUTS)
                    .contains("unknown input 'ids'", "input_ids", "attention_mask");
            assertValidationError(codec, "{\"inputs\": [[1, 2, 3]]}", TWO_INPUTS).contains("has 2 inputs");
            assertValidationError(codec, "{\"instances\": [{\"input_ids\": [1, 2, 3]}]}", TWO_INPUTS)
                    .contains("instances[0] is missing input 'attention_mask'");
            assertValidationError(codec, "{\"instances\": [[1, 2, 3]]}", TWO_INPUTS).contains("needs an object");
        }

        @Test
        void bodiesOfTheWrongForm() {
            assertValidationError(codec, "", FEATURES).contains("empty");
            assertValidationError(codec, "42", FEATURES).contains("must be an object");
            assertValidationError(codec, "{\"data\": [1]}", FEATURES).contains("\"inputs\" or an \"instances\"");
            assertValidationError(codec, "{\"inputs\": [[1,2,3]], \"instances\": [[1,2,3]]}", FEATURES)
                    .contains("not both");
            assertValidationError(codec, "{\"instances\": 3}", FEATURES).contains("must be an array");
            assertValidationError(codec, "{\"inputs\": [[1, 2, 3]]} {}", FEATURES).contains("after the top-level value");
            assertValidationError(codec, "{\"inputs\": [[1, 2, 3]]", FEATURES).startsWith("malformed JSON");
        }
    }

    @Nested
    class Encode {
        private final ModelSignature signature = signature(List.of(spec("x", DataType.FP32, -1, 3)),
                List.of(spec("scores", DataType.FP32, -1, 2), spec("label", DataType.INT64, -1)));
        private final Map<String, Tensor> outputs = new LinkedHashMap<>();

        Encode() {
            // Deliberately not in signature order: encoders must follow the signature.
            outputs.put("label", Tensor.ofLongs(shape(2), new long[] {1, 0}));
            outputs.put("scores", Tensor.ofFloats(shape(2, 2), new float[] {0.1f, 0.9f, 0.7f, Float.NaN}));
        }

        @Test
        void outputsStyleIsTheDefault() {
            assertThat(text(codec.encode(outputs, context(signature, Map.of()))))
                    .isEqualTo("{\"outputs\":{\"scores\":[[0.1,0.9],[0.7,null]],\"label\":[1,0]}}");
        }

        @Test
        void instancesStyleAnswersPredictionsPerRow() {
            Map<String, String> hints = Map.of(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES);
            assertThat(text(codec.encode(outputs, context(signature, hints))))
                    .isEqualTo("{\"predictions\":[{\"scores\":[0.1,0.9],\"label\":1},{\"scores\":[0.7,null],\"label\":0}]}");
            assertThat(text(codec.encode(Map.of("label", outputs.get("label")), context(signature, hints))))
                    .isEqualTo("{\"predictions\":[1,0]}");
        }

        @Test
        void flatStyleForEmbeddings() {
            Map<String, Tensor> embeddings = Map.of("embeddings", Tensor.ofFloats(shape(2, 2), new float[] {1, 2, 3, 4}));
            ModelSignature s = signature(List.of(), List.of(spec("embeddings", DataType.FP32, -1, 2)));
            assertThat(text(codec.encode(embeddings, context(s, Map.of(DecodedPayload.HINT_STYLE,
                    DecodedPayload.STYLE_FLAT))))).isEqualTo("{\"embeddings\":[[1.0,2.0],[3.0,4.0]]}");
        }

        @Test
        void onlyRequestedOutputs() {
            assertThat(text(codec.encode(outputs, context(signature, Map.of(DecodedPayload.HINT_OUTPUTS, "label")))))
                    .isEqualTo("{\"outputs\":{\"label\":[1,0]}}");
        }

        @Test
        void floatsAreCompactAndUnsignedStaysUnsigned() {
            Map<String, Tensor> o = new LinkedHashMap<>();
            o.put("f", Tensor.ofFloats(shape(3), new float[] {0.1f, 1e-7f, 3.4028235e38f}));
            o.put("u", Tensor.of(DataType.UINT64, shape(1), new long[] {-1}));
            o.put("h", Tensor.of(DataType.FP16, shape(1), new short[] {Float.floatToFloat16(0.333f)}));
            o.put("s", Tensor.ofStrings(shape(), strings("é \"q\"")));
            assertThat(text(codec.encode(o, context(o, Map.of())))).isEqualTo(
                    "{\"outputs\":{\"f\":[0.1,1.0E-7,3.4028235E38],\"u\":[18446744073709551615],\"h\":[0.333],"
                            + "\"s\":\"é \\\"q\\\"\"}}");
        }

        @Test
        void v2StyleDelegates() {
            Map<String, String> hints = Map.of(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_V2,
                    DecodedPayload.HINT_ID, "abc");
            assertThat(text(codec.encode(Map.of("label", outputs.get("label")), context(signature, hints))))
                    .isEqualTo("{\"model_name\":\"model\",\"id\":\"abc\",\"outputs\":[{\"name\":\"label\","
                            + "\"datatype\":\"INT64\",\"shape\":[2],\"data\":[1,0]}]}");
        }

        @Test
        void predictionsNeedOutputsWithOneRowCount() {
            Map<String, Tensor> o = new LinkedHashMap<>();
            o.put("a", Tensor.ofLongs(shape(2), new long[] {1, 2}));
            o.put("b", Tensor.ofLongs(shape(3), new long[] {1, 2, 3}));
            assertThatThrownBy(() -> codec.encode(o, context(o, Map.of(DecodedPayload.HINT_STYLE,
                    DecodedPayload.STYLE_INSTANCES))))
                    .isInstanceOfSatisfying(SluiceException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE));
        }
    }
}
