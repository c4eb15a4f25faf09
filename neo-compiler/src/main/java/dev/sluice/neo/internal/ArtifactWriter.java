package dev.sluice.neo.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Writes {@code OUT.tar.gz} in SageMaker's model-artifact layout: every file at the archive's root (the host extracts
 * it to {@code /opt/ml/model}). Written beside the target and moved into place, so a failed compilation never leaves a
 * truncated artifact under the requested name.
 */
public final class ArtifactWriter {
    private final Map<String, byte[]> contents = new LinkedHashMap<>();
    private final Map<String, Path> files = new LinkedHashMap<>();

    public ArtifactWriter add(String name, byte[] data) {
        contents.put(name, data);
        return this;
    }

    public ArtifactWriter add(String name, Path file) {
        files.put(name, file);
        return this;
    }

    public void writeTo(Path output) throws IOException {
        Path parent = output.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // Not createTempFile: its owner-only permissions would carry over to the artifact.
        Path partial = parent.resolve("." + output.getFileName() + "." + Long.toHexString(System.nanoTime())
                + ".partial");
        try {
            GzipParameters gzip = new GzipParameters();
            // Weights compress poorly; the fastest level loses ~1% of size and saves most of the time.
            gzip.setCompressionLevel(1);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out, gzip))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (Map.Entry<String, byte[]> e : contents.entrySet()) {
                    TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                    entry.setSize(e.getValue().length);
                    entry.setMode(0644);
                    tar.putArchiveEntry(entry);
                    tar.write(e.getValue());
                    tar.closeArchiveEntry();
                }
                for (Map.Entry<String, Path> e : files.entrySet()) {
                    TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                    entry.setSize(Files.size(e.getValue()));
                    entry.setMode(0644);
                    tar.putArchiveEntry(entry);
                    Files.copy(e.getValue(), tar);
                    tar.closeArchiveEntry();
                }
            }
            Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
