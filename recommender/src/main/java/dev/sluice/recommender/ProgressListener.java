package dev.sluice.recommender;

/**
 * Told what a recommendation job is doing, on the job's thread: implementations return quickly (print a line,
 * update a status record) and do not throw.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = event -> { };

    void onEvent(ProgressEvent event);
}
