package dev.sluice.core.codec;

import static dev.sluice.core.codec.CodecFixtures.assertTensorEquals;
import static dev.sluice.core.codec.CodecFixtures.assertValidationError;
import static dev.sluice.core.codec.CodecFixtures.context;
import static dev.sluice.core.codec.CodecFixtures.inputs;
import static dev.sluice.core.codec.CodecFixtures.shape;
import static dev.sluice.core.codec.CodecFixtures.signature;
import static dev.sluice.core.codec.CodecFixtures.spec;
import static dev.sluice.core.codec.CodecFixtures.strings;
import static dev.sluice.core.codec.CodecFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Fixtures were written by NumPy 2.4 ({@code np.save} / {@code np.lib.format.write_array}) and base64-encoded. */
class NpyCodecTest {
    private final NpyCodec codec = new NpyCodec();

    /** np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, 65504.0]], dtype='<f4') */
    static final String F4_2X3 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAUEAAAAAAbxKDOgDgf0c=";
    /** np.array([1, -2, 300000], dtype='>i4') */
    static final String BIG_ENDIAN_I4 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAB/////gAEk+A=";
    /** np.array([[0.1, 0.2]], dtype='<f8') written as format version 2.0 */
    static final String F8_V2 = "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqamZmZmZm5P5qZmZmZmck/";
    /** np.array([True, False, True]) */
    static final String BOOL = "k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=";
    /** np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)) */
    static final String FORTRAN = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=";
    /** np.array([18446744073709551615, 0], dtype='<u8') */
    static final String U8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPHU4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr//////////wAAAAAAAAAA";
    /** np.array(7, dtype='<i8'), a 0-d array */
    static final String SCALAR_I8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAAAAAAAAAA==";
    /** np.array([1.0, -0.5, 65504], dtype='<f2') */
    static final String F2 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPAC4/3s=";
    /** np.array(["ab", "c"]): a unicode string array */
    static final String UNICODE = "k05VTVBZAQB2AHsnZGVzY3InOiAnPFUyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAphAAAAYgAAAGMAAAAAAAAA";

    static byte[] npy(String base64) {
        return Base64.getDecoder().decode(base64);
    }

    @Test
    void readsNumpyFloat32() {
        DecodedPayload d = codec.decode(npy(F4_2X3), inputs(spec("x", DataType.FP32, -1, 3)));

        assertTensorEquals(d.inputs().get("x"),
                Tensor.ofFloats(shape(2, 3), new float[] {1.5f, -2f, 3.25f, 0f, 1e-3f, 65504f}));
    }

    @Test
    void readsEveryByteOrderVersionAndKind() {
        assertThat(codec.decode(npy(BIG_ENDIAN_I4), inputs(spec("x", DataType.INT32, 3))).inputs().get("x").ints())
                .containsExactly(1, -2, 300000);
        assertThat(codec.decode(npy(F8_V2), inputs(spec("x", DataType.FP64, -1, 2))).inputs().get("x").doubles())
                .containsExactly(0.1, 0.2);
        assertThat(codec.decode(npy(BOOL), inputs(spec("x", DataType.BOOL, 3))).inputs().get("x").booleans())
                .containsExactly(true, false, true);
        assertThat(codec.decode(npy(U8), inputs(spec("x", DataType.UINT64, 2))).inputs().get("x").longs())
                .containsExactly(-1L, 0L);
        Tensor scalar = codec.decode(npy(SCALAR_I8), inputs(spec("x", DataType.INT64))).inputs().get("x");
        assertThat(scalar.shape()).isEmpty();
        assertThat(scalar.longs()).containsExactly(7L);
        assertThat(codec.decode(npy(F2), inputs(spec("x", DataType.FP16, 3))).inputs().get("x").shorts())
                .containsExactly(Float.floatToFloat16(1f), Float.floatToFloat16(-0.5f), Float.floatToFloat16(65504f));
    }

    @Test
    void convertsToTheInputDtype() {
        assertThat(codec.decode(npy(BIG_ENDIAN_I4), inputs(spec("x", DataType.FP32, 3))).inputs().get("x").floats())
                .containsExactly(1f, -2f, 300000f);
        assertThat(codec.decode(npy(F4_2X3), inputs(spec("x", DataType.FP64, 2, 3))).inputs().get("x").doubles())
                .startsWith(1.5, -2.0);
        assertValidationError(codec, npy(F4_2X3), inputs(spec("x", DataType.INT64, 2, 3)))
                .contains("'x'", "1.5", "not an integer", "element 0");
        assertValidationError(codec, npy(BOOL), inputs(spec("x", DataType.FP32, 3))).contains("boolean");
    }

