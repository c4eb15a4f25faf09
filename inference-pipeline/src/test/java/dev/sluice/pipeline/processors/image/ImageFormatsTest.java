package dev.sluice.pipeline.processors.image;

import static dev.sluice.pipeline.processors.image.TestImages.base64;
import static dev.sluice.pipeline.processors.image.TestImages.files;
import static dev.sluice.pipeline.processors.image.TestImages.jpeg;
import static dev.sluice.pipeline.processors.image.TestImages.multipart;
import static dev.sluice.pipeline.processors.image.TestImages.pattern;
import static dev.sluice.pipeline.processors.image.TestImages.png;
import static dev.sluice.pipeline.processors.image.TestImages.rgb;
import static dev.sluice.pipeline.processors.image.TestImages.run;
import static dev.sluice.pipeline.processors.image.TestImages.solid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.spi.ContainerProcessor;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way a request carries images, down to the pixels that come out. */
class ImageFormatsTest {
    /** UINT8 without resizing: the output is the decoded pixels themselves. */
    private final ContainerProcessor raw = TestImages.processor(Map.of("DTYPE", "UINT8", "LAYOUT", "NHWC"));
    private final BufferedImage picture = rgb(5, 3, TestImages::pattern);

    @ParameterizedTest
    @ValueSource(strings = {"image/png", "application/x-image", "application/octet-stream", "image/anything"})
    void aPngBodyIsDecodedLosslessly(String contentType) {
        Tensor out = run(raw, png(picture), contentType);

        assertThat(out.type()).isEqualTo(DataType.UINT8);
        assertThat(out.shape()).containsExactly(1, 3, 5, 3);
        assertPixelsExactly(out, 0, picture);
    }

    @Test
    void aJpegBodyIsDecodedWithinCompressionError() {
        BufferedImage smooth = rgb(16, 16, (x, y) -> (x * 16) << 16 | (y * 16) << 8 | 128);
        Tensor out = run(raw, jpeg(smooth), "image/jpeg");

        assertThat(out.shape()).containsExactly(1, 16, 16, 3);
        assertPixelsWithin(out, 0, smooth, 12);
    }

    @Test
    void theContentTypeMayCarryParametersAndAnyCase() {
        Tensor out = run(raw, png(picture), "Image/PNG; charset=binary");

        assertPixelsExactly(out, 0, picture);
    }

    @Test
    void aBodyWithoutContentTypeIsSniffed() {
        assertPixelsExactly(run(raw, png(picture), null), 0, picture);
        String json = "{\"images\": [\"" + base64(png(picture)) + "\"]}";
        assertPixelsExactly(run(raw, json.getBytes(StandardCharsets.UTF_8), null), 0, picture);
    }

    @Test
    void aMultipartBatchKeepsThePartOrder() {
        BufferedImage second = rgb(5, 3, (x, y) -> pattern(y, x));
        byte[] body = multipart(files("first.png", png(picture), "second.png", png(second)));

        Tensor out = run(raw, body, TestImages.multipartType());

        assertThat(out.shape()).containsExactly(2, 3, 5, 3);
        assertPixelsExactly(out, 0, picture);
        assertPixelsExactly(out, 1, second);
    }

    @Test
    void aMultipartBatchMayMixFormatsAndQuoteItsBoundary() {
        BufferedImage red = solid(4, 4, Color.RED);
        byte[] body = multipart(files("a.png", png(red), "b.jpg", jpeg(red)));
        String contentType = "multipart/form-data; charset=utf-8; boundary=\"" + TestImages.BOUNDARY + "\"";

        Tensor out = run(raw, body, contentType);

        assertThat(out.shape()).containsExactly(2, 4, 4, 3);
        assertPixelsWithin(out, 1, red, 6);
    }

    @Test
    void jsonInstancesWithB64AnswerInTheInstancesStyle() {
        BufferedImage second = solid(5, 3, Color.BLUE);
        String json = "{\"instances\": [{\"b64\": \"" + base64(png(picture)) + "\"}, {\"b64\": \""
                + base64(png(second)) + "\"}]}";

        DecodedPayload decoded = raw.decode(json.getBytes(StandardCharsets.UTF_8), "application/json");
        Tensor out = raw.process(decoded.inputs()).get("input");

        assertThat(decoded.hints()).containsEntry(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES);
        assertThat(out.shape()).containsExactly(2, 3, 5, 3);
        assertPixelsExactly(out, 0, picture);
        assertPixelsExactly(out, 1, second);
    }

    @Test
    void jsonInstancesMayNameTheInputOrBeBareStrings() {
        String json = "{\"instances\": [{\"image_bytes\": {\"b64\": \"" + base64(png(picture)) + "\"}}, \""
                + base64(png(picture)) + "\"]}";

        Tensor out = run(raw, json.getBytes(StandardCharsets.UTF_8), "application/json");

        assertPixelsExactly(out, 0, picture);
        assertPixelsExactly(out, 1, picture);
    }

