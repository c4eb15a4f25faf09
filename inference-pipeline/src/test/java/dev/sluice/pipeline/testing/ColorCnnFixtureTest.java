package dev.sluice.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.processors.image.ImageProvider;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code examples/image-classification} from rotting: the committed model is what {@link ColorCnnFixture}
 * writes, the pipeline file's image options produce what the model takes, and the example's three stages (image
 * pre-processing, the CNN on ONNX Runtime, argmax over its logits) tell red from green from blue.
 */
class ColorCnnFixtureTest {
    private static final Path EXAMPLE = example();
    private static OrtSession session;
    private static OrtTensorModel model;
    private static ContainerProcessor preprocess;

    @BeforeAll
    static void load() throws OrtException, IOException {
        session = OrtEnvironment.getEnvironment().createSession(ColorCnnFixture.bytes(), new OrtSession.SessionOptions());
        model = new OrtTensorModel("colors", session);
        preprocess = new ImageProvider().create(new ProcessorContext("preprocess", environment(container(0)), null,
                CodecRegistry.standard()));
    }

    @AfterAll
    static void close() throws OrtException {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void theCommittedModelIsWhatTheFixtureWritesNow() throws IOException {
        byte[] committed = Files.readAllBytes(EXAMPLE.resolve("model/model.onnx"));

        assertThat(committed)
                .as("examples/image-classification/model/model.onnx is stale: regenerate it with ColorCnnFixture.main")
                .isEqualTo(ColorCnnFixture.bytes());
    }

    @Test
    void thePipelineFileFeedsTheModelWhatItTakes() throws IOException {
        assertThat(container(0).path("Image").asText()).isEqualTo("sluice/image");
        assertThat(container(1).path("Image").asText()).isEqualTo("sluice/onnx");
        assertThat(Files.isRegularFile(EXAMPLE.resolve(container(1).path("ModelDataUrl").asText()).resolve("model.onnx")))
                .isTrue();
        assertThat(container(2).path("Image").asText()).isEqualTo("sluice/classifier");

        TensorSpec produced = preprocess.signature().outputs().get(0);
        assertThat(model.signature().inputs()).containsExactly(produced);
        assertThat(produced.shape()).containsExactly(-1, 3, ColorCnnFixture.SIZE, ColorCnnFixture.SIZE);
        assertThat(container(2).path("Environment").path("LABELS").asText().split(","))
                .containsExactlyElementsOf(ColorCnnFixture.LABELS);
        assertThat(model.signature().outputs().get(0).shape()).containsExactly(-1, ColorCnnFixture.LABELS.size());
    }

    @Test
    void theCommittedRedPngIsRed() throws IOException {
        byte[] red = Files.readAllBytes(EXAMPLE.resolve("red.png"));

        assertThat(classify(red, "image/png")).containsExactly("red");
    }

    @Test
    void aGreenJpegIsGreenAndABlueJsonImageBlue() {
        byte[] green = encode(noisy(48, 40, 40, 170, 60), "jpeg");
        byte[] blue = encode(noisy(32, 32, 30, 60, 190), "png");
        String json = "{\"instances\": [{\"b64\": \"" + Base64.getEncoder().encodeToString(blue) + "\"}]}";

        assertThat(classify(green, "image/jpeg")).containsExactly("green");
        assertThat(classify(json.getBytes(StandardCharsets.UTF_8), "application/json")).containsExactly("blue");
    }

    @Test
    void aMultipartBatchOfPhotoSizedImagesIsClassifiedInOneRun() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("blue.jpg", encode(noisy(400, 300, 50, 70, 160), "jpeg"));
        files.put("red.png", encode(noisy(120, 200, 180, 60, 50), "png"));
        files.put("green.bmp", encode(noisy(64, 64, 90, 140, 80), "bmp"));
        int before = model.calls();

        List<String> labels = classify(multipart(files), "multipart/form-data; boundary=" + BOUNDARY);

        assertThat(labels).containsExactly("blue", "red", "green");
        assertThat(model.calls() - before).isEqualTo(1);
    }

    /** decode → process → the CNN → argmax, as the example pipeline runs them. */
    private static List<String> classify(byte[] body, String contentType) {
        DecodedPayload decoded = preprocess.decode(body, contentType);
        Map<String, Tensor> tensors = preprocess.process(decoded.inputs());
        Tensor logits = model.infer(tensors).toCompletableFuture().join().get(ColorCnnFixture.OUTPUT);
        int classes = (int) logits.dim(1);
        List<String> labels = new ArrayList<>();
        for (int row = 0; row < logits.dim(0); row++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits.floats()[row * classes + c] > logits.floats()[row * classes + best]) {
                    best = c;
                }
            }
            labels.add(ColorCnnFixture.LABELS.get(best));
        }
        return labels;
    }

    /** A colour with ±25 of noise per channel, so the model sees texture rather than one flat value. */
    private static BufferedImage noisy(int width, int height, int r, int g, int b) {
        Random random = new Random(width * 31L + height);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, clamp(r + random.nextInt(51) - 25) << 16 | clamp(g + random.nextInt(51) - 25) << 8
                        | clamp(b + random.nextInt(51) - 25));
            }
        }
        return image;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final String BOUNDARY = "colors-7MA4YWxkTrZu0gW";

    private static byte[] multipart(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        files.forEach((name, bytes) -> {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + name
                    + "\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(bytes);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        });
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static JsonNode container(int index) {
        try {
            JsonNode pipeline = new ObjectMapper(new YAMLFactory()).readTree(EXAMPLE.resolve("pipeline.yaml").toFile());
            return pipeline.path("Containers").path(index);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> environment(JsonNode container) {
        Map<String, String> environment = new LinkedHashMap<>();
        container.path("Environment").properties().forEach(e -> environment.put(e.getKey(), e.getValue().asText()));
        return environment;
    }

    /** The example directory, found from the module directory Maven runs tests in (or the repository root). */
    private static Path example() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("examples/image-classification");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("examples/image-classification not found above " + Path.of("").toAbsolutePath());
    }
}
