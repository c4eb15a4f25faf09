package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ResponseComparatorTest {
    private static final double TOL = 1e-4;

    private static boolean same(String a, String b) {
        return ResponseComparator.equivalent(bytes(a), bytes(b), TOL);
    }

    @Test
    void identicalBytesAreEquivalentEvenWhenNotText() {
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 1};
        assertThat(ResponseComparator.equivalent(binary, binary.clone(), 0.0)).isTrue();
        assertThat(ResponseComparator.equivalent(binary, new byte[] {(byte) 0xff, 0, (byte) 0xfe, 2}, TOL)).isFalse();
    }

    @Test
    void jsonNumbersCompareWithinRelativeTolerance() {
        assertThat(same("{\"score\": 0.5}", "{\"score\":0.50004}")).isTrue();
        assertThat(same("{\"score\": 0.5}", "{\"score\":0.5002}")).isFalse();
        // Relative for large magnitudes, absolute near zero.
        assertThat(same("[123456.0]", "[123460.0]")).isTrue();
        assertThat(same("[1e-9]", "[5e-5]")).isTrue();
        assertThat(same("[1e-9]", "[2e-4]")).isFalse();
        // Integers and decimals of equal value are equal.
        assertThat(same("[1, 2]", "[1.0, 2.0]")).isTrue();
    }

    @Test
    void nestedStructuresCompareElementByElement() {
        assertThat(same("{\"predictions\":[[0.1,0.9],[0.7,0.3]]}", "{\"predictions\": [[0.10001, 0.9], [0.7, 0.29999]]}"))
                .isTrue();
        assertThat(same("{\"predictions\":[[0.1,0.9],[0.7,0.3]]}", "{\"predictions\":[[0.1,0.9],[0.3,0.7]]}"))
                .isFalse();
        assertThat(same("{\"a\":1,\"b\":{\"c\":[true,null]}}", "{\"b\":{\"c\":[true,null]},\"a\":1}")).isTrue();
    }

    @Test
    void differentLengthsOrKeysDiffer() {
        assertThat(same("[1,2,3]", "[1,2]")).isFalse();
        assertThat(same("[[1,2],[3]]", "[[1,2],[3,4]]")).isFalse();
        assertThat(same("{\"a\":1}", "{\"a\":1,\"b\":2}")).isFalse();
        assertThat(same("{\"a\":1}", "{\"b\":1}")).isFalse();
    }

    @Test
    void stringsBooleansAndNullsCompareExactly() {
        assertThat(same("{\"label\":\"cat\"}", "{\"label\":\"Cat\"}")).isFalse();
        assertThat(same("{\"label\":\"0.5\"}", "{\"label\":\"0.50001\"}")).isFalse();
        assertThat(same("[\"0.5\"]", "[0.5]")).isFalse();
        assertThat(same("[true]", "[false]")).isFalse();
        assertThat(same("[null]", "[0]")).isFalse();
    }

    @Test
    void nanEqualsOnlyNan() {
        assertThat(same("[NaN, 1]", "[NaN, 1.00001]")).isTrue();
        assertThat(same("[NaN]", "[0.0]")).isFalse();
        assertThat(same("[1e308]", "[Infinity]")).isFalse();
        assertThat(same("[-Infinity]", "[-Infinity ]")).isTrue();
        assertThat(ResponseComparator.numbersEquivalent(Double.NaN, 1.0, 1.0)).isFalse();
        assertThat(ResponseComparator.numbersEquivalent(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.0)).isFalse();
    }

    @Test
    void csvOfNumbersComparesCellByCell() {
        assertThat(same("0.1,0.9\n0.7,0.3\n", "0.10001, 0.9\r\n0.7,0.3")).isTrue();
        assertThat(same("0.1,0.9\n0.7,0.3", "0.1,0.9\n0.7,0.4")).isFalse();
        assertThat(same("0.1,0.9\n0.7,0.3", "0.1,0.9")).isFalse();
        assertThat(same("0.1,0.9", "0.1,0.9,0.0")).isFalse();
        assertThat(same("nan,inf,-1e3", "NaN,Infinity,-1000.0")).isTrue();
        // Text that is not all numbers falls back to byte equality.
        assertThat(same("cat,0.9", "cat,0.90001")).isFalse();
    }

    @Test
    void jsonLinesCompareLineByLine() {
        assertThat(same("{\"s\":0.5}\n{\"s\":0.25}\n", "{\"s\":0.50001}\n{\"s\":0.25}")).isTrue();
        assertThat(same("{\"s\":0.5}\n{\"s\":0.25}", "{\"s\":0.5}\n{\"s\":0.3}")).isFalse();
        assertThat(same("{\"s\":0.5}\n{\"s\":0.25}", "{\"s\":0.5}")).isFalse();
    }

    @Test
    void differentFormatsDiffer() {
        assertThat(same("[0.1,0.9]", "0.1,0.9")).isFalse();
        assertThat(same("hello", "hello ")).isFalse();
        assertThat(same("", "0")).isFalse();
    }

    @Test
    void toleranceMustBeSane() {
        assertThatThrownBy(() -> ResponseComparator.equivalent(bytes("1"), bytes("1"), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance");
        assertThatThrownBy(() -> ResponseComparator.equivalent(bytes("1"), bytes("1"), Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void everyBodyIsEquivalentToItself(@ForAll byte[] body) {
        assertThat(ResponseComparator.equivalent(body, body.clone(), 0.0)).isTrue();
    }

    @Property
    void jsonArraysWithinToleranceAreEquivalentBothWays(
            @ForAll @Size(min = 1, max = 20) List<@DoubleRange(min = -1e6, max = 1e6) Double> values,
            @ForAll @DoubleRange(min = -0.5, max = 0.5) double nudge) {
        StringBuilder a = new StringBuilder("[");
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            double v = values.get(i);
            // A relative change of at most half the tolerance: always equivalent.
            double w = v + nudge * TOL * Math.max(1.0, Math.abs(v));
            a.append(i == 0 ? "" : ",").append(v);
            b.append(i == 0 ? "" : ",").append(w);
        }
        a.append(']');
        b.append(']');
        assertThat(same(a.toString(), b.toString())).isTrue();
        assertThat(same(b.toString(), a.toString())).isTrue();
        // As CSV too.
        String csvA = a.substring(1, a.length() - 1);
        String csvB = b.substring(1, b.length() - 1);
        assertThat(same(csvA, csvB)).isTrue();
    }
}
