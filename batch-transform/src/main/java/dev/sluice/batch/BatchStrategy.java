package dev.sluice.batch;

import dev.sluice.batch.internal.Names;

/** One record per request, or as many as fit under the payload limit (SageMaker `BatchStrategy`). */
public enum BatchStrategy {
    SINGLE_RECORD, MULTI_RECORD;

    /** Parses SageMaker's spelling (SingleRecord, MultiRecord, or the container's SINGLE_RECORD, MULTI_RECORD), case-insensitively; underscores and dashes are ignored. */
    public static BatchStrategy parse(String value) {
        return Names.parse(BatchStrategy.class, value, "--batch-strategy");
    }
}
