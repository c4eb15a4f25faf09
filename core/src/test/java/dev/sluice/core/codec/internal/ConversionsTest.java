package dev.sluice.core.codec.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ConversionsTest {
    @Test
    void losslessWideningsOnly() {
        assertThat(Conversions.lossless(DataType.INT32, DataType.INT64)).isTrue();
        assertThat(Conversions.lossless(DataType.UINT32, DataType.INT64)).isTrue();
        assertThat(Conversions.lossless(DataType.UINT32, DataType.INT32)).isFalse();
        assertThat(Conversions.lossless(DataType.INT8, DataType.UINT64)).isFalse();
        assertThat(Conversions.lossless(DataType.FP16, DataType.FP64)).isTrue();
        assertThat(Conversions.lossless(DataType.FP64, DataType.FP32)).isFalse();
        assertThat(Conversions.lossless(DataType.INT16, DataType.FP32)).isTrue();
        assertThat(Conversions.lossless(DataType.INT32, DataType.FP32)).isFalse();
        assertThat(Conversions.lossless(DataType.INT64, DataType.FP64)).isFalse();
        assertThat(Conversions.lossless(DataType.UINT8, DataType.FP16)).isTrue();
        assertThat(Conversions.lossless(DataType.BOOL, DataType.INT8)).isFalse();
        assertThat(Conversions.lossless(DataType.BYTES, DataType.BYTES)).isTrue();
    }

    @Provide
    Arbitrary<DataType> types() {
        return Arbitraries.of(DataType.values());
    }

    /** Raw storage bits for every element type: every bit pattern is some value of the type. */
    private static Object randomData(DataType type, long seed, int n) {
        java.util.Random random = new java.util.Random(seed);
        Object data = Tensor.allocate(type, n);
        for (int i = 0; i < n; i++) {
            long bits = random.nextLong();
            switch (type) {
                case BOOL -> ((boolean[]) data)[i] = (bits & 1) == 1;
                case INT8, UINT8 -> ((byte[]) data)[i] = (byte) bits;
                case INT16, UINT16 -> ((short[]) data)[i] = (short) bits;
                case FP16 -> ((short[]) data)[i] = (short) (((bits & 0x7C00) == 0x7C00) ? bits & 0x83FF : bits);
                case INT32, UINT32 -> ((int[]) data)[i] = (int) bits;
                case INT64, UINT64 -> ((long[]) data)[i] = bits;
                case FP32 -> ((float[]) data)[i] = Float.intBitsToFloat((int) bits);
                case FP64 -> ((double[]) data)[i] = Double.longBitsToDouble(bits);
                case BYTES -> ((byte[][]) data)[i] = Long.toString(bits).getBytes();
            }
        }
        return data;
    }

    /** What lossless promises: every value converts, and converting back gives the same bits. */
    @Property
    void losslessConversionsRoundTrip(@ForAll("types") DataType from, @ForAll("types") DataType to,
            @ForAll long seed) {
        if (!Conversions.lossless(from, to)) {
            return;
        }
        Tensor original = Tensor.of(from, new long[] {8}, randomData(from, seed, 8));

        Tensor back = Conversions.convert(Conversions.convert(original, to, "x"), from, "x");

        assertThat(sameElements(back.data(), original.data())).isTrue();
    }

    /** Every other pair either converts or fails with a ValidationError naming the input. */
    @Property
    void anyConversionConvertsOrRejectsCleanly(@ForAll("types") DataType from, @ForAll("types") DataType to,
            @ForAll long seed) {
        Tensor original = Tensor.of(from, new long[] {4}, randomData(from, seed, 4));
        try {
            Tensor converted = Conversions.convert(original, to, "x");
            assertThat(converted.type()).isEqualTo(to);
        } catch (SluiceException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            assertThat(e.getMessage()).startsWith("input 'x': ").contains("element ");
        }
    }

    @Test
    void floatsBecomeIntegersOnlyWhenIntegral() {
        Tensor integral = Tensor.of(DataType.FP64, new long[] {3}, new double[] {2, 0x1p63, 3e18});
        assertThat(Conversions.convert(integral, DataType.UINT64, "x").longs()[1]).isEqualTo(Long.MIN_VALUE);
        assertThatThrownBy(() -> Conversions.convert(integral, DataType.UINT8, "x"))
                .hasMessageContaining("element 1").hasMessageContaining("out of range for UINT8");
        assertThatThrownBy(() -> Conversions.convert(Tensor.ofFloats(new long[] {1}, new float[] {Float.NaN}),
                DataType.INT32, "x")).hasMessageContaining("NaN is not an integer");
    }

    private static boolean sameElements(Object a, Object b) {
        if (a instanceof float[] fa) {
            return Arrays.equals(fa, (float[]) b);
        }
        if (a instanceof double[] da) {
            return Arrays.equals(da, (double[]) b);
        }
        if (a instanceof byte[][] sa) {
            return Arrays.deepEquals(sa, (byte[][]) b);
        }
        int n = Array.getLength(a);
        for (int i = 0; i < n; i++) {
            if (!Objects.equals(Array.get(a, i), Array.get(b, i))) {
                return false;
            }
        }
        return n == Array.getLength(b);
    }
}
