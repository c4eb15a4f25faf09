package dev.sluice.neo;

/**
 * Progress and cancellation for one compilation. The compiler calls {@link #stage} before each pass and checks
 * {@link #cancelled} between passes (a pass itself is not interrupted); a cancelled compilation throws
 * {@link java.util.concurrent.CancellationException} and writes no artifact. Called on the compiling thread.
 */
public interface CompileListener {
    /** Ignores progress and is never cancelled. */
    CompileListener NONE = new CompileListener() {
        @Override
        public void stage(String description) {
        }

        @Override
        public boolean cancelled() {
            return false;
        }
    };

    /** A pass is starting ("int8 dynamic quantisation", "accuracy gate", ...). */
    void stage(String description);

    /** Whether the compilation should stop at the next pass boundary. */
    boolean cancelled();
}
