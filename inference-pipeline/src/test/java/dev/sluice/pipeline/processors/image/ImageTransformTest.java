package dev.sluice.pipeline.processors.image;

import static dev.sluice.pipeline.processors.image.TestImages.files;
import static dev.sluice.pipeline.processors.image.TestImages.multipart;
import static dev.sluice.pipeline.processors.image.TestImages.pattern;
import static dev.sluice.pipeline.processors.image.TestImages.png;
import static dev.sluice.pipeline.processors.image.TestImages.processor;
import static dev.sluice.pipeline.processors.image.TestImages.rgb;
import static dev.sluice.pipeline.processors.image.TestImages.run;
import static dev.sluice.pipeline.processors.image.TestImages.solid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.spi.ContainerProcessor;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Resize, crop, channel order, normalisation and layout, on generated images with known pixels. */
class ImageTransformTest {

    @Test
    void resizeToOneNumberScalesTheShorterSideAndTruncatesTheLonger() {
        ContainerProcessor resize = processor(Map.of("RESIZE", "7"));

        assertThat(run(resize, png(solid(30, 20, Color.GRAY)), "image/png").shape()).containsExactly(1, 3, 7, 10);
        assertThat(run(resize, png(solid(20, 30, Color.GRAY)), "image/png").shape()).containsExactly(1, 3, 10, 7);
        assertThat(run(resize, png(solid(5, 5, Color.GRAY)), "image/png").shape()).containsExactly(1, 3, 7, 7);
        assertThat(resize.signature().outputs()).containsExactly(
                new TensorSpec("input", DataType.FP32, new long[] {-1, 3, -1, -1}));
    }

    @Test
    void resizeToWidthByHeightIgnoresTheAspectRatio() {
        ContainerProcessor resize = processor(Map.of("RESIZE", "12x8"));

        assertThat(run(resize, png(solid(30, 20, Color.GRAY)), "image/png").shape()).containsExactly(1, 3, 8, 12);
        assertThat(run(resize, png(solid(3, 90, Color.GRAY)), "image/png").shape()).containsExactly(1, 3, 8, 12);
        assertThat(resize.signature().outputs().get(0).shape()).containsExactly(-1, 3, 8, 12);
    }

    @Test
    void cropTakesTheCentreRoundingOffsetsHalfToEvenAsTorchvision() {
        BufferedImage source = rgb(7, 4, TestImages::pattern);
        ContainerProcessor crop = processor(Map.of("CROP", "2", "DTYPE", "UINT8", "LAYOUT", "NHWC"));

        Tensor out = run(crop, png(source), "image/png");

        // (7 - 2) / 2 = 2.5 → 2 and (4 - 2) / 2 = 1.
        assertThat(out.shape()).containsExactly(1, 2, 2, 3);
        ImageFormatsTest.assertPixelsExactly(out, 0, source.getSubimage(2, 1, 2, 2));

        Tensor wide = run(processor(Map.of("CROP", "4x1", "DTYPE", "UINT8", "LAYOUT", "NHWC")), png(source), "image/png");
        // (7 - 4) / 2 = 1.5 → 2 and (4 - 1) / 2 = 1.5 → 2.
        ImageFormatsTest.assertPixelsExactly(wide, 0, source.getSubimage(2, 2, 4, 1));
    }

    @Test
    void resizeThenCropGivesTheCropSizeForAnyAspectRatio() {
        ContainerProcessor resizeCrop = processor(Map.of("RESIZE", "40", "CROP", "32"));
        byte[] body = multipart(files("wide.png", png(solid(120, 60, Color.RED)),
                "tall.png", png(solid(50, 200, Color.GREEN)), "square.png", png(solid(32, 32, Color.BLUE))));

        Tensor out = run(resizeCrop, body, TestImages.multipartType());

        assertThat(out.shape()).containsExactly(3, 3, 32, 32);
        assertThat(resizeCrop.signature().outputs().get(0).shape()).containsExactly(-1, 3, 32, 32);
        float[] v = out.floats();
        int plane = 32 * 32;
        // A solid image stays solid through the resampler: red, green, blue in the images' own channel.
        assertThat(v[0]).isCloseTo(1f, within(1e-5f));
        assertThat(v[plane]).isCloseTo(0f, within(1e-5f));
        assertThat(v[3 * plane + plane + 500]).isCloseTo(1f, within(1e-5f));
        assertThat(v[6 * plane + 2 * plane + 1023]).isCloseTo(1f, within(1e-5f));
    }

    @Test
    void upscalingIsBilinearOverHalfPixelCentres() {
        BufferedImage ramp = rgb(2, 1, (x, y) -> x == 0 ? 0 : 0xffffff);
        ContainerProcessor resize = processor(Map.of("RESIZE", "4x1", "SCALE", "1", "CHANNELS", "GRAY"));

        Tensor out = run(resize, png(ramp), "image/png");

        assertThat(out.floats()).containsExactly(new float[] {0f, 63.75f, 191.25f, 255f}, within(1e-4f));
    }

