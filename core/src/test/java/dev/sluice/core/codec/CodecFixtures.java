package dev.sluice.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.assertj.core.api.AbstractStringAssert;

/** Signatures, tensors, assertions and jqwik generators shared by the codec tests. */
final class CodecFixtures {
    private CodecFixtures() {
    }

    static final String MODEL = "model";

    static TensorSpec spec(String name, DataType type, long... shape) {
        return new TensorSpec(name, type, shape);
    }

    static ModelSignature inputs(TensorSpec... specs) {
        return new ModelSignature(List.of(specs), List.of());
    }

    static ModelSignature signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
        return new ModelSignature(inputs, outputs);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static EncodeContext context(ModelSignature signature, Map<String, String> hints) {
        return new EncodeContext(MODEL, signature, hints);
    }

    static EncodeContext context(Map<String, Tensor> outputs, Map<String, String> hints) {
        return new EncodeContext(MODEL, mirror(outputs), hints);
    }

    /**
     * A signature whose inputs and outputs both describe {@code tensors} (first dimension dynamic), so that an
     * encoded response can be decoded again as a request.
     */
    static ModelSignature mirror(Map<String, Tensor> tensors) {
        List<TensorSpec> specs = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long[] shape = e.getValue().shape();
            if (shape.length > 0) {
                shape[0] = -1;
            }
            specs.add(new TensorSpec(e.getKey(), e.getValue().type(), shape));
        }
        return new ModelSignature(specs, specs);
    }

    static Tensor floats(long[] shape, float... values) {
        return Tensor.ofFloats(shape, values);
    }

    static long[] shape(long... dims) {
        return dims;
    }

    static byte[][] strings(String... values) {
        byte[][] out = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = utf8(values[i]);
        }
        return out;
    }

    /** Equal type, shape and elements (floats compared bit for bit after NaN canonicalisation). */
    static void assertTensorEquals(Tensor actual, Tensor expected) {
        assertThat(actual.type()).as("type").isEqualTo(expected.type());
        assertThat(actual.shape()).as("shape of %s", expected).isEqualTo(expected.shape());
        Object a = actual.data();
        Object e = expected.data();
        boolean equal = switch (expected.type()) {
            case BOOL -> Arrays.equals((boolean[]) a, (boolean[]) e);
            case INT8, UINT8 -> Arrays.equals((byte[]) a, (byte[]) e);
            case INT16, UINT16, FP16 -> Arrays.equals((short[]) a, (short[]) e);
            case INT32, UINT32 -> Arrays.equals((int[]) a, (int[]) e);
            case INT64, UINT64 -> Arrays.equals((long[]) a, (long[]) e);
            case FP32 -> Arrays.equals((float[]) a, (float[]) e);
            case FP64 -> Arrays.equals((double[]) a, (double[]) e);
            case BYTES -> Arrays.deepEquals((byte[][]) a, (byte[][]) e);
        };
        assertThat(equal).as("elements of %s: got %s, expected %s", expected, describe(actual), describe(expected))
                .isTrue();
    }

    static void assertTensorsEqual(Map<String, Tensor> actual, Map<String, Tensor> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            assertTensorEquals(actual.get(name), expected.get(name));
        }
    }

    static String describe(Tensor t) {
        return switch (t.type()) {
            case BOOL -> Arrays.toString(t.booleans());
            case INT8, UINT8 -> Arrays.toString(t.bytes());
            case INT16, UINT16, FP16 -> Arrays.toString(t.shorts());
            case INT32, UINT32 -> Arrays.toString(t.ints());
            case INT64, UINT64 -> Arrays.toString(t.longs());
            case FP32 -> Arrays.toString(t.floats());
            case FP64 -> Arrays.toString(t.doubles());
            case BYTES -> Arrays.stream(t.strings()).map(CodecFixtures::text).toList().toString();
        };
    }

    /** The ValidationError that decoding {@code body} must raise; returns its message for further checks. */
    static AbstractStringAssert<?> assertValidationError(PayloadCodec codec, byte[] body, ModelSignature signature) {
        Throwable thrown = catchThrowable(() -> codec.decode(body, signature));
        assertThat(thrown).isInstanceOf(SluiceException.class);
        SluiceException e = (SluiceException) thrown;
        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertCleanCause(e);
        return assertThat(e.getMessage());
    }

    static AbstractStringAssert<?> assertValidationError(PayloadCodec codec, String body, ModelSignature signature) {
        return assertValidationError(codec, utf8(body), signature);
    }

    /**
     * A decoder may attach a parser's IOException as the cause; a RuntimeException cause means it fell through to
     * the last-resort guard, i.e. a check is missing.
     */
    static void assertCleanCause(SluiceException e) {
        if (e.getCause() != null) {
            assertThat(e.getCause()).as("cause of '%s'", e.getMessage()).isNotInstanceOf(RuntimeException.class);
        }
    }

    /** Decodes, and either the result satisfies the signature or the failure is a clean ValidationError. */
    static void decodesOrRejectsCleanly(PayloadCodec codec, byte[] body, ModelSignature signature) {
        DecodedPayload decoded;
        try {
            decoded = codec.decode(body, signature);
        } catch (SluiceException e) {
            assertThat(e.code()).as("code of '%s'", e.getMessage()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            assertThat(e.getMessage()).isNotBlank();
            assertCleanCause(e);
            return;
        }
        for (TensorSpec spec : signature.inputs()) {
            Tensor t = decoded.inputs().get(spec.name());
            assertThat(t).as("decoded input %s", spec.name()).isNotNull();
            spec.check(t);
        }
    }

    // ---- jqwik generators ---------------------------------------------------------------------------------------

    /** What values a generated tensor may hold. */
    record Values(boolean nonFinite, boolean exactInDouble) {
        static final Values FINITE = new Values(false, false);
        static final Values ANY = new Values(true, false);
    }

    static Arbitrary<long[]> shapes(int minRank, int maxRank, int minDim, int maxDim) {
        return Arbitraries.longs().between(minDim, maxDim).list().ofMinSize(minRank).ofMaxSize(maxRank)
                .map(l -> l.stream().mapToLong(Long::longValue).toArray());
    }

    /** Shapes whose first dimension is {@code rows}. */
    static Arbitrary<long[]> shapesWithRows(long rows, int minRank, int maxRank, int minDim, int maxDim) {
        return shapes(Math.max(0, minRank - 1), maxRank - 1, minDim, maxDim).map(rest -> {
            long[] s = new long[rest.length + 1];
            s[0] = rows;
            System.arraycopy(rest, 0, s, 1, rest.length);
            return s;
        });
    }

    static Arbitrary<Tensor> tensors(List<DataType> types, Arbitrary<long[]> shapes, Values values) {
        return Combinators.combine(Arbitraries.of(types), shapes).as((type, shape) -> new Object[] {type, shape})
                .flatMap(pair -> {
                    DataType type = (DataType) pair[0];
                    long[] shape = (long[]) pair[1];
                    int count = (int) Tensor.elementCount(shape);
                    return data(type, count, values).map(d -> Tensor.of(type, shape, d));
                });
    }

    /** One to three tensors named t0, t1, ... */
    static Arbitrary<Map<String, Tensor>> named(Arbitrary<Tensor> tensors, int max) {
        return tensors.list().ofMinSize(1).ofMaxSize(max).map(CodecFixtures::name);
    }

    static Map<String, Tensor> name(List<Tensor> list) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            out.put("t" + i, list.get(i));
        }
        return out;
    }

    /** Tensors that all have {@code rows} as first dimension, for row-oriented formats. */
    static Arbitrary<Map<String, Tensor>> batch(List<DataType> types, int minRows, int maxRows, int minRank,
            int maxRank, int minDim, int maxDim, int maxTensors, Values values) {
        return Arbitraries.integers().between(minRows, maxRows).flatMap(rows ->
                named(tensors(types, shapesWithRows(rows, minRank, maxRank, minDim, maxDim), values), maxTensors));
    }

    static Arbitrary<Object> data(DataType type, int n, Values v) {
        return switch (type) {
            case BOOL -> Arbitraries.of(true, false).list().ofSize(n).map(l -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = l.get(i);
                }
                return a;
            });
            case INT8, UINT8 -> Arbitraries.bytes().list().ofSize(n).map(l -> {
                byte[] a = new byte[n];
                for (int i = 0; i < n; i++) {
                    a[i] = l.get(i);
                }
                return a;
            });
            case INT16, UINT16 -> Arbitraries.shorts().list().ofSize(n).map(CodecFixtures::toShorts);
            case FP16 -> halves(v).list().ofSize(n).map(CodecFixtures::toShorts);
            case INT32, UINT32 -> Arbitraries.integers().list().ofSize(n)
                    .map(l -> l.stream().mapToInt(Integer::intValue).toArray());
            case INT64, UINT64 -> (v.exactInDouble()
                    ? type == DataType.UINT64 ? Arbitraries.longs().between(0, 1L << 53)
                    : Arbitraries.longs().between(-(1L << 53), 1L << 53)
                    : Arbitraries.longs()).list().ofSize(n)
                    .map(l -> l.stream().mapToLong(Long::longValue).toArray());
            case FP32 -> floats(v).list().ofSize(n).map(l -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = l.get(i);
                }
                return a;
            });
            case FP64 -> doubles(v).list().ofSize(n).map(l -> l.stream().mapToDouble(Double::doubleValue).toArray());
            case BYTES -> texts().list().ofSize(n).map(l -> {
                byte[][] a = new byte[n][];
                for (int i = 0; i < n; i++) {
                    a[i] = utf8(l.get(i));
                }
                return a;
            });
        };
    }

    private static short[] toShorts(List<Short> l) {
        short[] a = new short[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    /** Arbitrary bit patterns reach subnormals and extremes that "nice" generators miss. */
    static Arbitrary<Float> floats(Values v) {
        Arbitrary<Float> bits = Arbitraries.integers().map(Float::intBitsToFloat);
        Arbitrary<Float> finiteBits = bits.filter(Float::isFinite);
        Arbitrary<Float> plain = Arbitraries.floats().between(-1000f, 1000f).ofScale(3);
        if (!v.nonFinite()) {
            return Arbitraries.frequencyOf(
                    net.jqwik.api.Tuple.of(3, finiteBits), net.jqwik.api.Tuple.of(3, plain),
                    net.jqwik.api.Tuple.of(1, Arbitraries.of(0f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE)));
        }
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, finiteBits), net.jqwik.api.Tuple.of(3, plain),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                        -0f, Float.MIN_VALUE)));
    }

    static Arbitrary<Double> doubles(Values v) {
        Arbitrary<Double> finiteBits = Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite);
        Arbitrary<Double> plain = Arbitraries.doubles().between(-1e6, 1e6).ofScale(6);
        if (!v.nonFinite()) {
            return Arbitraries.frequencyOf(
                    net.jqwik.api.Tuple.of(3, finiteBits), net.jqwik.api.Tuple.of(3, plain),
                    net.jqwik.api.Tuple.of(1, Arbitraries.of(0d, -0d, Double.MIN_VALUE, Double.MAX_VALUE)));
        }
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, finiteBits), net.jqwik.api.Tuple.of(3, plain),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
    }

    /** FP16 bit patterns: every finite half, or any half (NaN payloads excluded: they do not survive float). */
    static Arbitrary<Short> halves(Values v) {
        Arbitrary<Short> bits = Arbitraries.shorts();
        if (!v.nonFinite()) {
            return bits.filter(h -> (h & 0x7C00) != 0x7C00);
        }
        return bits.filter(h -> (h & 0x7C00) != 0x7C00 || (h & 0x03FF) == 0);
    }

    /** Text with the characters that break naive writers: delimiters, quotes, blanks, non-ASCII, astral. */
    static Arbitrary<String> texts() {
        Arbitrary<Integer> ascii = Arbitraries.integers().between(0x20, 0x7E);
        Arbitrary<Integer> special = Arbitraries.of((int) ',', (int) '"', (int) '\n', (int) '\r', (int) ' ',
                (int) '\t', (int) '\\', 0, 0x7F, 0xE9, 0x4E2D, 0x1F600, 0xFEFF);
        Arbitrary<Integer> any = Arbitraries.integers().between(0, 0x10FFFF)
                .filter(cp -> cp < 0xD800 || cp > 0xDFFF);
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(5, ascii), net.jqwik.api.Tuple.of(2, special),
                        net.jqwik.api.Tuple.of(1, any))
                .list().ofMaxSize(8)
                .map(cps -> {
                    StringBuilder sb = new StringBuilder();
                    cps.forEach(sb::appendCodePoint);
                    return sb.toString();
                });
    }

    // ---- malformed input ----------------------------------------------------------------------------------------

    /** One edit to a byte string; positions are taken modulo its length. */
    record Mutation(int kind, int position, int length, byte value) {
        byte[] apply(byte[] in) {
            if (in.length == 0) {
                return kind == 0 ? new byte[] {value} : in;
            }
            int at = Math.floorMod(position, in.length);
            byte[] out;
            switch (kind) {
                case 0 -> { // insert a byte
                    out = new byte[in.length + 1];
                    System.arraycopy(in, 0, out, 0, at);
                    out[at] = value;
                    System.arraycopy(in, at, out, at + 1, in.length - at);
                }
                case 1 -> { // overwrite a byte
                    out = in.clone();
                    out[at] = value;
                }
                case 2 -> { // flip one bit
                    out = in.clone();
                    out[at] ^= (byte) (1 << (value & 7));
                }
                case 3 -> out = Arrays.copyOf(in, at); // truncate
                case 4 -> { // delete a run
                    int end = Math.min(in.length, at + length);
                    out = new byte[in.length - (end - at)];
                    System.arraycopy(in, 0, out, 0, at);
                    System.arraycopy(in, end, out, at, in.length - end);
                }
                default -> { // duplicate a run
                    int end = Math.min(in.length, at + length);
                    out = new byte[in.length + (end - at)];
                    System.arraycopy(in, 0, out, 0, end);
                    System.arraycopy(in, at, out, end, in.length - end);
                }
            }
            return out;
        }
    }

    /** Bytes that matter to the formats under test: structure characters, magic bytes, invalid UTF-8 leads. */
    static Arbitrary<Byte> interestingBytes() {
        return Arbitraries.oneOf(Arbitraries.bytes(), Arbitraries.of((byte) '[', (byte) ']', (byte) '{',
                (byte) '}', (byte) '"', (byte) ',', (byte) ':', (byte) '\n', (byte) '-', (byte) '0', (byte) '9',
                (byte) 'e', (byte) '.', (byte) 0x80, (byte) 0xC0, (byte) 0xFF, (byte) 0x0A, (byte) 0xCE, (byte) 0xD7,
                (byte) 0x23, (byte) 0x7F, (byte) 0x00, (byte) '\'', (byte) '(', (byte) ')'));
    }

    /**
     * Mostly the ASCII that text formats are made of, so that fuzzing reaches their parsers rather than stopping
     * at UTF-8 validation every time; now and then any byte.
     */
    static Arbitrary<Byte> textBytes() {
        Arbitrary<Byte> structure = Arbitraries.of((byte) '[', (byte) ']', (byte) '{', (byte) '}', (byte) '"',
                (byte) ',', (byte) ':', (byte) '\n', (byte) '\r', (byte) ' ', (byte) '-', (byte) '+', (byte) '.',
                (byte) 'e', (byte) 'E', (byte) '0', (byte) '1', (byte) '9', (byte) '\\', (byte) 'n', (byte) 't',
                (byte) 'u', (byte) 'l');
        Arbitrary<Byte> printable = Arbitraries.bytes().between((byte) 0x20, (byte) 0x7E);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, structure), net.jqwik.api.Tuple.of(3, printable),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
    }

    static Arbitrary<List<Mutation>> mutations(Arbitrary<Byte> bytes) {
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers(),
                        Arbitraries.integers().between(1, 16), bytes)
                .as(Mutation::new).list().ofMinSize(1).ofMaxSize(6);
    }

    /** Mutated copies of binary seeds, plus some purely random byte strings. */
    static Arbitrary<byte[]> malformed(List<byte[]> seeds) {
        return malformed(seeds, interestingBytes());
    }

    /** Mutated copies of text seeds, mostly with ASCII, plus some random byte strings. */
    static Arbitrary<byte[]> malformedText(List<byte[]> seeds) {
        return malformed(seeds, textBytes());
    }

    static Arbitrary<byte[]> malformed(List<byte[]> seeds, Arbitrary<Byte> bytes) {
        Arbitrary<byte[]> mutated = Combinators.combine(Arbitraries.of(seeds), mutations(bytes)).as((seed, ops) -> {
            byte[] b = seed;
            for (Mutation m : ops) {
                b = m.apply(b);
            }
            return b;
        });
        Arbitrary<byte[]> random = bytes.list().ofMaxSize(64).map(l -> {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = l.get(i);
            }
            return b;
        });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, mutated), net.jqwik.api.Tuple.of(1, random));
    }
}
