package dev.sluice.pipeline.processors.image;

import dev.sluice.pipeline.processors.image.ImageOptions.Channels;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;

/**
 * Reads a decoded image one row at a time as channel values 0..255 in the output's channel order, interleaved
 * ({@code row[x * channels + c]}). One row at a time keeps a 40-megapixel image from being copied whole into an int
 * or float array next to its raster.
 *
 * <p>8- and 16-bit RGB and grey rasters (what the JDK's JPEG and PNG readers produce) are read as raw samples:
 * {@link BufferedImage#getRGB} would pass a grey image through the linear-grey colour space and brighten it (a grey
 * 128 comes back as about 187), which no Python pre-processor does. Palette, packed and other colour models go
 * through {@code getRGB}. Alpha is dropped, as Pillow's {@code convert("RGB")} does.
 */
final class PixelRows {
    /** ITU-R BT.601 luma, what Pillow's {@code convert("L")} and torchvision's {@code rgb_to_grayscale} use. */
    private static final float LUMA_R = 0.299f;
    private static final float LUMA_G = 0.587f;
    private static final float LUMA_B = 0.114f;

    private enum Source { RGB_SAMPLES, GRAY_SAMPLES, ARGB }

    private final BufferedImage image;
    private final Channels channels;
    private final Source source;
    private final int width;
    private final int bands;
    private final int maxSample;
    private final int[] samples;
    /** 8-bit interleaved rasters (what JPEG and most PNGs decode to) are read straight from their bytes. */
    private final byte[] bytes;
    private final int byteBase;
    private final int pixelStride;
    private final int scanlineStride;
    private final int[] bandOffsets;

    PixelRows(BufferedImage image, Channels channels) {
        this.image = image;
        this.channels = channels;
        this.width = image.getWidth();
        Raster raster = image.getRaster();
        this.bands = raster.getNumBands();
        ColorModel model = image.getColorModel();
        Source chosen = Source.ARGB;
        int bits = 8;
        if (model instanceof ComponentColorModel && model.getNumComponents() == bands) {
            ColorSpace space = model.getColorSpace();
            bits = model.getComponentSize(0);
            boolean sameDepth = true;
            for (int i = 1; i < model.getNumComponents(); i++) {
                sameDepth &= model.getComponentSize(i) == bits;
            }
            if (sameDepth && bits <= 16 && !model.isAlphaPremultiplied()) {
                if (space.isCS_sRGB() && model.getNumColorComponents() == 3) {
                    chosen = Source.RGB_SAMPLES;
                } else if (space.getType() == ColorSpace.TYPE_GRAY && model.getNumColorComponents() == 1) {
                    chosen = Source.GRAY_SAMPLES;
                }
            }
        }
        this.source = chosen;
        this.maxSample = (1 << bits) - 1;
        this.samples = new int[width * (chosen == Source.ARGB ? 1 : bands)];
        if (chosen != Source.ARGB && bits == 8 && raster.getSampleModel() instanceof ComponentSampleModel layout
                && raster.getDataBuffer() instanceof DataBufferByte buffer && buffer.getNumBanks() == 1) {
            this.bytes = buffer.getData();
            this.pixelStride = layout.getPixelStride();
            this.scanlineStride = layout.getScanlineStride();
            this.bandOffsets = layout.getBandOffsets();
            this.byteBase = buffer.getOffset() - raster.getSampleModelTranslateY() * scanlineStride
                    - raster.getSampleModelTranslateX() * pixelStride;
        } else {
            this.bytes = null;
            this.pixelStride = 0;
            this.scanlineStride = 0;
            this.bandOffsets = null;
            this.byteBase = 0;
        }
    }

    int width() {
        return width;
    }

    int height() {
        return image.getHeight();
    }

    /** Fills {@code row[0 .. width × channels)} with row {@code y}. */
    void read(int y, float[] row) {
        int c = channels.count();
        if (bytes != null) {
            int at = byteBase + y * scanlineStride;
            for (int x = 0; x < width; x++, at += pixelStride) {
                int r = bytes[at + bandOffsets[0]] & 0xff;
                if (source == Source.GRAY_SAMPLES) {
                    put(row, x * c, r, r, r);
                } else {
                    put(row, x * c, r, bytes[at + bandOffsets[1]] & 0xff, bytes[at + bandOffsets[2]] & 0xff);
                }
            }
            return;
        }
        switch (source) {
            case RGB_SAMPLES -> {
                image.getRaster().getPixels(0, y, width, 1, samples);
                for (int x = 0; x < width; x++) {
                    int base = x * bands;
                    put(row, x * c, to8(samples[base]), to8(samples[base + 1]), to8(samples[base + 2]));
                }
            }
            case GRAY_SAMPLES -> {
                image.getRaster().getPixels(0, y, width, 1, samples);
                for (int x = 0; x < width; x++) {
                    int v = to8(samples[x * bands]);
                    put(row, x * c, v, v, v);
                }
            }
            case ARGB -> {
                image.getRGB(0, y, width, 1, samples, 0, width);
                for (int x = 0; x < width; x++) {
                    int argb = samples[x];
                    put(row, x * c, (argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff);
                }
            }
        }
    }

    private int to8(int sample) {
        return maxSample == 255 ? sample : (sample * 255 + maxSample / 2) / maxSample;
    }

    private void put(float[] row, int at, int r, int g, int b) {
        switch (channels) {
            case RGB -> {
                row[at] = r;
                row[at + 1] = g;
                row[at + 2] = b;
            }
            case BGR -> {
                row[at] = b;
                row[at + 1] = g;
                row[at + 2] = r;
            }
            case GRAY -> row[at] = luma(r, g, b);
        }
    }

    /** Grey pixels stay exactly what they are; the weights do not sum to exactly 1 in float. */
    static float luma(int r, int g, int b) {
        return r == g && g == b ? r : LUMA_R * r + LUMA_G * g + LUMA_B * b;
    }
}
