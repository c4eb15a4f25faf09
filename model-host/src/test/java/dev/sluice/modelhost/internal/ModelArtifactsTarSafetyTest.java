package dev.sluice.modelhost.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link ModelArtifacts#extractTar} refuses beyond the cases in ModelArtifactsTest: hard links out of the tree,
 * archives over the byte and entry limits (hard-link copies included), links left dangling or leading out once
 * everything is extracted, and names that are not file names. Model archives come from S3 now, so from whoever can
 * write to the bucket.
 */
class ModelArtifactsTarSafetyTest {
    @TempDir
    Path tmp;

    Path outside() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(dir.resolve("secret.txt"), "secret");
        return dir;
    }

    @Test
    void hardLinksOutOfTheTreeAreRefused() throws IOException {
        Path outside = outside();
        Path relative = archive("hard-relative.tar.gz", tar -> {
            file(tar, "model.onnx", new byte[] {1});
            hardLink(tar, "copy.txt", "../outside/secret.txt");
        });
        assertThatThrownBy(() -> ModelArtifacts.extractTar(relative, tmp.resolve("w1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../outside/secret.txt'")
                .hasMessageContaining("escapes");

        Path absolute = archive("hard-absolute.tar.gz", tar ->
                hardLink(tar, "copy.txt", outside.resolve("secret.txt").toAbsolutePath().toString()));
        assertThatThrownBy(() -> ModelArtifacts.extractTar(absolute, tmp.resolve("w2")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute");

        // A hard link through a symlink that was itself accepted: the link's real target is what is checked.
        Path viaSymlink = archive("hard-via-symlink.tar.gz", tar -> {
            symlink(tar, "a", ".");
            symlink(tar, "b", "a/..");
            hardLink(tar, "copy.txt", "b/outside/secret.txt");
        });
        assertThatThrownBy(() -> ModelArtifacts.extractTar(viaSymlink, tmp.resolve("w3")))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(tmp.resolve("w1/copy.txt")).doesNotExist();
        assertThat(tmp.resolve("w2/copy.txt")).doesNotExist();
        assertThat(tmp.resolve("w3/copy.txt")).doesNotExist();
    }

    @Test
    void hardLinksInsideTheTreeAreCopied() throws IOException {
        Path archive = archive("hard-inside.tar.gz", tar -> {
            file(tar, "versions/1/model.onnx", new byte[] {1, 2, 3});
            hardLink(tar, "model.onnx", "versions/1/model.onnx");
        });

        ModelArtifacts.extractTar(archive, tmp.resolve("w"));

        assertThat(tmp.resolve("w/model.onnx")).hasBinaryContent(new byte[] {1, 2, 3});
        assertThat(Files.isSymbolicLink(tmp.resolve("w/model.onnx"))).isFalse();
    }

    @Test
    void archivesOverTheByteLimitAreRefusedBeforeFillingTheDisk() throws IOException {
        Path big = archive("big.tar.gz", tar -> file(tar, "model.onnx", new byte[2000]));
        assertThatThrownBy(() -> ModelArtifacts.extractTar(big, tmp.resolve("w1"), 1000, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1000 bytes");
        assertThat(tmp.resolve("w1/model.onnx")).doesNotExist();

        Path spread = archive("spread.tar.gz", tar -> {
            file(tar, "a.bin", new byte[600]);
            file(tar, "b.bin", new byte[600]);
        });
        assertThatThrownBy(() -> ModelArtifacts.extractTar(spread, tmp.resolve("w2"), 1000, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1000 bytes");

        // Each hard link is a full copy: links to one entry must count against the limit too.
        Path links = archive("links.tar.gz", tar -> {
            file(tar, "weights.bin", new byte[400]);
            for (int i = 0; i < 5; i++) {
                hardLink(tar, "copy-" + i + ".bin", "weights.bin");
            }
        });
        assertThatThrownBy(() -> ModelArtifacts.extractTar(links, tmp.resolve("w3"), 1000, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1000 bytes");
        assertThat(ModelArtifacts.MAX_EXTRACTED_BYTES).isEqualTo(32L << 30);
    }

    @Test
    void dataOfSkippedEntriesCountsAgainstTheStreamBound() throws IOException {
        // A FIFO entry carrying 2 MB: never written to disk, but inflated all the same.
        Path fifo = archive("fifo.tar.gz", tar -> {
            TarArchiveEntry entry = new TarArchiveEntry("pipe", TarConstants.LF_FIFO, true);
            entry.setSize(2 << 20);
            tar.putArchiveEntry(entry);
            tar.write(new byte[2 << 20]);
            tar.closeArchiveEntry();
        });
        assertThatThrownBy(() -> ModelArtifacts.extractTar(fifo, tmp.resolve("w"), 1000, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tar stream is longer");

        ModelArtifacts.extractTar(fifo, tmp.resolve("w-default"));
        assertThat(tmp.resolve("w-default/pipe")).as("skipped, not created").doesNotExist();
    }

    @Test
    void archivesOverTheEntryLimitAreRefused() throws IOException {
        Path many = archive("many.tar.gz", tar -> {
            for (int i = 0; i < 11; i++) {
                directory(tar, "d" + i + "/");
            }
        });
        assertThatThrownBy(() -> ModelArtifacts.extractTar(many, tmp.resolve("w"), 1000, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 10 entries");
        assertThat(ModelArtifacts.MAX_ENTRIES).isEqualTo(100_000);
    }

    @Test
    void linksLeftDanglingAreRemovedAndLinksThatEndUpOutsideAreRefused() throws IOException {
        Path outside = outside();
        // "b" points nowhere when it is made, so its real target cannot be checked then.
        Path dangling = archive("dangling.tar.gz", tar -> {
            file(tar, "model.onnx", new byte[] {1});
            symlink(tar, "missing.onnx", "nowhere/model.onnx");
            symlink(tar, "a", ".");
            symlink(tar, "b", "a/../outside/not-yet.txt");
        });

        ModelArtifacts.extractTar(dangling, tmp.resolve("w"));

        assertThat(tmp.resolve("w/model.onnx")).exists();
        assertThat(Files.exists(tmp.resolve("w/missing.onnx"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(tmp.resolve("w/b"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .as("a link that would start pointing outside once its target appears").isFalse();
        try (Stream<Path> files = Files.list(outside)) {
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("secret.txt");
        }
    }

    @Test
    void entryNamesThatAreNotFileNamesAreRefused() throws IOException {
        // Past 100 characters the name travels in a PAX record, which is length-prefixed and so can carry a NUL.
        Path archive = archive("nul.tar", tar -> file(tar, "x".repeat(120) + "\u0000.onnx", new byte[] {1}));
        assertThatThrownBy(() -> ModelArtifacts.extractTar(archive, tmp.resolve("w")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsafe");
    }

    @FunctionalInterface
    interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    Path archive(String name, Entries entries) throws IOException {
        Path archive = tmp.resolve(name);
        OutputStream out = Files.newOutputStream(archive);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(name.endsWith(".gz")
                ? new GzipCompressorOutputStream(out) : out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            entries.write(tar);
        }
        return archive;
    }

    static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        tar.putArchiveEntry(new TarArchiveEntry(name));
        tar.closeArchiveEntry();
    }

    static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    static void symlink(TarArchiveOutputStream tar, String name, String target) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        entry.setLinkName(target);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    static void hardLink(TarArchiveOutputStream tar, String name, String target) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        entry.setLinkName(target);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }
}
