package dev.sluice.core.codec;

import static dev.sluice.core.codec.CodecFixtures.assertTensorEquals;
import static dev.sluice.core.codec.CodecFixtures.assertValidationError;
import static dev.sluice.core.codec.CodecFixtures.context;
import static dev.sluice.core.codec.CodecFixtures.inputs;
import static dev.sluice.core.codec.CodecFixtures.shape;
import static dev.sluice.core.codec.CodecFixtures.spec;
import static dev.sluice.core.codec.CodecFixtures.strings;
import static dev.sluice.core.codec.CodecFixtures.text;
import static dev.sluice.core.codec.CodecFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLinesCodecTest {
    private final JsonLinesCodec codec = new JsonLinesCodec();

    private static final ModelSignature FEATURES = inputs(spec("x", DataType.FP32, -1, 2));
    private static final ModelSignature TWO = inputs(spec("ids", DataType.INT64, -1, 2), spec("text", DataType.BYTES, -1));

    @Test
    void acceptsAllItsMediaTypes() {
        assertThat(codec.mediaTypes()).containsExactly("application/jsonlines", "application/x-jsonlines",
                "application/jsonl");
    }

    @Test
    void eachLineIsARowOfTheSingleInput() {
        DecodedPayload d = codec.decode(utf8("[1, 2]\n\n[3.5, 4]\r\n"), FEATURES);

        assertTensorEquals(d.inputs().get("x"), Tensor.ofFloats(shape(2, 2), new float[] {1, 2, 3.5f, 4}));
    }

    @Test
    void scalarsPerLineForARankOneInput() {
        DecodedPayload d = codec.decode(utf8("\"a cat sits\"\n\"a kitten sat\"\n"), inputs(spec("t", DataType.BYTES, -1)));
        assertTensorEquals(d.inputs().get("t"), Tensor.ofStrings(shape(2), strings("a cat sits", "a kitten sat")));

        DecodedPayload numbers = codec.decode(utf8("1\n2\n3"), inputs(spec("n", DataType.INT32, -1)));
        assertThat(numbers.inputs().get("n").ints()).containsExactly(1, 2, 3);
    }

    @Test
    void objectsNameTheInputs() {
        DecodedPayload d = codec.decode(utf8("""
                {"ids": [1, 2], "text": "a"}
                {"text": "b", "ids": [3, 4]}
                """), TWO);

        assertTensorEquals(d.inputs().get("ids"), Tensor.ofLongs(shape(2, 2), new long[] {1, 2, 3, 4}));
        assertTensorEquals(d.inputs().get("text"), Tensor.ofStrings(shape(2), strings("a", "b")));
    }

    @Test
    void rejectionsNameTheLine() {
        assertValidationError(codec, "[1, 2]\n[3]\n", FEATURES).contains("not a rectangular array", "line 2");
        assertValidationError(codec, "[1, 2]\n[3, \"x\"]\n", FEATURES).contains("'x'", "line 2");
        assertValidationError(codec, "[1, 2] [3, 4]\n", FEATURES).contains("line 1 holds more than one JSON value");
        assertValidationError(codec, "{\"ids\": [1, 2]}\n", TWO).contains("line 1 is missing input 'text'");
        assertValidationError(codec, "{\"ids\": [1, 2], \"text\": \"a\", \"mask\": 1}\n", TWO)
                .contains("line 1 names input 'mask'");
        assertValidationError(codec, "[1, NaN]\n", FEATURES).contains("NaN");
        assertValidationError(codec, "\n \n", FEATURES).contains("no rows");
        assertValidationError(codec, "[1, 2]\n[3, 4\n", FEATURES).startsWith("malformed JSON Lines");
    }

    @Test
    void encodesOneLinePerRow() {
        Map<String, Tensor> one = Map.of("y", Tensor.ofFloats(shape(2, 2), new float[] {1, 2, 3, 4}));
        assertThat(text(codec.encode(one, context(one, Map.of())))).isEqualTo("[1.0,2.0]\n[3.0,4.0]\n");

        Map<String, Tensor> two = new LinkedHashMap<>();
        two.put("label", Tensor.ofLongs(shape(2), new long[] {7, 8}));
        two.put("text", Tensor.ofStrings(shape(2), strings("x", "y")));
        assertThat(text(codec.encode(two, context(two, Map.of()))))
                .isEqualTo("{\"label\":7,\"text\":\"x\"}\n{\"label\":8,\"text\":\"y\"}\n");
    }
}
