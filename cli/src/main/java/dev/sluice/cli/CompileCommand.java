package dev.sluice.cli;

import dev.sluice.neo.CompilationFailedException;
import dev.sluice.neo.CompileListener;
import dev.sluice.neo.CompileRequest;
import dev.sluice.neo.CompileResult;
import dev.sluice.neo.Compiler;
import dev.sluice.neo.Target;
import dev.sluice.neo.Targets;
import dev.sluice.neo.Tolerance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice compile}: an ONNX model compiled for a SageMaker target device or platform (the neo-compiler
 * module), written as {@code OUT.tar.gz} with its manifest and report. Exit codes: 0 compiled, 1 a pass or the
 * accuracy gate failed, 2 bad arguments.
 */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compile an ONNX model for a target (ml_c5, ml_c6g, ml_g4dn, linux/x86_64/avx512, ...) into a "
                + "deployable model.tar.gz with a manifest and an accuracy-checked compile report.")
final class CompileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "The model: an .onnx file, a directory holding one, or a model.tar.gz.")
    Path model;

    @Option(names = "--target", paramLabel = "TARGET",
            description = "SageMaker target device (ml_c5, ml_m5, ml_c6i, ml_c6g, ml_m6g, ml_c7g, rasp4b, ml_g4dn, "
                    + "ml_g5, ml_p3) or platform (linux/x86_64, linux/x86_64/avx512, linux/arm64, linux/x86_64/nvidia).")
    String target;

    @Option(names = "--input-shapes", paramLabel = "JSON",
            description = "DataInputConfig: input shapes to specialise, e.g. '{\"input_ids\": [1, 128]}'.")
    String inputShapes;

    @Option(names = "--compiler-options", paramLabel = "JSON",
            description = "CompilerOptions: {\"dtype\": \"float32|float16|int8\", \"mcpu\": ..., \"mattr\": ...}.")
    String compilerOptions;

    @Option(names = "--output", paramLabel = "OUT.tar.gz", description = "Where the compiled artifact goes.")
    Path output;

    @Option(names = "--samples", paramLabel = "FILE",
            description = "Sample inputs for the accuracy gate (default: generated from the input specs).")
    Path samples;

    @Option(names = "--min-cosine", paramLabel = "X",
            description = "Accuracy gate: least cosine similarity of outputs to the original (default 0.98).")
    Double minCosine;

    @Option(names = "--min-top1", paramLabel = "X",
            description = "Accuracy gate: least top-1 agreement for classifier outputs (default 0.98).")
    Double minTop1;

    @Option(names = "--max-abs-error", paramLabel = "X",
            description = "Accuracy gate: largest absolute error allowed (default: reported, not gated).")
    Double maxAbsError;

    @Option(names = "--list-targets", description = "List the targets, their passes and runtime configuration.")
    boolean listTargets;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (listTargets) {
            for (Target t : Targets.all()) {
                out.printf("%-22s %-22s %-6s %s%n", t.name(), t.platform(), t.defaultDtype(), t.description());
            }
            out.flush();
            return 0;
        }
        CompileRequest request;
        try {
            if (target == null || output == null) {
                throw new IllegalArgumentException("--target and --output are required");
            }
            Map<String, long[]> shapes = inputShapes == null ? Map.of() : CompileRequest.parseInputShapes(inputShapes);
            Map<String, String> options = compilerOptions == null ? Map.of()
                    : CompileRequest.parseCompilerOptions(compilerOptions);
            Tolerance defaults = Tolerance.defaults();
            Tolerance tolerance = new Tolerance(maxAbsError != null ? maxAbsError : defaults.maxAbsoluteError(),
                    minCosine != null ? minCosine : defaults.minCosineSimilarity(),
                    minTop1 != null ? minTop1 : defaults.minTop1Agreement());
            request = new CompileRequest(model, target, shapes, options, output, samples, tolerance);
        } catch (IllegalArgumentException e) {
            err.println("sluice compile: " + e.getMessage());
            err.flush();
            return 2;
        }
        CompileListener progress = new CompileListener() {
            @Override
            public void stage(String description) {
                err.println("sluice compile: " + description);
                err.flush();
            }

            @Override
            public boolean cancelled() {
                return false;
            }
        };
        try {
            CompileResult result = Compiler.compile(request, progress);
            out.println(result.report().toText());
            out.println("artifact: " + result.artifact() + " (sha256:" + result.artifactSha256() + ")");
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("sluice compile: " + e.getMessage());
            err.flush();
            return 2;
        } catch (CompilationFailedException e) {
            if (e.report() != null) {
                out.println(e.report().toText());
                out.flush();
            }
            err.println("sluice compile: compilation failed: " + e.getMessage());
            err.flush();
            return 1;
        }
    }
}
