package dev.sluice.core.codec.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class Utf8Test {
    /** The JDK's decoder, set to report instead of replace, is strict RFC 3629 UTF-8. */
    private static boolean jdkAccepts(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Provide
    Arbitrary<byte[]> mostlyUtf8() {
        // High bytes that start, continue or break multi-byte sequences, among ASCII.
        Arbitrary<Byte> bytes = Arbitraries.oneOf(Arbitraries.bytes(), Arbitraries.of((byte) 0x80, (byte) 0xBF,
                (byte) 0xC0, (byte) 0xC2, (byte) 0xDF, (byte) 0xE0, (byte) 0xED, (byte) 0xEF, (byte) 0xF0,
                (byte) 0xF4, (byte) 0xF5, (byte) 0x9F, (byte) 0xA0, (byte) 0x8F, (byte) 0x90, (byte) 'a'));
        Arbitrary<byte[]> random = bytes.list().ofMaxSize(12).map(l -> {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = l.get(i);
            }
            return b;
        });
        Arbitrary<byte[]> valid = Arbitraries.integers().between(0, 0x10FFFF).filter(c -> c < 0xD800 || c > 0xDFFF)
                .list().ofMaxSize(4).map(cps -> {
                    StringBuilder sb = new StringBuilder();
                    cps.forEach(sb::appendCodePoint);
                    return sb.toString().getBytes(StandardCharsets.UTF_8);
                });
        return Arbitraries.oneOf(random, valid);
    }

    @Property
    void agreesWithTheJdksStrictDecoder(@ForAll("mostlyUtf8") byte[] bytes) {
        assertThat(Utf8.firstInvalid(bytes, 0, bytes.length) < 0).isEqualTo(jdkAccepts(bytes));
    }

    @Test
    void pointsAtTheFirstBadSequence() {
        assertThat(Utf8.firstInvalid(new byte[] {'a', (byte) 0xC3, (byte) 0xA9, (byte) 0xC3, 'b'}, 0, 5)).isEqualTo(3);
        assertThat(Utf8.firstInvalid(new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, 0, 3)).isZero(); // overlong
        assertThat(Utf8.firstInvalid(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}, 0, 4))
                .isEqualTo(-1);
    }
}
