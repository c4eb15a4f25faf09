package dev.sluice.batch;

import dev.sluice.batch.internal.Names;

/** How the outputs of one file are put together (SageMaker `TransformOutput.AssembleWith`). */
public enum AssembleWith {
    NONE, LINE;

    /** Parses SageMaker's spelling (None, Line), case-insensitively; underscores and dashes are ignored. */
    public static AssembleWith parse(String value) {
        return Names.parse(AssembleWith.class, value, "--assemble-with");
    }
}
