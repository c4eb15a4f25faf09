package dev.sluice.pipeline.processors.image;

import static dev.sluice.pipeline.processors.image.TestImages.processor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.tensor.DataType;
import dev.sluice.pipeline.spi.ProcessorContext;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every option error is an IllegalArgumentException naming the container and the Environment key. */
class ImageOptionsTest {

    @Test
    void defaults() {
        ImageOptions options = ImageOptions.from(context(Map.of()));

        assertThat(options.resize()).isNull();
        assertThat(options.crop()).isNull();
        assertThat(options.scale()).isEqualTo(1f / 255f);
        assertThat(options.mean()).containsExactly(0f, 0f, 0f);
        assertThat(options.std()).containsExactly(1f, 1f, 1f);
        assertThat(options.layout()).isEqualTo(ImageOptions.Layout.NCHW);
        assertThat(options.channels()).isEqualTo(ImageOptions.Channels.RGB);
        assertThat(options.output()).isEqualTo("input");
        assertThat(options.dtype()).isEqualTo(DataType.FP32);
        assertThat(options.maxImages()).isEqualTo(64);
        assertThat(options.maxPixels()).isEqualTo(40_000_000L);
        assertThat(options.outputShape()).containsExactly(-1, 3, -1, -1);
    }

    @Test
    void sizesParse() {
        ImageOptions options = ImageOptions.from(context(Map.of("RESIZE", " 256 ", "CROP", "224X200")));

        assertThat(options.resize().shorterSide()).isEqualTo(256);
        assertThat(options.resize().exact()).isNull();
        assertThat(options.crop()).isEqualTo(new ImageOptions.Size(224, 200));
        assertThat(options.outputShape()).containsExactly(-1, 3, 200, 224);
        assertThat(ImageOptions.from(context(Map.of("RESIZE", "320x240"))).resize().exact())
                .isEqualTo(new ImageOptions.Size(320, 240));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "RESIZE|big|Environment.RESIZE must be N or WIDTHxHEIGHT (e.g. 224 or 320x240), got 'big'",
            "RESIZE|0|Environment.RESIZE edges must be between 1 and 16384, got '0'",
            "RESIZE|2x3x4|Environment.RESIZE must be N or WIDTHxHEIGHT (e.g. 224 or 320x240), got '2x3x4'",
            "CROP|x5|Environment.CROP must be N or WIDTHxHEIGHT (e.g. 224 or 320x240), got 'x5'",
            "CROP|99999|Environment.CROP edges must be between 1 and 16384, got '99999'",
            "MEAN|0.1,0.2|Environment.MEAN must hold 1 or 3 comma-separated numbers (one per RGB channel), got 2: '0.1,0.2'",
            "MEAN|a,b,c|Environment.MEAN must be comma-separated numbers, got 'a,b,c'",
            "STD|0.5,0,0.5|Environment.STD must not contain 0 (it divides), got '0.5,0,0.5'",
            "SCALE|tiny|Environment.SCALE must be a number or a fraction such as 1/255, got 'tiny'",
            "SCALE|1/0|Environment.SCALE must be a finite non-zero number, got '1/0'",
            "LAYOUT|CHW|Environment.LAYOUT must be one of [NCHW, NHWC], got 'CHW'",
            "CHANNELS|RGBA|Environment.CHANNELS must be one of [RGB, BGR, GRAY], got 'RGBA'",
            "DTYPE|FP16|Environment.DTYPE must be FP32 or UINT8, got 'FP16'",
            "MAX_IMAGES|0|Environment.MAX_IMAGES must be between 1 and 65536, got 0",
            "MAX_PIXELS|lots|Environment.MAX_PIXELS must be a whole number, got 'lots'",
    })
    void badOptionsNameTheirKey(String key, String value, String message) {
        assertThatThrownBy(() -> processor(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("container 'preprocess': " + message);
    }

    @Test
    void normalisationOptionsDoNotApplyToUint8() {
        assertThatThrownBy(() -> processor(Map.of("DTYPE", "UINT8", "MEAN", "0.5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("container 'preprocess': Environment.MEAN does not apply to DTYPE UINT8, which passes "
                        + "pixels 0..255 unchanged");
        assertThat(processor(Map.of("DTYPE", "uint8", "RESIZE", "8x8")).signature().outputs().get(0).type())
                .isEqualTo(DataType.UINT8);
    }

    private static ProcessorContext context(Map<String, String> environment) {
        return new ProcessorContext("preprocess", environment, null, CodecRegistry.standard());
    }
}
