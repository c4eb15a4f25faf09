package dev.sluice.pipeline.processors.image;

import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.spi.ProcessorProvider;

/**
 * {@code sluice/image}: the pre-processor of a vision pipeline. Reads JPEG, PNG (any format the JDK's ImageIO reads)
 * as a body, a multipart batch or base64 JSON, and produces a normalised FP32 (or UINT8) tensor, NCHW or NHWC. Options
 * are documented in {@code inference-pipeline/docs-image-processor.md}.
 */
public final class ImageProvider implements ProcessorProvider {
    public static final String IMAGE = "sluice/image";

    @Override
    public String image() {
        return IMAGE;
    }

    @Override
    public String description() {
        return "images (JPEG, PNG, multipart batch, base64 JSON) to a normalised tensor; RESIZE, CROP, MEAN, STD, "
                + "SCALE, LAYOUT (NCHW|NHWC), CHANNELS (RGB|BGR|GRAY), OUTPUT, DTYPE, MAX_IMAGES, MAX_PIXELS";
    }

    @Override
    public ContainerProcessor create(ProcessorContext context) {
        return new ImageProcessor(ImageOptions.from(context), context.codecs().supportedMediaTypes());
    }
}
