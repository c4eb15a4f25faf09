package dev.sluice.modelhost.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Sizes of a multi-model host's artifacts on local disk: the floor of a model's footprint (ONNX Runtime holds every
 * weight in memory, so a model never takes less than its file) and the estimate before its first load. Joining a
 * target to the prefix is {@code ModelStores.join}'s job.
 */
public final class MultiModelPaths {
    private static final String S3 = "s3://";

    private MultiModelPaths() {
    }

    /** Whether the source is read where it lies (local file or directory) rather than fetched. */
    public static boolean isLocal(String source) {
        return !source.regionMatches(true, 0, S3, 0, S3.length());
    }

    /** A local source as a path ({@code file:} URLs included). */
    public static Path localPath(String source) {
        return source.regionMatches(true, 0, "file:", 0, 5) ? Path.of(URI.create(source)) : Path.of(source);
    }

    /**
     * Bytes on disk of a local source (a file, or every file under a directory); -1 for a remote one, whose size is
     * known only once it is downloaded.
     *
     * @throws NoSuchFileException when a local source does not exist
     */
    public static long sizeOnDisk(String source) throws NoSuchFileException {
        if (!isLocal(source)) {
            return -1;
        }
        Path path;
        try {
            path = localPath(source);
        } catch (IllegalArgumentException e) {
            throw new NoSuchFileException(source, null, e.getMessage());
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        return sizeOf(path);
    }

    /** Bytes of a file, or of every regular file under a directory; 0 when missing or unreadable. */
    public static long sizeOf(Path path) {
        if (path == null || !Files.exists(path)) {
            return 0;
        }
        try {
            return FileTrees.size(path);
        } catch (IOException e) {
            return 0;
        }
    }
}
