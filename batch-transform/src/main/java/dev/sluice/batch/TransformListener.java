package dev.sluice.batch;

/**
 * Progress of a transform job, for a progress bar or a control plane's DescribeTransformJob. Called from the job's own
 * threads, possibly concurrently for different files: implementations must be thread-safe and quick.
 */
public interface TransformListener {
    TransformListener NONE = new TransformListener() {
    };

    /** A file is about to be read; {@code bytes} is its stored (possibly compressed) size, -1 when unknown. */
    default void fileStarted(String input, long bytes) {
    }

    /** {@code records} more records have been transformed and written (a delta, not a total). */
    default void recordsDone(long records) {
    }

    /** A file finished: {@code ok} when its {@code .out} is complete. */
    default void fileDone(String input, boolean ok) {
    }
}