    @Test
    void rejectsWhatItCannotRead() {
        assertValidationError(codec, npy(FORTRAN), inputs(spec("x", DataType.FP32, 2, 3))).contains("Fortran");
        assertValidationError(codec, npy(UNICODE), inputs(spec("x", DataType.BYTES, 2))).contains("'<U2'");
        assertValidationError(codec, npy(F4_2X3), inputs(spec("x", DataType.FP32, -1, 4)))
                .contains("dimension 1 must be 4");
        assertValidationError(codec, utf8("1,2,3"), inputs(spec("x", DataType.FP32, 3))).contains("\\x93NUMPY");
        assertValidationError(codec, npy(F4_2X3), inputs(spec("a", DataType.FP32, 2, 3), spec("b", DataType.FP32, 1)))
                .contains("exactly one input");
    }

    @Test
    void dataLengthMustMatchTheShapeExactly() {
        byte[] full = npy(F4_2X3);
        assertValidationError(codec, java.util.Arrays.copyOf(full, full.length - 1), inputs(spec("x", DataType.FP32, -1, 3)))
                .contains("24 bytes of data", "holds 23");
        assertValidationError(codec, java.util.Arrays.copyOf(full, full.length + 4), inputs(spec("x", DataType.FP32, -1, 3)))
                .contains("holds 28");
    }

    @Test
    void rejectsStructuredAndOddHeaders() {
        assertValidationError(codec, header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"),
                inputs(spec("x", DataType.FP32, 1))).contains("structured");
        assertValidationError(codec, header("{'descr': '<f4', 'shape': (1,), }"), inputs(spec("x", DataType.FP32, 1)))
                .contains("'fortran_order'");
        assertValidationError(codec, header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"),
                inputs(spec("x", DataType.FP32, 1))).contains("unexpected key 'x'");
        assertValidationError(codec, header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"),
                inputs(spec("x", DataType.FP32, 1))).contains("malformed");
    }

    /** An NPY 1.0 file with the given header dict and no data. */
    static byte[] header(String dict) {
        byte[] h = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + h.length];
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(StandardCharsets.US_ASCII), 0, out, 1, 5);
        out[6] = 1;
        out[8] = (byte) h.length;
        out[9] = (byte) (h.length >>> 8);
        System.arraycopy(h, 0, out, 10, h.length);
        return out;
    }

    @Test
    void writesExactlyWhatNumpyWrites() {
        Map<String, Tensor> outputs = Map.of("y",
                Tensor.ofFloats(shape(2, 3), new float[] {1.5f, -2f, 3.25f, 0f, 1e-3f, 65504f}));

        assertThat(codec.encode(outputs, context(outputs, Map.of()))).isEqualTo(npy(F4_2X3));

        Map<String, Tensor> flags = Map.of("f", Tensor.of(DataType.BOOL, shape(3), new boolean[] {true, false, true}));
        assertThat(codec.encode(flags, context(flags, Map.of()))).isEqualTo(npy(BOOL));

        Map<String, Tensor> scalar = Map.of("s", Tensor.ofLongs(shape(), new long[] {7}));
        assertThat(codec.encode(scalar, context(scalar, Map.of()))).isEqualTo(npy(SCALAR_I8));
    }

    @Test
    void writesTheFirstOrTheRequestedOutput() {
        ModelSignature s = signature(List.of(), List.of(spec("a", DataType.INT64, 1), spec("b", DataType.FP32, 1)));
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("b", Tensor.ofFloats(shape(1), new float[] {2}));
        outputs.put("a", Tensor.ofLongs(shape(1), new long[] {1}));

        byte[] first = codec.encode(outputs, context(s, Map.of()));
        assertThat(codec.decode(first, inputs(spec("a", DataType.INT64, 1))).inputs().get("a").longs()).containsExactly(1L);
        byte[] requested = codec.encode(outputs, context(s, Map.of(DecodedPayload.HINT_OUTPUTS, "b")));
        assertThat(codec.decode(requested, inputs(spec("b", DataType.FP32, 1))).inputs().get("b").floats())
                .containsExactly(2f);
    }

    @Test
    void stringsAreNotAcceptable() {
        Map<String, Tensor> outputs = Map.of("s", Tensor.ofStrings(shape(1), strings("x")));
        assertThatThrownBy(() -> codec.encode(outputs, context(outputs, Map.of())))
                .isInstanceOfSatisfying(SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE));
    }
}
