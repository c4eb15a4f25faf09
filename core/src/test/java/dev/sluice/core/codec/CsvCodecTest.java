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
import org.junit.jupiter.api.Test;

class CsvCodecTest {
    private final CsvCodec codec = new CsvCodec();

    private static final ModelSignature IRIS = inputs(spec("features", DataType.FP32, -1, 4));

    @Test
    void eachLineIsARow() {
        DecodedPayload d = codec.decode(utf8("5.1,3.5,1.4,0.2\r\n6.2, 3.4 ,5.4,2.3\n\n"), IRIS);

        assertTensorEquals(d.inputs().get("features"),
                Tensor.ofFloats(shape(2, 4), new float[] {5.1f, 3.5f, 1.4f, 0.2f, 6.2f, 3.4f, 5.4f, 2.3f}));
    }

    @Test
    void quotedFieldsAndNonFiniteValues() {
        DecodedPayload d = codec.decode(utf8("\"1.5\",nan,-inf,\" 2 \"\n"), IRIS);

        assertThat(d.inputs().get("features").floats())
                .containsExactly(1.5f, Float.NaN, Float.NEGATIVE_INFINITY, 2f);
    }

    @Test
    void textInputsKeepQuotedCommasQuotesAndLineBreaks() {
        DecodedPayload d = codec.decode(utf8("a cat sits\n\"a kitten, \"\"small\"\"\nsat\"\n\"\"\n"),
                inputs(spec("text", DataType.BYTES, -1)));

        assertTensorEquals(d.inputs().get("text"),
                Tensor.ofStrings(shape(3), strings("a cat sits", "a kitten, \"small\"\nsat", "")));
    }

    @Test
    void rowsFitTheInputRank() {
        ModelSignature vector = inputs(spec("x", DataType.INT64, -1));
        assertTensorEquals(codec.decode(utf8("1\n2\n3\n"), vector).inputs().get("x"),
                Tensor.ofLongs(shape(3), new long[] {1, 2, 3}));
        assertTensorEquals(codec.decode(utf8("1,2,3"), vector).inputs().get("x"),
                Tensor.ofLongs(shape(3), new long[] {1, 2, 3}));

        ModelSignature image = inputs(spec("pixels", DataType.UINT8, -1, 2, 2));
        Tensor pixels = codec.decode(utf8("0,1,2,255\n4,5,6,7\n"), image).inputs().get("pixels");
        assertThat(pixels.shape()).containsExactly(2, 2, 2);
        assertThat(pixels.bytes()).containsExactly(0, 1, 2, -1, 4, 5, 6, 7);
    }

    @Test
    void boolAndIntegerConversions() {
        Tensor flags = codec.decode(utf8("true,FALSE,1,0\n"), inputs(spec("f", DataType.BOOL, -1, 4)))
                .inputs().get("f");
        assertThat(flags.booleans()).containsExactly(true, false, true, false);

        Tensor ints = codec.decode(utf8("2.0,-3,1e2,+4\n"), inputs(spec("i", DataType.INT32, -1, 4)))
                .inputs().get("i");
        assertThat(ints.ints()).containsExactly(2, -3, 100, 4);
    }

    @Test
    void rejectsRowsOfDifferentWidthNamingTheLine() {
        assertValidationError(codec, "1,2,3,4\n\n5,6,7\n", IRIS).contains("line 3 has 3 columns", "line 1 has 4");
        assertValidationError(codec, "1,2,3,4\n5,6,7,8,9\n", IRIS).contains("line 2 has more than 4 columns");
    }

    @Test
    void rejectsBadValuesNamingLineAndColumn() {
        assertValidationError(codec, "1,2,3,4\n5,,7,8\n", IRIS).contains("'features'", "empty field", "line 2, column 2");
        assertValidationError(codec, "1,2,3,4\n5,x,7,8\n", IRIS).contains("\"x\"", "line 2, column 2");
        assertValidationError(codec, "sepal_length,sepal_width,petal_length,petal_width\n", IRIS)
                .contains("no header row", "line 1, column 1");
        assertValidationError(codec, "1,2,3,0x10\n", IRIS).contains("\"0x10\"");
        assertValidationError(codec, "1.5\n", inputs(spec("i", DataType.INT64, -1))).contains("not an integer");
        assertValidationError(codec, "nan\n", inputs(spec("i", DataType.INT64, -1))).contains("not an integer");
        assertValidationError(codec, "1e1000000000000\n", IRIS).contains("out of range");
        assertValidationError(codec, "maybe\n", inputs(spec("b", DataType.BOOL, -1))).contains("true, false, 1 or 0");
    }

    @Test
    void rejectsMalformedQuotingAndEmptyBodies() {
        assertValidationError(codec, "1,\"2,3,4\n", IRIS).contains("line 1", "never closed");
        assertValidationError(codec, "1,\"2\"x,3,4\n", IRIS).contains("after a closing quote");
        assertValidationError(codec, " \n\n", IRIS).contains("no rows");
    }

    @Test
    void rejectsModelsWithSeveralInputs() {
        assertValidationError(codec, "1\n", inputs(spec("a", DataType.FP32, -1), spec("b", DataType.FP32, -1)))
                .contains("text/csv needs a model with exactly one input");
    }

    @Test
    void rejectsAShapeTheModelCannotTake() {
        assertValidationError(codec, "1,2,3\n", IRIS).contains("'features'", "dimension 1 must be 4");
    }

    @Test
    void encodesOneLinePerRowConcatenatingOutputs() {
        ModelSignature s = signature(List.of(), List.of(spec("label", DataType.INT64, -1),
                spec("probabilities", DataType.FP32, -1, 2)));
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("probabilities", Tensor.ofFloats(shape(2, 2), new float[] {0.1f, 0.9f, Float.NaN, 1e-8f}));
        outputs.put("label", Tensor.ofLongs(shape(2), new long[] {1, 0}));

        assertThat(text(codec.encode(outputs, context(s, Map.of())))).isEqualTo("1,0.1,0.9\n0,nan,1.0E-8\n");
        assertThat(text(codec.encode(outputs, context(s, Map.of(DecodedPayload.HINT_OUTPUTS, "label")))))
                .isEqualTo("1\n0\n");
    }

    @Test
    void encodesTextQuotedOnlyWhenNeeded() {
        Map<String, Tensor> outputs = Map.of("s", Tensor.ofStrings(shape(4), strings("plain", "a,b", " pad", "")));
        assertThat(text(codec.encode(outputs, context(outputs, Map.of()))))
                .isEqualTo("plain\n\"a,b\"\n\" pad\"\n\"\"\n");
    }

    @Test
    void outputsWithDifferentRowCountsAreNotAcceptable() {
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("a", Tensor.ofLongs(shape(2), new long[] {1, 2}));
        outputs.put("b", Tensor.ofLongs(shape(1), new long[] {1}));
        assertThatThrownBy(() -> codec.encode(outputs, context(outputs, Map.of())))
                .isInstanceOfSatisfying(SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE));
    }
}
