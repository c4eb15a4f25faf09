package dev.sluice.pipeline.processors.image;

import static dev.sluice.pipeline.processors.image.TestImages.base64;
import static dev.sluice.pipeline.processors.image.TestImages.files;
import static dev.sluice.pipeline.processors.image.TestImages.jpeg;
import static dev.sluice.pipeline.processors.image.TestImages.multipart;
import static dev.sluice.pipeline.processors.image.TestImages.png;
import static dev.sluice.pipeline.processors.image.TestImages.processor;
import static dev.sluice.pipeline.processors.image.TestImages.rgb;
import static dev.sluice.pipeline.processors.image.TestImages.run;
import static dev.sluice.pipeline.processors.image.TestImages.solid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.spi.ContainerProcessor;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Every bad input is a ValidationError whose message names the image and says what is wrong. */
class BadImagesTest {
    private final ContainerProcessor processor = processor(Map.of());
    private final byte[] png = png(rgb(64, 64, TestImages::pattern));

    @Test
    void bytesThatAreNoImage() {
        byte[] text = "hello, I am not a picture".getBytes(StandardCharsets.UTF_8);

        refused(() -> processor.decode(text, "image/png"))
                .hasMessageStartingWith("the request body is not an image in a format this server reads (")
                .hasMessageContaining("JPEG", "PNG")
                .hasMessageEndingWith("it starts with 0x68656c6c6f2c2049");
        refused(() -> processor.process(Map.of("images", ImageTransformTest.images(new byte[] {0, 1, 2}))))
                .hasMessageStartingWith("images[0] is not an image");
    }

    @Test
    void emptyBodiesPartsAndStrings() {
        refused(() -> processor.decode(new byte[0], "image/jpeg")).hasMessage("the request body is empty");
        refused(() -> processor.decode(multipart(files("a.png", png, "b.png", new byte[0])), TestImages.multipartType()))
                .hasMessage("image 1 (multipart part \"b.png\") is empty");
        refused(() -> decodeJson("{\"images\": [\"" + base64(png) + "\", \"  \"]}")).hasMessage("images[1] is empty");
        refused(() -> processor.process(Map.of("images", ImageTransformTest.images(png, new byte[0]))))
                .hasMessage("images[1] is empty");
    }

    @Test
    void aTruncatedPngIsFoundWhenItsPixelsAreDecoded() {
        byte[] truncated = Arrays.copyOf(png, png.length / 2);

        // The header is intact, so the cheap check in decode passes; the pixel data ends early.
        var decoded = processor.decode(truncated, "image/png");
        refused(() -> processor.process(decoded.inputs()))
                .hasMessageStartingWith("images[0] (PNG) cannot be decoded (truncated, corrupt or an unsupported "
                        + "variant): ");
    }

    @Test
    void aTruncatedJpegIsRefusedInsteadOfScoredAsGrey() {
        byte[] jpeg = jpeg(rgb(64, 64, TestImages::pattern));
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length - 200);