    @Test
    void downscalingAveragesLikePillowsAntialiasedBilinear() {
        BufferedImage steps = rgb(4, 1, (x, y) -> x < 2 ? 0 : 0xffffff);
        ContainerProcessor resize = processor(Map.of("RESIZE", "2x1", "SCALE", "1", "CHANNELS", "GRAY"));

        Tensor out = run(resize, png(steps), "image/png");

        // Pillow: Image.frombytes("L", (4, 1), bytes([0, 0, 255, 255])).resize((2, 1), BILINEAR) → [36, 219].
        assertThat(out.floats()).containsExactly(new float[] {255f * 0.25f / 1.75f, 255f * 1.5f / 1.75f},
                within(1e-3f));
    }

    /**
     * Expected values from Pillow 9.4: each channel of the 9×7 pattern as a mode "F" image,
     * {@code .resize((w, h), Image.BILINEAR)} (float mode, so Pillow does not round to 8 bits in between).
     */
    @Test
    void resizingMatchesPillowsBilinearDownAndUp() {
        byte[] source = png(rgb(9, 7, TestImages::pattern));

        float[] down = run(processor(Map.of("RESIZE", "4x3", "SCALE", "1")), source, "image/png").floats();
        assertThat(java.util.Arrays.copyOfRange(down, 0, 12)).containsExactly(new float[] {
                40.0857f, 115.0139f, 181.1115f, 69.9714f, 63.6571f, 138.5854f, 184.4821f, 78.4840f, 87.2286f,
                162.1568f, 159.5714f, 65.9143f}, within(1e-3f));
        assertThat(java.util.Arrays.copyOfRange(down, 12, 24)).containsExactly(new float[] {
                89.5714f, 99.6969f, 111.1603f, 121.2857f, 150.2218f, 137.9742f, 149.4376f, 159.5630f, 81.0898f,
                70.8397f, 82.3031f, 92.4286f}, within(1e-3f));

        float[] up = run(processor(Map.of("RESIZE", "13x10", "SCALE", "1")), source, "image/png").floats();
        assertThat(java.util.Arrays.copyOfRange(up, 0, 12)).containsExactly(new float[] {
                0.0000f, 19.9231f, 45.5385f, 71.1538f, 96.7692f, 122.3846f, 148.0000f, 173.6154f, 199.2308f,
                205.1538f, 53.5385f, 20.0769f}, within(1e-3f));
        assertThat(java.util.Arrays.copyOfRange(up, 130, 142)).containsExactly(new float[] {
                40.0000f, 42.6923f, 46.1538f, 49.6154f, 53.0769f, 56.5385f, 60.0000f, 63.4615f, 66.9231f,
                70.3846f, 73.8462f, 77.3077f}, within(1e-3f));
    }

    @Test
    void meanAndStdApplyPerChannelAfterTheScale() {
        BufferedImage pixel = rgb(1, 1, (x, y) -> 255 << 16 | 0 << 8 | 51);
        ContainerProcessor normalise = processor(Map.of("MEAN", "0.5, 0.25, 0", "STD", "0.5,0.25,2"));

        Tensor out = run(normalise, png(pixel), "image/png");

        assertThat(out.floats()).containsExactly(new float[] {1f, -1f, 0.1f}, within(1e-6f));
    }

