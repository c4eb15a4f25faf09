package dev.sluice.pipeline.processors.image;

import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.processors.image.ImageOptions.Layout;
import dev.sluice.pipeline.processors.image.ImageOptions.Size;
import dev.sluice.pipeline.spi.ContainerProcessor;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code sluice/image}: encoded images to the float tensor a vision model takes.
 *
 * <p>Work is split so that {@link #decode} stays cheap: it parses the envelope (body, multipart, JSON base64) into the
 * {@code images} BYTES tensor and reads only each image's header, which is enough to reject bad or oversized input
 * with a message naming the part or JSON element. {@link #process} decodes the pixels and resizes, crops, normalises
 * and lays them out. {@code process} also accepts an {@code images} tensor from elsewhere (a payload codec, a remote
 * container) holding raw image bytes or base64 text, and checks it as fully as {@code decode} does.
 *
 * <p>Per image: decode → resize ({@code RESIZE}) → centre crop ({@code CROP}) → {@code (pixel × SCALE − MEAN[c]) /
 * STD[c]} → NCHW or NHWC. Every image of a batch must come out the same size. All geometry is checked from the
 * headers before the first pixel is decoded, so a bad batch costs no decoding.
 *
 * <p>Stateless and thread-safe.
 */
final class ImageProcessor implements ContainerProcessor {
    /** The input: encoded images, one per element. */
    static final String IMAGES = "images";

    private final ImageOptions options;
    private final ImageRequests requests;
    private final ModelSignature signature;

    ImageProcessor(ImageOptions options, List<String> codecTypes) {
        this.options = options;
        this.requests = new ImageRequests(IMAGES, options.maxImages(), options.maxPixels(), codecTypes);
        this.signature = new ModelSignature(
                List.of(new TensorSpec(IMAGES, DataType.BYTES, new long[] {-1})),
                List.of(new TensorSpec(options.output(), options.dtype(), options.outputShape())));
    }

    ImageOptions options() {
        return options;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    /** Decoding and transforming a request costs milliseconds: off the event loops. */
    @Override
    public boolean heavy() {
        return true;
    }

    @Override
    public DecodedPayload decode(byte[] body, String contentType) {
        return requests.decode(body, contentType);
    }

    @Override
    public Map<String, Tensor> process(Map<String, Tensor> tensors) {
        byte[][] images = images(tensors.get(IMAGES));
        int count = images.length;
        String[] labels = new String[count];
        ImageReading.Header[] headers = new ImageReading.Header[count];
        for (int i = 0; i < count; i++) {
            labels[i] = IMAGES + "[" + i + "]";
            images[i] = Base64Images.unwrap(images[i], labels[i]);
            headers[i] = ImageReading.probe(images[i], labels[i], options.maxPixels());
        }
        Geometry[] geometry = new Geometry[count];
        for (int i = 0; i < count; i++) {
            geometry[i] = geometry(headers[i], labels[i]);
            if (i > 0 && !geometry[i].output.equals(geometry[0].output)) {
                throw SluiceException.validation("images of one request must come out the same size: " + labels[0]
                        + " (" + headers[0].width() + "x" + headers[0].height() + ") becomes " + geometry[0].output
                        + " but " + labels[i] + " (" + headers[i].width() + "x" + headers[i].height() + ") becomes "
                        + geometry[i].output + "; set Environment.CROP or an exact Environment.RESIZE (WxH)");
            }
        }
        Size size = geometry[0].output;
        int channels = options.channels().count();
        long[] shape = options.layout() == Layout.NCHW
                ? new long[] {count, channels, size.height(), size.width()}
                : new long[] {count, size.height(), size.width(), channels};
        long elements = (long) count * channels * size.height() * size.width();
        if (elements > Tensor.MAX_ELEMENTS) {
            throw SluiceException.validation(count + (count == 1 ? " image" : " images") + " of " + size + " would make an output of " + elements
                    + " values, more than " + Tensor.MAX_ELEMENTS + "; send fewer or smaller images, or set "
                    + "Environment.RESIZE or Environment.CROP");
        }
        int perImage = channels * size.height() * size.width();
        Object data = Tensor.allocate(options.dtype(), (int) elements);
        for (int i = 0; i < count; i++) {
            BufferedImage image = ImageReading.read(images[i], labels[i], options.maxPixels());
            Geometry g = geometry[i];
            float[] pixels = Resampler.resizeAndCrop(new PixelRows(image, options.channels()), channels,
                    g.resized.width(), g.resized.height(), g.cropX, g.cropY, size.width(), size.height());
            write(pixels, data, i * perImage, size);
        }
        return Map.of(options.output(), Tensor.of(options.dtype(), shape, data));
    }

    private byte[][] images(Tensor tensor) {
        if (tensor == null) {
            throw SluiceException.validation("missing input '" + IMAGES + "': a list of encoded images");
        }
        if (tensor.type() != DataType.BYTES) {
            throw SluiceException.validation("input '" + IMAGES + "' must be BYTES (encoded images) but got "
                    + tensor.type().v2Name() + " " + Arrays.toString(tensor.shape()));
        }
        byte[][] images = tensor.strings().clone();
        if (images.length == 0) {
            throw SluiceException.validation("input '" + IMAGES + "' holds no images");
        }
        if (images.length > options.maxImages()) {
            throw SluiceException.validation("input '" + IMAGES + "' holds " + images.length + " images, more than "
                    + options.maxImages() + " (Environment.MAX_IMAGES)");
        }
        return images;
    }

    /** Where one image goes: its size after RESIZE, the crop window in it, and the final size. */
    private record Geometry(Size resized, int cropX, int cropY, Size output) {
    }

    private Geometry geometry(ImageReading.Header header, String label) {
        Size resized = options.resize() == null ? new Size(header.width(), header.height())
                : options.resize().apply(header.width(), header.height());
        Size crop = options.crop();
        if (crop == null) {
            return new Geometry(resized, 0, 0, resized);
        }
        if (crop.width() > resized.width() || crop.height() > resized.height()) {
            String after = options.resize() == null ? "" : " after RESIZE " + options.resize() + " it is " + resized
                    + ",";
            throw SluiceException.validation(label + " is " + header.width() + "x" + header.height() + ";" + after
                    + " smaller than CROP " + crop);
        }
        // Python's round() (half to even), as torchvision's center_crop computes its offsets.
        int x = (int) Math.rint((resized.width() - crop.width()) / 2.0);
        int y = (int) Math.rint((resized.height() - crop.height()) / 2.0);
        return new Geometry(resized, x, y, crop);
    }

    private void write(float[] pixels, Object data, int offset, Size size) {
        int channels = options.channels().count();
        int height = size.height();
        int width = size.width();
        boolean nchw = options.layout() == Layout.NCHW;
        if (options.dtype() == DataType.UINT8) {
            byte[] out = (byte[]) data;
            for (int i = 0; i < pixels.length; i++) {
                out[offset + target(i, channels, height, width, nchw)] =
                        (byte) Math.min(255, Math.max(0, Math.round(pixels[i])));
            }
            return;
        }
        float[] out = (float[]) data;
        float scale = options.scale();
        for (int i = 0; i < pixels.length; i++) {
            int c = i % channels;
            out[offset + target(i, channels, height, width, nchw)] =
                    (pixels[i] * scale - options.meanAt(c)) / options.stdAt(c);
        }
    }

    /** The index in one image's block of the output for interleaved index {@code i} ((y × W + x) × C + c). */
    private static int target(int i, int channels, int height, int width, boolean nchw) {
        if (!nchw) {
            return i;
        }
        int c = i % channels;
        int pixel = i / channels;
        return c * height * width + pixel;
    }
}
