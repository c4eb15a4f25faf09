package dev.sluice.modelhost.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.modelhost.testing.OnnxFixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelArtifactsTest {
    @TempDir
    Path tmp;

    Path work() {
        return tmp.resolve("work");
    }

    @Test
    void anOnnxFileIsUsedAsIsWithTheTokenizerBesideIt() throws IOException {
        Path model = OnnxFixtures.mlp(tmp.resolve("m"));
        assertThat(ModelArtifacts.resolve(model.toString(), work()))
                .isEqualTo(new ModelArtifacts.Resolved(model, java.util.Optional.empty()));

        Files.writeString(model.resolveSibling("tokenizer.json"), "{}");
        assertThat(ModelArtifacts.resolve(model.toUri().toString(), work()).tokenizerJson())
                .contains(model.toAbsolutePath().resolveSibling("tokenizer.json"));
    }

    @Test
    void aDirectoryPrefersModelOnnx() throws IOException {
        Path dir = tmp.resolve("dir");
        OnnxFixtures.mlp(dir);
        Files.copy(dir.resolve("mlp.onnx"), dir.resolve("model.onnx"));

        assertThat(ModelArtifacts.resolve(dir.toString(), work()).modelFile()).isEqualTo(dir.resolve("model.onnx"));
    }

    @Test
    void aDirectoryWithOneOnnxFileAnywhereUsesIt() throws IOException {
        Path dir = tmp.resolve("dir");
        Path nested = OnnxFixtures.mlp(dir.resolve("a/b"));
        Files.writeString(dir.resolve("README.md"), "hi");

        ModelArtifacts.Resolved resolved = ModelArtifacts.resolve(dir.toString(), work());

        assertThat(resolved.modelFile()).isEqualTo(nested);
        assertThat(resolved.tokenizerJson()).isEmpty();
    }

    @Test
    void aDirectoryWithSeveralOrNoOnnxFilesIsAnErrorListingWhatWasFound() throws IOException {
        Path several = tmp.resolve("several");
        OnnxFixtures.mlp(several);
        OnnxFixtures.twoInputs(several.resolve("sub"));
        assertThatThrownBy(() -> ModelArtifacts.resolve(several.toString(), work()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(several.toAbsolutePath().toString())
                .hasMessageContaining("mlp.onnx").hasMessageContaining("two-inputs.onnx");

        Path none = Files.createDirectories(tmp.resolve("none"));
        Files.writeString(none.resolve("weights.bin"), "x");
        assertThatThrownBy(() -> ModelArtifacts.resolve(none.toString(), work()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no .onnx file").hasMessageContaining(none.toAbsolutePath().toString())
                .hasMessageContaining("weights.bin");
    }

    @Test
    void missingAndUnknownSourcesAreErrorsNamingThePath() {
        Path missing = tmp.resolve("missing.onnx");
        assertThatThrownBy(() -> ModelArtifacts.resolve(missing.toString(), work()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> ModelArtifacts.resolve("builtin:gpt", work()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("builtin:minilm");
        assertThatThrownBy(() -> ModelArtifacts.resolve("s3://bucket/model.tar.gz", work()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("s3://bucket/model.tar.gz");
    }

    @Test
    void aModelTarGzIsExtractedIntoTheWorkDirectory() throws IOException {
        byte[] onnx = Files.readAllBytes(OnnxFixtures.mlp(tmp.resolve("src")));
        Path archive = tmp.resolve("model.tar.gz");
        try (TarArchiveOutputStream tar = tarGz(archive)) {
            directory(tar, "./");
            directory(tar, "./code/");
            file(tar, "./code/inference.py", "print()".getBytes(StandardCharsets.UTF_8));
            file(tar, "./model.onnx", onnx);
            file(tar, "./tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8));
        }

        ModelArtifacts.Resolved resolved = ModelArtifacts.resolve(archive.toString(), work());

        assertThat(resolved.modelFile()).isEqualTo(work().resolve("model.onnx"));
        assertThat(Files.readAllBytes(resolved.modelFile())).isEqualTo(onnx);
        assertThat(resolved.tokenizerJson()).contains(work().toAbsolutePath().resolve("tokenizer.json"));
        assertThat(work().resolve("code/inference.py")).exists();
    }

    @Test
    void entriesThatClimbOutOfTheTargetAreRejected() throws IOException {
        Path archive = tmp.resolve("evil.tgz");
        try (TarArchiveOutputStream tar = tarGz(archive)) {
            file(tar, "model.onnx", new byte[] {1});
            file(tar, "../escaped.onnx", new byte[] {1});
        }

        assertThatThrownBy(() -> ModelArtifacts.resolve(archive.toString(), work()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(archive.toAbsolutePath().toString())
                .hasMessageContaining("'../escaped.onnx'").hasMessageContaining("escapes");
        assertThat(tmp.resolve("escaped.onnx")).doesNotExist();
    }

    @Test
    void absoluteEntriesAreRejected() throws IOException {
        Path archive = tmp.resolve("absolute.tar.gz");
        Path outside = tmp.resolve("absolute-target.onnx");
        try (TarArchiveOutputStream tar = tarGz(archive)) {
            TarArchiveEntry entry = new TarArchiveEntry(outside.toAbsolutePath().toString(), true);
            entry.setSize(1);
            tar.putArchiveEntry(entry);
            tar.write(1);
            tar.closeArchiveEntry();
        }

        assertThatThrownBy(() -> ModelArtifacts.extractTar(archive, work()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute path");
        assertThat(outside).doesNotExist();
    }

    @Test
    void symlinksPointingOutAreRejectedAndNothingIsWrittenThroughThem() throws IOException {
        Path outsideDir = Files.createDirectories(tmp.resolve("outside"));
        Path direct = tmp.resolve("direct.tar.gz");
        try (TarArchiveOutputStream tar = tarGz(direct)) {
            symlink(tar, "link", "../outside");
            file(tar, "link/model.onnx", new byte[] {1});
        }
        assertThatThrownBy(() -> ModelArtifacts.extractTar(direct, tmp.resolve("w1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'link'");

        Path absolute = tmp.resolve("absolute-link.tar.gz");
        try (TarArchiveOutputStream tar = tarGz(absolute)) {
            symlink(tar, "link", outsideDir.toAbsolutePath().toString());
        }
        assertThatThrownBy(() -> ModelArtifacts.extractTar(absolute, tmp.resolve("w2")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute");

        // Each link looks harmless on its own; together "b" means the target's parent.
        Path chained = tmp.resolve("chained.tar.gz");
        try (TarArchiveOutputStream tar = tarGz(chained)) {
            symlink(tar, "a", ".");
            symlink(tar, "b", "a/..");
            file(tar, "b/outside/model.onnx", new byte[] {1});
        }
        assertThatThrownBy(() -> ModelArtifacts.extractTar(chained, tmp.resolve("w3")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");

        try (Stream<Path> files = Files.list(outsideDir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void symlinksInsideTheArchiveAreKept() throws IOException {
        byte[] onnx = Files.readAllBytes(OnnxFixtures.mlp(tmp.resolve("src")));
        Path archive = tmp.resolve("links.tar.gz");
        try (TarArchiveOutputStream tar = tarGz(archive)) {
            file(tar, "versions/1/net.onnx", onnx);
            symlink(tar, "model.onnx", "versions/1/net.onnx");
        }

        ModelArtifacts.Resolved resolved = ModelArtifacts.resolve(archive.toString(), work());

        assertThat(Files.readAllBytes(resolved.modelFile())).isEqualTo(onnx);
    }

    @Test
    void builtinMinilmIsCopiedFromTheClasspath() {
        ModelArtifacts.Resolved resolved = ModelArtifacts.resolve("builtin:minilm", work());

        assertThat(resolved.modelFile()).isEqualTo(work().resolve("model.onnx")).isNotEmptyFile();
        assertThat(resolved.tokenizerJson()).contains(work().resolve("tokenizer.json"));
        assertThat(resolved.tokenizerJson().get()).isNotEmptyFile();
    }

    private static TarArchiveOutputStream tarGz(Path archive) throws IOException {
        OutputStream out = Files.newOutputStream(archive);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        return tar;
    }

    private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        tar.putArchiveEntry(new TarArchiveEntry(name));
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void symlink(TarArchiveOutputStream tar, String name, String target) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        entry.setLinkName(target);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }
}