    @Test
    void imagenetNormalisationGivesExactlyTheFormulaForEveryPixel() {
        BufferedImage source = rgb(6, 5, TestImages::pattern);
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        ContainerProcessor normalise = processor(Map.of("MEAN", "0.485,0.456,0.406", "STD", "0.229,0.224,0.225"));

        float[] out = run(normalise, png(source), "image/png").floats();

        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 6; x++) {
                    int value = (pattern(x, y) >> (16 - 8 * c)) & 0xff;
                    float expected = (value * (1f / 255f) - mean[c]) / std[c];
                    assertThat(out[(c * 5 + y) * 6 + x]).as("c=%d x=%d y=%d", c, x, y).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void scaleMayBeAFractionAndMeanOneNumberForAllChannels() {
        BufferedImage pixel = rgb(1, 1, (x, y) -> 100 << 16 | 200 << 8 | 250);
        Tensor out = run(processor(Map.of("SCALE", "2/100", "MEAN", "1")), png(pixel), "image/png");

        assertThat(out.floats()).containsExactly(new float[] {1f, 3f, 4f}, within(1e-5f));
    }

    @Test
    void nhwcAndNchwHoldTheSameValuesInTheirOrder() {
        byte[] body = multipart(files("a.png", png(rgb(5, 3, TestImages::pattern)),
                "b.png", png(rgb(5, 3, (x, y) -> pattern(x + 9, y + 2)))));
        Tensor nchw = run(processor(Map.of()), body, TestImages.multipartType());
        Tensor nhwc = run(processor(Map.of("LAYOUT", "nhwc")), body, TestImages.multipartType());

        assertThat(nchw.shape()).containsExactly(2, 3, 3, 5);
        assertThat(nhwc.shape()).containsExactly(2, 3, 5, 3);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 5; x++) {
                        assertThat(nhwc.floats()[((n * 3 + y) * 5 + x) * 3 + c])
                                .isEqualTo(nchw.floats()[((n * 3 + c) * 3 + y) * 5 + x]);
                    }
                }
            }
        }
        assertThat(processor(Map.of("LAYOUT", "NHWC", "CROP", "4x2")).signature().outputs().get(0).shape())
                .containsExactly(-1, 2, 4, 3);
    }

    @Test
    void bgrReversesTheChannelsAndMeanFollowsTheOutputOrder() {
        BufferedImage pixel = rgb(1, 1, (x, y) -> 10 << 16 | 20 << 8 | 30);
        Tensor out = run(processor(Map.of("CHANNELS", "BGR", "SCALE", "1", "MEAN", "1,2,3")), png(pixel), "image/png");

        assertThat(out.floats()).containsExactly(29f, 18f, 7f);
    }

    @Test
    void grayIsBt601LumaWithOneChannel() {
        BufferedImage pixels = rgb(2, 1, (x, y) -> x == 0 ? 100 << 16 | 150 << 8 | 200 : 0x404040);
        ContainerProcessor gray = processor(Map.of("CHANNELS", "GRAY", "SCALE", "1"));

        Tensor out = run(gray, png(pixels), "image/png");

        assertThat(out.shape()).containsExactly(1, 1, 1, 2);
        assertThat(out.floats()[0]).isCloseTo(0.299f * 100 + 0.587f * 150 + 0.114f * 200, within(1e-3f));
        assertThat(out.floats()[1]).isEqualTo(64f);
        assertThat(gray.signature().outputs().get(0).shape()).containsExactly(-1, 1, -1, -1);
        assertThatThrownBy(() -> processor(Map.of("CHANNELS", "GRAY", "MEAN", "0.1,0.2,0.3")))
                .hasMessageContaining("Environment.MEAN must hold one number (for the single GRAY channel), got 3");
    }

    @Test
    void uint8PassesPixelsUnchangedAndRoundsResampledOnes() {
        BufferedImage ramp = rgb(2, 1, (x, y) -> x == 0 ? 0 : 0xffffff);
        Tensor out = run(processor(Map.of("RESIZE", "4x1", "DTYPE", "UINT8", "CHANNELS", "GRAY")), png(ramp),
                "image/png");

        assertThat(out.type()).isEqualTo(DataType.UINT8);
        assertThat(out.bytes()).containsExactly(0, 64, 191, 255);
    }

    @Test
    void theOutputNameIsConfigurable() {
        ContainerProcessor named = processor(Map.of("OUTPUT", "pixel_values"));

        assertThat(named.process(Map.of("images", images(png(solid(2, 2, Color.RED)))))).containsOnlyKeys("pixel_values");
        assertThat(named.signature().inputs()).containsExactly(new TensorSpec("images", DataType.BYTES, new long[] {-1}));
    }

    @Test
    void aBatchOfDifferentSizesNeedsACropOrAnExactResize() {
        byte[] body = multipart(files("a.png", png(solid(8, 6, Color.RED)), "b.png", png(solid(6, 8, Color.RED))));

        assertThatThrownBy(() -> run(processor(Map.of()), body, TestImages.multipartType()))
                .isInstanceOfSatisfying(SluiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR))
                .hasMessageContaining("images[0] (8x6) becomes 8x6 but images[1] (6x8) becomes 6x8")
                .hasMessageContaining("Environment.CROP");
        assertThatThrownBy(() -> run(processor(Map.of("RESIZE", "4")), body, TestImages.multipartType()))
                .hasMessageContaining("becomes 5x4 but images[1] (6x8) becomes 4x5");
        assertThat(run(processor(Map.of("RESIZE", "4", "CROP", "4")), body, TestImages.multipartType()).shape())
                .containsExactly(2, 3, 4, 4);
        assertThat(run(processor(Map.of("RESIZE", "3x3")), body, TestImages.multipartType()).shape())
                .containsExactly(2, 3, 3, 3);
    }

    @Test
    void aCropLargerThanTheImageIsRefusedNamingTheImage() {
        byte[] body = multipart(files("a.png", png(solid(40, 40, Color.RED)), "b.png", png(solid(20, 40, Color.RED))));

        assertThatThrownBy(() -> run(processor(Map.of("CROP", "32")), body, TestImages.multipartType()))
                .isInstanceOf(SluiceException.class)
                .hasMessage("images[1] is 20x40; smaller than CROP 32x32");
        assertThatThrownBy(() -> run(processor(Map.of("RESIZE", "16x16", "CROP", "32")), body,
                TestImages.multipartType()))
                .hasMessage("images[0] is 40x40; after RESIZE 16x16 it is 16x16, smaller than CROP 32x32");
    }

    static Tensor images(byte[]... encoded) {
        return Tensor.ofStrings(new long[] {encoded.length}, encoded);
    }
}
