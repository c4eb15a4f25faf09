package dev.sluice.neo;

/**
 * A compilation that was valid as a request but could not produce an acceptable artifact: a pass failed (ONNX Runtime
 * refused the transformed graph, ...) or the accuracy gate found the compiled model outside the tolerance. The message
 * says which and why; {@link #report()} holds what was measured when there was something to report.
 */
public final class CompilationFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient CompileReport report;

    public CompilationFailedException(String message) {
        this(message, null, null);
    }

    public CompilationFailedException(String message, Throwable cause) {
        this(message, null, cause);
    }

    public CompilationFailedException(String message, CompileReport report, Throwable cause) {
        super(message, cause);
        this.report = report;
    }

    /** The report up to the failure (passes run, accuracy measured), or null when none was made. */
    public CompileReport report() {
        return report;
    }
}
