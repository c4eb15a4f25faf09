package dev.sluice.neo;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Compiles an ONNX model for a target: see {@link CompileRequest} for the inputs, {@link Targets} for what each target
 * runs, and {@link CompileReport} for what comes back. One compilation uses the calling thread (and ONNX Runtime's
 * intra-op threads for the accuracy gate); compilations are independent and may run concurrently.
 */
public final class Compiler {
    /** Overrides how long the latency probe runs (milliseconds); tests shorten it. */
    public static final String LATENCY_BUDGET_PROPERTY = "sluice.neo.latencyBudgetMillis";

    private Compiler() {
    }

    /**
     * @throws IllegalArgumentException    for input the user must fix: a missing or unreadable model, an input shape that
     *                                     does not fit it, an opset outside what ONNX Runtime 1.29 supports, custom
     *                                     operators, unreadable samples (unknown targets and bad options are refused
     *                                     when the request is built)
     * @throws CompilationFailedException  when a pass fails or the compiled model is outside the tolerance (an int8
     *                                     default first falls back to float32)
     * @throws java.util.concurrent.CancellationException when {@code listener} asks to stop; nothing is written
     * @throws IOException                 reading the model or writing the artifact
     */
    public static CompileResult compile(CompileRequest request, CompileListener listener) throws IOException {
        Objects.requireNonNull(request, "request");
        CompileListener progress = listener == null ? CompileListener.NONE : listener;
        Path work = Files.createTempDirectory("sluice-neo-");
        try {
            return new Compilation(request, progress, work).run();
        } catch (OrtException e) {
            throw new CompilationFailedException("ONNX Runtime failed while compiling " + request.model() + " for "
                    + request.target() + ": " + e.getMessage(), e);
        } finally {
            deleteRecursively(work);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // A temporary directory left behind is not worth failing a finished compilation for.
        }
    }
}
