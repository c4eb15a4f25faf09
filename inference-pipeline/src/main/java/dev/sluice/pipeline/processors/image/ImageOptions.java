package dev.sluice.pipeline.processors.image;

import dev.sluice.core.tensor.DataType;
import dev.sluice.pipeline.spi.ProcessorContext;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The options of a {@code sluice/image} container, read once from its Environment. Every parse error names the
 * Environment key (through {@link ProcessorContext#invalid}), because it goes back to the caller of CreateModel.
 *
 * @param resize    how every image is resized first, or null to keep its size
 * @param crop      the centre crop taken after resizing, or null for none
 * @param scale     multiplies a pixel (0..255) before {@code mean} and {@code std}
 * @param mean      subtracted per output channel after scaling (length = channel count)
 * @param std       divides per output channel after subtracting the mean (length = channel count, none zero)
 * @param maxImages most images in one request
 * @param maxPixels most pixels (width × height, from the image header) of any one image
 */
record ImageOptions(Resize resize, Size crop, float scale, float[] mean, float[] std, Layout layout,
                    Channels channels, String output, DataType dtype, int maxImages, long maxPixels) {

    public static final String RESIZE = "RESIZE";
    public static final String CROP = "CROP";
    public static final String SCALE = "SCALE";
    public static final String MEAN = "MEAN";
    public static final String STD = "STD";
    public static final String LAYOUT = "LAYOUT";
    public static final String CHANNELS = "CHANNELS";
    public static final String OUTPUT = "OUTPUT";
    public static final String DTYPE = "DTYPE";
    public static final String MAX_IMAGES = "MAX_IMAGES";
    public static final String MAX_PIXELS = "MAX_PIXELS";

    public static final String DEFAULT_OUTPUT = "input";
    /** torchvision's {@code ToTensor}: pixels 0..255 become 0..1. */
    public static final float DEFAULT_SCALE = 1f / 255f;
    public static final int DEFAULT_MAX_IMAGES = 64;
    /** 40 megapixels: a 12 MP phone photo passes with room to spare; decoding it holds about 160 MB. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    /** Widest RESIZE or CROP edge accepted; far above any vision model's input. */
    public static final int MAX_EDGE = 16_384;

    /** Memory order of the output tensor. */
    enum Layout { NCHW, NHWC }

    /** The output channels and their order. */
    enum Channels {
        RGB(3), BGR(3), GRAY(1);

        private final int count;

        Channels(int count) {
            this.count = count;
        }

        int count() {
            return count;
        }
    }

    /** A width and a height in pixels. */
    record Size(int width, int height) {
        Size {
            if (width < 1 || height < 1) {
                throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
            }
        }

        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /**
     * A resize: {@code exact} to that size (aspect ratio not kept), or the shorter side to {@code shorterSide} with
     * the longer side scaled in proportion and truncated, as torchvision's {@code Resize(int)} does.
     */
    record Resize(int shorterSide, Size exact) {
        /** The size an image of {@code width} × {@code height} is resized to. */
        Size apply(int width, int height) {
            if (exact != null) {
                return exact;
            }
            if (width <= height) {
                return new Size(shorterSide, (int) Math.max(1, (long) shorterSide * height / width));
            }
            return new Size((int) Math.max(1, (long) shorterSide * width / height), shorterSide);
        }

        @Override
        public String toString() {
            return exact != null ? exact.toString() : Integer.toString(shorterSide);
        }
    }

    ImageOptions {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(dtype, "dtype");
        mean = mean.clone();
        std = std.clone();
    }

    /** Reads and checks every option of the container's Environment. */
    static ImageOptions from(ProcessorContext context) {
        Resize resize = context.option(RESIZE).map(v -> parseResize(context, v)).orElse(null);
        Size crop = context.option(CROP).map(v -> parseSize(context, CROP, v)).orElse(null);
        Channels channels = parseEnum(context, CHANNELS, Channels.class, Channels.RGB);
        Layout layout = parseEnum(context, LAYOUT, Layout.class, Layout.NCHW);
        String output = context.option(OUTPUT, DEFAULT_OUTPUT);
        DataType dtype = parseDtype(context);
        int count = channels.count();
        float scale = DEFAULT_SCALE;
        float[] mean = new float[count];
        float[] std = new float[count];
        Arrays.fill(std, 1f);
        if (dtype == DataType.UINT8) {
            for (String key : new String[] {SCALE, MEAN, STD}) {
                if (context.option(key).isPresent()) {
                    throw context.invalid(key, "does not apply to DTYPE UINT8, which passes pixels 0..255 unchanged");
                }
            }
        } else {
            scale = context.option(SCALE).map(v -> parseScale(context, v)).orElse(DEFAULT_SCALE);
            mean = perChannel(context, MEAN, count, channels, 0f);
            std = perChannel(context, STD, count, channels, 1f);
            for (float s : std) {
                if (s == 0f) {
                    throw context.invalid(STD, "must not contain 0 (it divides), got '" + context.option(STD).orElse("")
                            + "'");
                }
            }
        }
        int maxImages = context.intOption(MAX_IMAGES, DEFAULT_MAX_IMAGES, 1, 65_536);
        long maxPixels = context.intOption(MAX_PIXELS, (int) DEFAULT_MAX_PIXELS, 1, Integer.MAX_VALUE);
        return new ImageOptions(resize, crop, scale, mean, std, layout, channels, output, dtype, maxImages, maxPixels);
    }

    /** The output shape with -1 for the batch and for any edge that depends on the image. */
    long[] outputShape() {
        long height = -1;
        long width = -1;
        Size fixed = crop != null ? crop : resize != null ? resize.exact() : null;
        if (fixed != null) {
            height = fixed.height();
            width = fixed.width();
        }
        long c = channels.count();
        return layout == Layout.NCHW ? new long[] {-1, c, height, width} : new long[] {-1, height, width, c};
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    float meanAt(int channel) {
        return mean[channel];
    }

    float stdAt(int channel) {
        return std[channel];
    }

    private static Resize parseResize(ProcessorContext context, String value) {
        if (value.toLowerCase(Locale.ROOT).contains("x")) {
            return new Resize(0, parseSize(context, RESIZE, value));
        }
        return new Resize(parseEdge(context, RESIZE, value, value), null);
    }

    /** {@code N} (a square) or {@code WxH}. */
    private static Size parseSize(ProcessorContext context, String key, String value) {
        String[] parts = value.toLowerCase(Locale.ROOT).split("x", -1);
        if (parts.length == 1) {
            int edge = parseEdge(context, key, parts[0], value);
            return new Size(edge, edge);
        }
        if (parts.length != 2) {
            throw context.invalid(key, "must be N or WIDTHxHEIGHT (e.g. 224 or 320x240), got '" + value + "'");
        }
        return new Size(parseEdge(context, key, parts[0], value), parseEdge(context, key, parts[1], value));
    }

    private static int parseEdge(ProcessorContext context, String key, String text, String whole) {
        int edge;
        try {
            edge = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw context.invalid(key, "must be N or WIDTHxHEIGHT (e.g. 224 or 320x240), got '" + whole + "'");
        }
        if (edge < 1 || edge > MAX_EDGE) {
            throw context.invalid(key, "edges must be between 1 and " + MAX_EDGE + ", got '" + whole + "'");
        }
        return edge;
    }

    /** A number or a fraction such as {@code 1/255}. */
    private static float parseScale(ProcessorContext context, String value) {
        float scale;
        try {
            int slash = value.indexOf('/');
            scale = slash < 0 ? Float.parseFloat(value)
                    : (float) (Double.parseDouble(value.substring(0, slash).trim())
                            / Double.parseDouble(value.substring(slash + 1).trim()));
        } catch (NumberFormatException e) {
            throw context.invalid(SCALE, "must be a number or a fraction such as 1/255, got '" + value + "'");
        }
        if (!Float.isFinite(scale) || scale == 0f) {
            throw context.invalid(SCALE, "must be a finite non-zero number, got '" + value + "'");
        }
        return scale;
    }

    private static float[] perChannel(ProcessorContext context, String key, int count, Channels channels,
                                      float fallback) {
        float[] given = context.floatsOption(key);
        float[] values = new float[count];
        if (given.length == 0) {
            Arrays.fill(values, fallback);
        } else if (given.length == 1) {
            Arrays.fill(values, given[0]);
        } else if (given.length == count) {
            values = given;
        } else {
            String wanted = count == 1 ? "one number (for the single " + channels + " channel)"
                    : "1 or " + count + " comma-separated numbers (one per " + channels + " channel)";
            throw context.invalid(key, "must hold " + wanted + ", got " + given.length + ": '"
                    + context.option(key).orElse("") + "'");
        }
        return values;
    }

    private static DataType parseDtype(ProcessorContext context) {
        Optional<String> value = context.option(DTYPE);
        if (value.isEmpty()) {
            return DataType.FP32;
        }
        DataType type = DataType.fromV2Name(value.get());
        if (type != DataType.FP32 && type != DataType.UINT8) {
            throw context.invalid(DTYPE, "must be FP32 or UINT8, got '" + value.get() + "'");
        }
        return type;
    }

    private static <E extends Enum<E>> E parseEnum(ProcessorContext context, String key, Class<E> type, E fallback) {
        Optional<String> value = context.option(key);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, value.get().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw context.invalid(key, "must be one of " + Arrays.toString(type.getEnumConstants()) + ", got '"
                    + value.get() + "'");
        }
    }
}
