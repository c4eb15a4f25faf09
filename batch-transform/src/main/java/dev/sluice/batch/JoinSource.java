package dev.sluice.batch;

import dev.sluice.batch.internal.Names;

/** Whether each output record is joined with its input record (SageMaker `DataProcessing.JoinSource`). */
public enum JoinSource {
    NONE, INPUT;

    /** Parses SageMaker's spelling (None, Input), case-insensitively; underscores and dashes are ignored. */
    public static JoinSource parse(String value) {
        return Names.parse(JoinSource.class, value, "--join-source");
    }
}
