package dev.sluice.pipeline.processors.image;

import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntBinaryOperator;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Images generated in memory, encoded with ImageIO or written byte by byte, and a processor to feed them to. */
final class TestImages {
    static final String BOUNDARY = "----sluice-test-boundary-7MA4YWxkTrZu0gW";

    private TestImages() {
    }

    /** A processor created through the provider, as the pipeline creates it. */
    static ContainerProcessor processor(Map<String, String> environment) {
        return new ImageProvider().create(new ProcessorContext("preprocess", environment, null,
                CodecRegistry.standard()));
    }

    /** Runs what the pipeline runs for a first container: decode, then process. */
    static Tensor run(ContainerProcessor processor, byte[] body, String contentType) {
        DecodedPayload decoded = processor.decode(body, contentType);
        Map<String, Tensor> out = processor.process(decoded.inputs());
        return out.values().iterator().next();
    }

    /** An RGB image whose pixel (x, y) is {@code rgb.applyAsInt(x, y)} (0xRRGGBB). */
    static BufferedImage rgb(int width, int height, IntBinaryOperator rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb.applyAsInt(x, y));
            }
        }
        return image;
    }

    static BufferedImage solid(int width, int height, Color color) {
        return rgb(width, height, (x, y) -> color.getRGB() & 0xffffff);
    }

    /** A pattern whose every channel differs per pixel, so layouts and channel orders cannot be confused. */
    static int pattern(int x, int y) {
        int r = (x * 37 + y * 11) % 256;
        int g = (x * 5 + y * 53 + 40) % 256;
        int b = (x * 101 + y * 7 + 90) % 256;
        return r << 16 | g << 8 | b;
    }

    static byte[] png(BufferedImage image) {
        return encode(image, "png");
    }

    static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A JPEG at quality 0.95 (ImageIO's default 0.75 smears the colours of small images). */
    static byte[] jpeg(BufferedImage image) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.95f);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** A multipart/form-data body with one file part per image, as curl -F writes it. */
    static byte[] multipart(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            String headers = "--" + BOUNDARY + "\r\n"
                    + "Content-Disposition: form-data; name=\"image" + i++ + "\"; filename=\"" + file.getKey() + "\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n";
            out.writeBytes(headers.getBytes(StandardCharsets.UTF_8));
            out.writeBytes(file.getValue());
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    static Map<String, byte[]> files(Object... nameThenBytes) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < nameThenBytes.length; i += 2) {
            files.put((String) nameThenBytes[i], (byte[]) nameThenBytes[i + 1]);
        }
        return files;
    }

    static String multipartType() {
        return "multipart/form-data; boundary=" + BOUNDARY;
    }

    /**
     * A valid PNG that claims {@code width × height} 8-bit grey pixels but carries one row of image data: ImageIO
     * would allocate the full raster (10 GB for 100000²) before finding the data short.
     */
    static byte[] pngClaiming(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer header = ByteBuffer.allocate(13);
        header.putInt(width).putInt(height).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", header.array());
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[1 + Math.min(width, 1 << 16)]);
        deflater.finish();
        byte[] compressed = new byte[1 << 17];
        int length = deflater.deflate(compressed);
        deflater.end();
        chunk(out, "IDAT", java.util.Arrays.copyOf(compressed, length));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
