package dev.sluice.pipeline.processors.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.SluiceException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class MultipartFormDataTest {
    private static final String B = "xYzZY";

    @Test
    void readsPartsWithPreambleEpilogueAndPadding() {
        String body = "This is the preamble, ignored.\r\n"
                + "--" + B + "  \t\r\n"
                + "Content-Disposition: form-data; name=\"first\"; filename=\"a;b \\\"c\\\".png\"\r\n"
                + "Content-Type: image/png\r\n\r\n"
                + "one\r\n--not-the-boundary\r\n"
                + "\r\n--" + B + "\r\n"
                + "content-disposition: form-data; name=second\r\n\r\n"
                + "\r\n"
                + "\r\n--" + B + "\r\n"
                + "\r\n"
                + "three"
                + "\r\n--" + B + "--\r\nepilogue, ignored";

        List<MultipartFormData.Part> parts = MultipartFormData.parse(bytes(body), B, 10);

        assertThat(parts).hasSize(3);
        assertThat(parts.get(0).name()).isEqualTo("first");
        assertThat(parts.get(0).filename()).isEqualTo("a;b \"c\".png");
        assertThat(parts.get(0).contentType()).isEqualTo("image/png");
        assertThat(parts.get(0).content()).isEqualTo(bytes("one\r\n--not-the-boundary\r\n"));
        assertThat(parts.get(1).name()).isEqualTo("second");
        assertThat(parts.get(1).filename()).isNull();
        assertThat(parts.get(1).content()).isEqualTo(bytes("\r\n"));
        assertThat(parts.get(2).name()).isNull();
        assertThat(parts.get(2).content()).isEqualTo(bytes("three"));
        assertThat(parts.get(0).label(0)).isEqualTo("image 0 (multipart part \"a;b \"c\".png\")");
        assertThat(parts.get(1).label(1)).isEqualTo("image 1 (multipart part \"second\")");
        assertThat(parts.get(2).label(2)).isEqualTo("image 2 (multipart part 2)");
    }

    @Test
    void theBoundaryComesFromTheContentType() {
        assertThat(MultipartFormData.boundary("multipart/form-data; boundary=abc")).isEqualTo("abc");
        assertThat(MultipartFormData.boundary("multipart/form-data;charset=utf-8;BOUNDARY=\"a b:c\"")).isEqualTo("a b:c");
        assertThatThrownBy(() -> MultipartFormData.boundary("multipart/form-data"))
                .isInstanceOf(SluiceException.class).hasMessageContaining("needs a boundary parameter");
        assertThatThrownBy(() -> MultipartFormData.boundary("multipart/form-data; boundary=" + "b".repeat(71)))
                .isInstanceOf(SluiceException.class).hasMessageContaining("71 characters; it must have 1 to 70");
    }

    @Test
    void malformedBodiesAreValidationErrors() {
        assertThatThrownBy(() -> MultipartFormData.parse(bytes("no boundary here"), B, 10))
                .isInstanceOf(SluiceException.class).hasMessage("multipart body does not contain its boundary '--xYzZY'");
        assertThatThrownBy(() -> MultipartFormData.parse(bytes("--" + B + "\r\n\r\nhalf an ima"), B, 10))
                .hasMessage("multipart part 0 is not followed by a boundary: the body ends inside it (truncated?)");
        assertThatThrownBy(() -> MultipartFormData.parse(bytes("--" + B + "\r\n\r\nx\r\n--" + B), B, 10))
                .hasMessage("multipart body ends before its closing boundary '--xYzZY--' (truncated?)");
        assertThatThrownBy(() -> MultipartFormData.parse(bytes("--" + B + "\r\nContent-Type: a"), B, 10))
                .hasMessageStartingWith("multipart part 0 has no end of headers");
        assertThatThrownBy(() -> MultipartFormData.parse(bytes("--" + B + "junk\r\n\r\nx\r\n--" + B + "--"), B, 10))
                .hasMessage("multipart boundary before part 0 is not followed by CRLF");
        assertThatThrownBy(() -> MultipartFormData.parse(bytes("--" + B + "--\r\n"), B, 10))
                .hasMessage("multipart body has no parts");
        assertThatThrownBy(() -> MultipartFormData.parse(bytes("--" + B + "\r\n\r\n1\r\n--" + B + "\r\n\r\n2\r\n--" + B
                + "--"), B, 1))
                .hasMessage("multipart body has more than 1 images (Environment.MAX_IMAGES)");
    }

    @Property(tries = 200)
    void anyPartContentRoundTrips(@ForAll @Size(min = 1, max = 5) List<@From("contents") byte[]> contents) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < contents.size(); i++) {
            body.writeBytes(bytes("--" + B + "\r\nContent-Disposition: form-data; name=\"f" + i + "\"\r\n\r\n"));
            body.writeBytes(contents.get(i));
            body.writeBytes(bytes("\r\n"));
        }
        body.writeBytes(bytes("--" + B + "--"));

        List<MultipartFormData.Part> parts = MultipartFormData.parse(body.toByteArray(), B, 10);

        assertThat(parts).hasSize(contents.size());
        for (int i = 0; i < contents.size(); i++) {
            assertThat(parts.get(i).content()).isEqualTo(contents.get(i));
            assertThat(parts.get(i).name()).isEqualTo("f" + i);
        }
    }

    /** Bytes rich in CR, LF and dashes, the characters a boundary search could trip over (never the delimiter). */
    @Provide
    Arbitrary<byte[]> contents() {
        return Arbitraries.of((byte) '\r', (byte) '\n', (byte) '-', (byte) 'x', (byte) 'Y', (byte) 0, (byte) 0xff)
                .list().ofMaxSize(64)
                .map(list -> {
                    byte[] bytes = new byte[list.size()];
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = list.get(i);
                    }
                    return bytes;
                })
                .filter(b -> MultipartFormData.indexOf(b, bytes("\r\n--" + B), 0) < 0);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
