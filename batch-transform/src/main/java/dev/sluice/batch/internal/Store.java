package dev.sluice.batch.internal;

import dev.sluice.core.config.S3Config;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/** Where inputs are read and outputs written: a local tree or an S3 prefix. */
public interface Store extends Closeable {
    /** The name of the job's manifest under the output location (a dot file, so input listings skip it). */
    String MANIFEST = ".sluice-transform-manifest.json";

    /** One input object: its path relative to the input location ('/'-separated), a name to show, its size. */
    record Item(String relativePath, String display, long size) {
    }

    /** An output being written: nothing is visible under its final name until {@link #commit()}. */
    interface PendingOutput {
        OutputStream stream();

        void commit() throws IOException;

        /** Drops what was written; safe to call after a failed commit. */
        void abort();
    }

    /** Every input object, recursively, in a stable (sorted) order; skips {@code exclude}'s outputs when nested. */
    List<Item> list() throws IOException;

    InputStream open(Item item) throws IOException;

    PendingOutput create(String relativePath) throws IOException;

    boolean exists(String relativePath) throws IOException;

    Optional<byte[]> readManifest() throws IOException;

    void writeManifest(byte[] content) throws IOException;

    static boolean isS3(String location) {
        return location.regionMatches(true, 0, "s3://", 0, 5);
    }

    /** A store for a job's input or output; {@code other} is the opposite location, so outputs nested inside inputs are not read back. */
    static Store forLocation(String location, String other, S3Clients clients, S3Config s3) {
        return isS3(location) ? new S3Store(location, other, clients.client(s3)) : new LocalStore(location, other);
    }

    /** Rejects relative paths that would leave the output root (a hostile S3 listing can hold ".." segments). */
    static String checkRelative(String relativePath) throws IOException {
        for (String segment : relativePath.split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                throw new IOException("input name '" + relativePath + "' has a '" + segment + "' segment; refusing to "
                        + "write outside the output location");
            }
        }
        if (relativePath.isEmpty() || relativePath.startsWith("/")) {
            throw new IOException("input name '" + relativePath + "' is empty or absolute");
        }
        return relativePath;
    }
}
