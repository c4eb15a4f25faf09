package dev.sluice.batch;

import dev.sluice.batch.internal.Names;

/** How an input object is cut into records (SageMaker `TransformInput.SplitType`). */
public enum SplitType {
    NONE, LINE, RECORD_IO, TF_RECORD;

    /** Parses SageMaker's spelling (None, Line, RecordIO, TFRecord), case-insensitively; underscores and dashes are ignored. */
    public static SplitType parse(String value) {
        return Names.parse(SplitType.class, value, "--split-type");
    }
}
