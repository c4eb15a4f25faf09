package dev.sluice.pipeline.processors.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.pipeline.processors.image.ImageOptions.Channels;
import java.awt.image.BufferedImage;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ResamplerTest {

    @Property(tries = 100)
    void tapWeightsOfEveryOutputPixelSumToOne(@ForAll @IntRange(min = 1, max = 300) int in,
                                              @ForAll @IntRange(min = 1, max = 300) int out) {
        Resampler.Taps taps = Resampler.taps(in, out, 0, out);
        for (int i = 0; i < out; i++) {
            double sum = 0;
            for (int k = 0; k < taps.count()[i]; k++) {
                sum += taps.weights()[i * taps.stride() + k];
                assertThat(taps.weights()[i * taps.stride() + k]).isGreaterThanOrEqualTo(0);
            }
            assertThat(sum).isCloseTo(1.0, within(1e-9));
            assertThat(taps.first()[i]).isBetween(0, in - 1);
            assertThat(taps.first()[i] + taps.count()[i]).isLessThanOrEqualTo(in);
        }
    }

    @Property(tries = 60)
    void aSolidImageStaysSolidThroughAnyResizeAndCrop(@ForAll @IntRange(min = 1, max = 40) int width,
                                                      @ForAll @IntRange(min = 1, max = 40) int height,
                                                      @ForAll @IntRange(min = 1, max = 50) int resizedWidth,
                                                      @ForAll @IntRange(min = 1, max = 50) int resizedHeight,
                                                      @ForAll @IntRange(min = 0, max = 255) int level) {
        BufferedImage image = TestImages.rgb(width, height, (x, y) -> level << 16 | (255 - level) << 8 | 7);
        int cropWidth = (resizedWidth + 1) / 2;
        int cropHeight = (resizedHeight + 1) / 2;

        float[] out = Resampler.resizeAndCrop(new PixelRows(image, Channels.RGB), 3, resizedWidth, resizedHeight,
                resizedWidth - cropWidth, 0, cropWidth, cropHeight);

        assertThat(out).hasSize(cropWidth * cropHeight * 3);
        for (int i = 0; i < out.length; i += 3) {
            assertThat(out[i]).isCloseTo(level, within(1e-3f));
            assertThat(out[i + 1]).isCloseTo(255 - level, within(1e-3f));
            assertThat(out[i + 2]).isCloseTo(7f, within(1e-3f));
        }
    }

    @Test
    void sameSizeIsACopyOfTheCropWindow() {
        BufferedImage image = TestImages.rgb(4, 3, TestImages::pattern);

        float[] out = Resampler.resizeAndCrop(new PixelRows(image, Channels.GRAY), 1, 4, 3, 1, 1, 2, 2);

        assertThat(out).containsExactly(luma(image, 1, 1), luma(image, 2, 1), luma(image, 1, 2), luma(image, 2, 2));
    }

    @Test
    void aSmoothGradientIsPreservedWhenHalved() {
        // A linear ramp stays linear under a symmetric filter away from the edges.
        BufferedImage ramp = TestImages.rgb(64, 1, (x, y) -> (x * 4) << 16);

        float[] out = Resampler.resizeAndCrop(new PixelRows(ramp, Channels.RGB), 3, 32, 1, 0, 0, 32, 1);

        for (int x = 2; x < 30; x++) {
            assertThat(out[x * 3]).as("x=%d", x).isCloseTo(x * 8 + 2f, within(1e-3f));
        }
    }

    private static float luma(BufferedImage image, int x, int y) {
        int rgb = image.getRGB(x, y);
        return PixelRows.luma((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    }
}
