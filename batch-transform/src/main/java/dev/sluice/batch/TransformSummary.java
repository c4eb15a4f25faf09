package dev.sluice.batch;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a transform job ended.
 *
 * @param status         {@code Completed}, {@code Failed} (at least one file failed) or {@code Stopped}
 * @param filesTotal     input objects found, skipped ones included
 * @param filesSucceeded files transformed in this run
 * @param filesSkipped   files a previous run of the same configuration completed (resume)
 * @param records        records transformed in this run
 * @param failures       files without an {@code .out}, with reasons
 * @param elapsed        wall time of the run
 */
public record TransformSummary(String status, int filesTotal, int filesSucceeded, int filesSkipped,
                               long records, List<FileFailure> failures, Duration elapsed) {
    public TransformSummary {
        Objects.requireNonNull(status, "status");
        failures = List.copyOf(Objects.requireNonNull(failures, "failures"));
        Objects.requireNonNull(elapsed, "elapsed");
    }
}
