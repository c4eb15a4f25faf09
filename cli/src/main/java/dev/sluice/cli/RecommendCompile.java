package dev.sluice.cli;

import dev.sluice.neo.CompilationFailedException;
import dev.sluice.neo.CompileRequest;
import dev.sluice.neo.CompileResult;
import dev.sluice.neo.Compiler;
import dev.sluice.neo.Targets;
import dev.sluice.recommender.ArtifactVariant;
import dev.sluice.recommender.InstanceType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The compiled artifact variant of {@code sluice recommend}: the model compiled by the Neo-style compiler for the
 * measured instance type (its family's target device, e.g. {@code ml_c5}, else the architecture's platform) with the
 * target's default dtype (int8 on CPUs, falling back to float32 when int8 misses the accuracy gate). The recommender
 * module stays independent of the compiler; the command, which has both, hands it the artifact.
 */
final class RecommendCompile {
    private RecommendCompile() {
    }

    /** The Neo target for an instance type: {@code ml.c6i.xlarge} → {@code ml_c6i}, or the platform of its arch. */
    static String target(InstanceType type) {
        String[] parts = type.name().split("\\.");
        if (parts.length >= 2) {
            String device = "ml_" + parts[1].toLowerCase(Locale.ROOT);
            try {
                Targets.resolve(device);
                return device;
            } catch (IllegalArgumentException e) {
                // Not a device the compiler knows: compile for the architecture instead.
            }
        }
        return type.hasAccelerator() ? "linux/x86_64/nvidia" : "linux/" + type.arch();
    }

    /**
     * @return the compiled variant, or empty (with the reason printed) when compiling failed: the original is still
     *         measured
     */
    static Optional<ArtifactVariant> compile(Path model, InstanceType type, Path dir, PrintWriter out) {
        String target = target(type);
        Path output = dir.resolve("compiled-" + target.replace('/', '-') + ".tar.gz");
        long start = System.nanoTime();
        try {
            Files.createDirectories(dir);
            CompileResult result = Compiler.compile(new CompileRequest(model, target, Map.of(), Map.of(), output,
                    null, null), null);
            String dtype = result.report().dtype();
            out.printf("sluice recommend: compiled %s for %s (%s) in %.1f s: %s%n", model.getFileName(), target, dtype,
                    (System.nanoTime() - start) / 1e9, output);
            return Optional.of(new ArtifactVariant(dtype.equals(Targets.DTYPE_FLOAT32) ? "compiled" : dtype,
                    output.toAbsolutePath().toString(), null));
        } catch (CompilationFailedException | IOException | IllegalArgumentException e) {
            out.printf("sluice recommend: not measuring a compiled variant: compiling for %s failed: %s%n", target,
                    e.getMessage());
            return Optional.empty();
        }
    }
}
