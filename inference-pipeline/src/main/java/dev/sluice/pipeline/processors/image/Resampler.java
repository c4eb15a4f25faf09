package dev.sluice.pipeline.processors.image;

/**
 * Bilinear resizing fused with the centre crop, computed only for the pixels the crop keeps.
 *
 * <p>The filter is Pillow's {@code Image.resize(..., BILINEAR)} (and torchvision's {@code antialias=True}): a
 * triangle over half-pixel centres whose support widens by the downscale factor, so shrinking a photo averages every
 * source pixel instead of sampling four and aliasing; enlarging is plain bilinear with edges clamped. It is separable:
 * a horizontal pass over the source rows the vertical pass needs, then the vertical pass. Values stay float (Pillow
 * rounds to 8 bits between and after the passes), so results match Pillow's within one grey level.
 */
final class Resampler {
    private Resampler() {
    }

    /** Source taps and normalised weights for a run of output coordinates. */
    record Taps(int[] first, int[] count, double[] weights, int stride) {
        int lowest() {
            return first[0];
        }

        int highest() {
            int max = 0;
            for (int i = 0; i < first.length; i++) {
                max = Math.max(max, first[i] + count[i]);
            }
            return max;
        }
    }

    /**
     * The taps for output coordinates {@code [from, from + length)} of an axis resized from {@code inSize} to
     * {@code outSize}; Pillow's {@code precompute_coeffs} for the bilinear filter.
     */
    static Taps taps(int inSize, int outSize, int from, int length) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale;
        int stride = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[length];
        int[] count = new int[length];
        double[] weights = new double[length * stride];
        for (int i = 0; i < length; i++) {
            double center = (from + i + 0.5) * scale;
            int min = Math.max(0, (int) (center - support + 0.5));
            int max = Math.min(inSize, (int) (center + support + 0.5));
            double total = 0;
            for (int k = 0; k < max - min; k++) {
                double w = triangle((k + min - center + 0.5) / filterScale);
                weights[i * stride + k] = w;
                total += w;
            }
            if (total != 0) {
                for (int k = 0; k < max - min; k++) {
                    weights[i * stride + k] /= total;
                }
            }
            first[i] = min;
            count[i] = max - min;
        }
        return new Taps(first, count, weights, stride);
    }

    private static double triangle(double x) {
        double a = Math.abs(x);
        return a < 1.0 ? 1.0 - a : 0.0;
    }

    /**
     * Resizes {@code source} to {@code resizedWidth × resizedHeight} and returns the window {@code [cropX, cropX +
     * cropWidth) × [cropY, cropY + cropHeight)} of the result, interleaved ({@code (y × cropWidth + x) × channels + c}).
     */
    static float[] resizeAndCrop(PixelRows source, int channels, int resizedWidth, int resizedHeight,
                                 int cropX, int cropY, int cropWidth, int cropHeight) {
        int inWidth = source.width();
        int inHeight = source.height();
        Taps vertical = resizedHeight == inHeight ? null : taps(inHeight, resizedHeight, cropY, cropHeight);
        Taps horizontal = resizedWidth == inWidth ? null : taps(inWidth, resizedWidth, cropX, cropWidth);
        int rowLow = vertical == null ? cropY : vertical.lowest();
        int rowHigh = vertical == null ? cropY + cropHeight : vertical.highest();
        int rowFloats = cropWidth * channels;

        // Horizontal pass over only the source rows some output row reads.
        float[] between = new float[(rowHigh - rowLow) * rowFloats];
        float[] line = new float[inWidth * channels];
        for (int y = rowLow; y < rowHigh; y++) {
            source.read(y, line);
            int out = (y - rowLow) * rowFloats;
            if (horizontal == null) {
                System.arraycopy(line, cropX * channels, between, out, rowFloats);
                continue;
            }
            for (int x = 0; x < cropWidth; x++) {
                int first = horizontal.first[x];
                int count = horizontal.count[x];
                int w = x * horizontal.stride;
                for (int c = 0; c < channels; c++) {
                    double sum = 0;
                    for (int k = 0; k < count; k++) {
                        sum += horizontal.weights[w + k] * line[(first + k) * channels + c];
                    }
                    between[out + x * channels + c] = (float) sum;
                }
            }
        }
        if (vertical == null) {
            return between;
        }
        float[] result = new float[cropHeight * rowFloats];
        double[] sums = new double[rowFloats];
        for (int y = 0; y < cropHeight; y++) {
            java.util.Arrays.fill(sums, 0);
            int first = vertical.first[y];
            int count = vertical.count[y];
            for (int k = 0; k < count; k++) {
                double weight = vertical.weights[y * vertical.stride + k];
                int row = (first + k - rowLow) * rowFloats;
                for (int i = 0; i < rowFloats; i++) {
                    sums[i] += weight * between[row + i];
                }
            }
            int out = y * rowFloats;
            for (int i = 0; i < rowFloats; i++) {
                result[out + i] = (float) sums[i];
            }
        }
        return result;
    }
}