    @Test
    void jsonImagesTakeBase64DataUrlsUrlSafeAlphabetAndLineBreaks() {
        byte[] png = png(picture);
        String mime = java.util.Base64.getMimeEncoder().encodeToString(png).replace("\r\n", "\\r\\n");
        String urlSafe = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(png);
        String json = "{\"images\": [\"" + base64(png) + "\", \"data:image/png;base64," + base64(png) + "\", \""
                + mime + "\", \"" + urlSafe + "\"]}";

        Tensor out = run(raw, json.getBytes(StandardCharsets.UTF_8), "application/json; charset=utf-8");

        assertThat(out.shape()).containsExactly(4, 3, 5, 3);
        for (int i = 0; i < 4; i++) {
            assertPixelsExactly(out, i, picture);
        }
    }

    @Test
    void otherJsonIsLeftToThePayloadCodecsAndItsBase64StringsStillWork() {
        String v2 = "{\"inputs\": [{\"name\": \"images\", \"datatype\": \"BYTES\", \"shape\": [1], \"data\": [\"x\"]}]}";
        assertThat(raw.decode(v2.getBytes(StandardCharsets.UTF_8), "application/json")).isNull();
        assertThat(raw.decode("1,2".getBytes(StandardCharsets.UTF_8), "text/csv")).isNull();

        // What the JSON codec makes of a base64 string for a BYTES input: the text itself, as UTF-8.
        byte[] text = ("data:image/png;base64," + base64(png(picture))).getBytes(StandardCharsets.US_ASCII);
        Tensor images = Tensor.ofStrings(new long[] {1}, new byte[][] {text});
        Tensor out = raw.process(Map.of("images", images)).get("input");

        assertPixelsExactly(out, 0, picture);
    }

    @Test
    void otherFormatsImageIoReadsWork() {
        for (String format : new String[] {"bmp", "gif", "tiff"}) {
            BufferedImage flat = solid(3, 2, new Color(10, 200, 30));
            Tensor out = run(raw, TestImages.encode(flat, format), "application/x-image");
            assertPixelsExactly(out, 0, flat);
        }
    }

    @Test
    void greyImagesKeepTheirSampleValues() {
        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 128);
        grey.getRaster().setSample(1, 0, 0, 7);

        Tensor out = run(raw, png(grey), "image/png");

        // getRGB() would answer 188 for 128: the JDK's grey colour space is linear.
        assertThat(out.bytes()).containsExactly(128, 128, 128, 7, 7, 7);
    }

    @Test
    void sixteenBitAndPalettePngsAreReadAsEightBitRgb() {
        BufferedImage sixteen = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        sixteen.getRaster().setSample(0, 0, 0, 0x8080);
        assertThat(run(raw, png(sixteen), "image/png").bytes()).containsExactly(128, 128, 128);

        BufferedImage palette = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED);
        palette.setRGB(0, 0, 0xff0000);
        palette.setRGB(1, 0, 0x0000ff);
        assertThat(run(raw, png(palette), "image/png").bytes()).containsExactly(255, 0, 0, 0, 0, 255);
    }

    @Test
    void alphaIsDroppedKeepingTheColourOfTransparentPixels() {
        BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x00102030);
        rgba.setRGB(1, 0, 0x80ff8000);

        assertThat(run(raw, png(rgba), "image/png").bytes()).containsExactly(0x10, 0x20, 0x30, 0xff, 0x80, 0x00);
    }

    @Test
    void anUnknownContentTypeIs415NamingWhatIsAccepted() {
        assertThatThrownBy(() -> raw.decode(png(picture), "video/mp4"))
                .isInstanceOfSatisfying(SluiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE);
                    assertThat(e.getMessage()).contains("video/mp4", "image/jpeg", "multipart/form-data", "b64");
                });
    }

    @Test
    void theFloatOutputOfAJpegIsNormalisedFromTheSamePixels() {
        BufferedImage red = solid(8, 8, new Color(200, 40, 40));
        ContainerProcessor normalised = TestImages.processor(Map.of("MEAN", "0.5", "STD", "0.5"));

        Tensor out = run(normalised, jpeg(red), "image/jpeg");

        assertThat(out.shape()).containsExactly(1, 3, 8, 8);
        float[] values = out.floats();
        assertThat(values[0]).isCloseTo((200 / 255f - 0.5f) / 0.5f, within(0.05f));
        assertThat(values[64]).isCloseTo((40 / 255f - 0.5f) / 0.5f, within(0.05f));
    }

    /** Image {@code index} of an NHWC UINT8 tensor equals the image's RGB pixels. */
    static void assertPixelsExactly(Tensor out, int index, BufferedImage expected) {
        assertPixelsWithin(out, index, expected, 0);
    }

    static void assertPixelsWithin(Tensor out, int index, BufferedImage expected, int tolerance) {
        int height = expected.getHeight();
        int width = expected.getWidth();
        byte[] bytes = out.bytes();
        int base = index * height * width * 3;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = expected.getRGB(x, y);
                int at = base + (y * width + x) * 3;
                int[] actual = {bytes[at] & 0xff, bytes[at + 1] & 0xff, bytes[at + 2] & 0xff};
                int[] wanted = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                for (int c = 0; c < 3; c++) {
                    assertThat(actual[c]).as("image %d pixel (%d, %d) channel %d", index, x, y, c)
                            .isCloseTo(wanted[c], within(tolerance));
                }
            }
        }
    }
}