        var decoded = processor.decode(truncated, "image/jpeg");
        refused(() -> processor.process(decoded.inputs()))
                .hasMessageStartingWith("images[0] (JPEG) is truncated or corrupt: ");
        refused(() -> processor.decode(Arrays.copyOf(jpeg, 300), "image/jpeg"))
                .hasMessageStartingWith("the request body (JPEG) cannot be decoded (truncated, corrupt or an "
                        + "unsupported variant): ");
    }

    @Test
    void aCorruptPartOfABatchIsNamed() {
        byte[] body = multipart(files("ok.png", png, "broken.png", Arrays.copyOf(png, 20)));

        refused(() -> processor.decode(body, TestImages.multipartType()))
                .hasMessageStartingWith("image 1 (multipart part \"broken.png\") (PNG) cannot be decoded");
    }

    @Test
    void tooManyImagesForTheDefaultLimitOf64() {
        String one = "\"" + base64(png(solid(1, 1, Color.RED))) + "\"";
        String json = "{\"images\": [" + String.join(",", java.util.Collections.nCopies(65, one)) + "]}";

        refused(() -> decodeJson(json)).hasMessage("'images' holds 65 images, more than 64 (Environment.MAX_IMAGES)");
        String json64 = "{\"images\": [" + String.join(",", java.util.Collections.nCopies(64, one)) + "]}";
        assertThat(decodeJson(json64).inputs().get("images").shape()).containsExactly(64);
    }

    @Test
    void tooManyImagesForAConfiguredLimit() {
        ContainerProcessor two = processor(Map.of("MAX_IMAGES", "2"));
        byte[] tiny = png(solid(1, 1, Color.RED));

        refused(() -> two.decode(multipart(files("a", tiny, "b", tiny, "c", tiny)), TestImages.multipartType()))
                .hasMessage("multipart body has more than 2 images (Environment.MAX_IMAGES)");
        refused(() -> two.decode(("{\"instances\": [{\"b64\": \"" + base64(tiny) + "\"}, {\"b64\": \"x\"}, 3]}")
                .getBytes(StandardCharsets.UTF_8), "application/json"))
                .hasMessage("'instances' holds 3 images, more than 2 (Environment.MAX_IMAGES)");
        refused(() -> two.process(Map.of("images", ImageTransformTest.images(tiny, tiny, tiny))))
                .hasMessage("input 'images' holds 3 images, more than 2 (Environment.MAX_IMAGES)");
    }

    @Test
    void anImageOverMaxPixelsIsRefusedFromItsHeader() {
        ContainerProcessor small = processor(Map.of("MAX_PIXELS", "4000"));

        refused(() -> small.decode(png, "image/png"))
                .hasMessage("the request body (PNG) is 64x64 = 4096 pixels, more than the limit of 4000 "
                        + "(Environment.MAX_PIXELS)");
        refused(() -> small.decode(("{\"images\": [\"" + base64(png(solid(2, 2, Color.RED))) + "\", \""
                + base64(jpeg(solid(100, 41, Color.RED))) + "\"]}").getBytes(StandardCharsets.UTF_8), "application/json"))
                .hasMessage("images[1] (JPEG) is 100x41 = 4100 pixels, more than the limit of 4000 (Environment.MAX_PIXELS)");
        assertThat(run(processor(Map.of("MAX_PIXELS", "4096")), png, "image/png").shape()).containsExactly(1, 3, 64, 64);
    }

    @Test
    void aDecompressionBombIsRefusedBeforeAnyPixelIsAllocated() {
        byte[] bomb = TestImages.pngClaiming(100_000, 100_000);
        assertThat(bomb.length).isLessThan(1000);

        refused(() -> processor.decode(bomb, "image/png"))
                .hasMessage("the request body (PNG) is 100000x100000 = 10000000000 pixels, more than the limit of "
                        + "40000000 (Environment.MAX_PIXELS)");
        refused(() -> processor.process(Map.of("images", ImageTransformTest.images(png, bomb))))
                .hasMessageStartingWith("images[1] (PNG) is 100000x100000 = 10000000000 pixels");
        // 49 megapixels: a size ImageIO would allocate (49 MB) before finding the data short; the limit comes first.
        refused(() -> processor.decode(multipart(files("bomb.png", TestImages.pngClaiming(7000, 7000))),
                TestImages.multipartType()))
                .hasMessage("image 0 (multipart part \"bomb.png\") (PNG) is 7000x7000 = 49000000 pixels, more than the "
                        + "limit of 40000000 (Environment.MAX_PIXELS)");
    }

    @Test
    void anOutputOverTheTensorLimitIsRefusedBeforeDecoding() {
        ContainerProcessor large = processor(Map.of("MAX_PIXELS", "200000000"));
        byte[] claim = TestImages.pngClaiming(10_000, 10_000);

        refused(() -> large.process(Map.of("images", ImageTransformTest.images(claim))))
                .hasMessage("1 image of 10000x10000 would make an output of 300000000 values, more than 268435456; "
                        + "send fewer or smaller images, or set Environment.RESIZE or Environment.CROP");
    }

    @Test
    void badJsonEnvelopes() {
        refused(() -> decodeJson("{\"images\": [")).hasMessageStartingWith("body is not valid JSON");
        refused(() -> decodeJson("[1, 2]")).hasMessageStartingWith("JSON body must be an object");
        refused(() -> decodeJson("{\"images\": \"abc\"}")).hasMessage("'images' must be an array of images, got string");
        refused(() -> decodeJson("{\"instances\": []}")).hasMessage("'instances' holds no images");
        refused(() -> decodeJson("{\"instances\": [{\"b64\": \"" + base64(png) + "\"}, {\"image\": 3}]}"))
                .hasMessage("instances[1] must be a base64 string, a data URL or {\"b64\": \"<base64>\"}, got an "
                        + "object with fields [image]");
        refused(() -> decodeJson("{\"images\": [7]}")).hasMessageContaining("images[0] must be a base64 string");
        refused(() -> decodeJson("{\"images\": [\"not base64!\"]}"))
                .hasMessageStartingWith("images[0] is not valid base64: ");
        refused(() -> decodeJson("{\"images\": [\"data:image/png,%89PNG\"]}"))
                .hasMessageStartingWith("images[0] is a data URL that is not base64-encoded");
        refused(() -> decodeJson("{\"images\": [\"" + base64("plain text".getBytes(StandardCharsets.UTF_8)) + "\"]}"))
                .hasMessageStartingWith("images[0] is not an image");
    }

    @Test
    void aTensorOfTheWrongTypeIsNamed() {
        Tensor numbers = Tensor.ofFloats(new long[] {2}, new float[] {1, 2});

        refused(() -> processor.process(Map.of("images", numbers)))
                .hasMessage("input 'images' must be BYTES (encoded images) but got FP32 [2]");
        refused(() -> processor.process(Map.of("images", ImageTransformTest.images())))
                .hasMessage("input 'images' holds no images");
    }

    private dev.sluice.core.codec.DecodedPayload decodeJson(String json) {
        return processor.decode(json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> refused(ThrowingCallable call) {
        return assertThatThrownBy(call).isInstanceOfSatisfying(SluiceException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR));
    }
}
