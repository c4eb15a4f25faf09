package dev.sluice.pipeline.testing;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * all-MiniLM-L6-v2 as shipped inside the langchain4j jars on the test classpath: extracted once per JVM and loaded
 * into one shared ONNX Runtime session per variant, because session creation dominates the cost of every test.
 *
 * <p>Two variants, because they answer different questions. {@link #FP32} is exact under padding (the attention
 * mask removes pad tokens completely), so it can check the pipeline to a cosine of 0.9999. {@link #INT8} is what
 * {@code builtin:minilm} serves; it quantizes activations with one dynamic range per tensor
 * ({@code DynamicQuantizeLinear}), a range taken over every token in the batch including padding, so its output for
 * a sentence shifts slightly (measured cosine about 0.99) with whatever it is padded or batched with.
 */
public enum MiniLm {
    FP32("all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"),
    INT8("all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json");

    public static final int HIDDEN = 384;

    private final String modelResource;
    private final String tokenizerResource;
    private Path directory;
    private OrtSession session;

    MiniLm(String modelResource, String tokenizerResource) {
        this.modelResource = modelResource;
        this.tokenizerResource = tokenizerResource;
    }

    public synchronized Path tokenizerJson() {
        return directory().resolve("tokenizer.json");
    }

    public synchronized OrtSession session() {
        if (session == null) {
            try {
                OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                options.setIntraOpNumThreads(2);
                session = OrtEnvironment.getEnvironment().createSession(directory().resolve("model.onnx").toString(),
                        options);
            } catch (OrtException e) {
                throw new IllegalStateException("cannot load " + modelResource, e);
            }
        }
        return session;
    }

    private Path directory() {
        if (directory == null) {
            try {
                Path dir = Files.createTempDirectory("sluice-minilm-" + name().toLowerCase(java.util.Locale.ROOT));
                dir.toFile().deleteOnExit();
                copy(modelResource, dir.resolve("model.onnx"));
                copy(tokenizerResource, dir.resolve("tokenizer.json"));
                directory = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return directory;
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        target.toFile().deleteOnExit();
    }
}
