package dev.sluice.batch;

import dev.sluice.batch.internal.Names;

/** Compression of the input objects (SageMaker `TransformInput.CompressionType`). */
public enum Compression {
    NONE, GZIP;

    /** Parses SageMaker's spelling (None, Gzip), case-insensitively; underscores and dashes are ignored. */
    public static Compression parse(String value) {
        return Names.parse(Compression.class, value, "--compression");
    }
}
