package dev.sluice.pipeline.processors.image;

import dev.sluice.core.SluiceException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Encoded image bytes to pixels with the JDK's ImageIO (PNG, JPEG, GIF, BMP, TIFF, WBMP; no native code).
 *
 * <p>The dimensions are read from the header first and checked against the pixel limit before any pixel is
 * decoded, so a small file that claims a huge image (a decompression bomb) is refused before the reader allocates
 * its raster. Streams are memory-cached: {@link ImageIO#createImageInputStream} would spill to temporary files when
 * ImageIO's global disk cache is on, and would read global state on every request.
 */
final class ImageReading {

    /** What the header says. */
    record Header(String format, int width, int height) {
        long pixels() {
            return (long) width * height;
        }
    }

    private ImageReading() {
    }

    /** Reads only the header: the format and the dimensions, checked against {@code maxPixels}. */
    static Header probe(byte[] bytes, String label, long maxPixels) {
        return (Header) run(bytes, label, maxPixels, false);
    }

    /** Decodes the first image of the file, after the header check of {@link #probe}. */
    static BufferedImage read(byte[] bytes, String label, long maxPixels) {
        return (BufferedImage) run(bytes, label, maxPixels, true);
    }

    private static Object run(byte[] bytes, String label, long maxPixels, boolean pixels) {
        if (bytes == null || bytes.length == 0) {
            throw SluiceException.validation(label + " is empty");
        }
        String format = "image";
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw SluiceException.validation(label + " is not an image in a format this server reads ("
                        + String.join(", ", formats()) + "); it starts with " + leadingBytes(bytes));
            }
            ImageReader reader = readers.next();
            format = reader.getFormatName().toUpperCase(Locale.ROOT);
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width < 1 || height < 1) {
                    throw SluiceException.validation(label + " (" + format + ") has no pixels: its header says "
                            + width + "x" + height);
                }
                Header header = new Header(format, width, height);
                if (header.pixels() > maxPixels) {
                    throw SluiceException.validation(label + " (" + format + ") is " + width + "x" + height + " = "
                            + header.pixels() + " pixels, more than the limit of " + maxPixels
                            + " (Environment.MAX_PIXELS)");
                }
                if (!pixels) {
                    return header;
                }
                // libjpeg reports a truncated or damaged stream as a warning and returns the image filled with
                // grey; a classifier would happily score the grey, so a warning is an error here.
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0, reader.getDefaultReadParam());
                if (!warnings.isEmpty()) {
                    throw SluiceException.validation(label + " (" + format + ") is truncated or corrupt: "
                            + warnings.get(0));
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (SluiceException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Readers throw IIOException for what they detect and assorted runtime exceptions (array bounds,
            // illegal arguments from impossible header values) for what they do not: all of it is the client's bytes.
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw SluiceException.validation(label + " (" + format + ") cannot be decoded (truncated, corrupt or an "
                    + "unsupported variant): " + reason);
        }
    }

    /** The format names ImageIO reads, upper case, for messages. */
    static Set<String> formats() {
        Set<String> names = new TreeSet<>();
        for (String name : ImageIO.getReaderFormatNames()) {
            names.add(name.toUpperCase(Locale.ROOT));
        }
        names.remove("JPG");
        names.remove("TIF");
        return names;
    }

    private static String leadingBytes(byte[] bytes) {
        StringBuilder hex = new StringBuilder("0x");
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            hex.append(String.format(Locale.ROOT, "%02x", bytes[i] & 0xff));
        }
        return hex.toString();
    }
}
