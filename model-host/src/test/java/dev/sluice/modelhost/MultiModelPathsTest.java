package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.modelhost.internal.MultiModelPaths;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artifact sizes: the floor of a footprint and the estimate before a first load. */
class MultiModelPathsTest {
    @TempDir
    Path tmp;

    @Test
    void sizesFilesDirectoriesAndFileUrlsAndSkipsRemoteSources() throws Exception {
        Files.write(tmp.resolve("a.onnx"), new byte[123]);
        Files.createDirectories(tmp.resolve("dir/sub"));
        Files.write(tmp.resolve("dir/model.onnx"), new byte[100]);
        Files.write(tmp.resolve("dir/sub/tokenizer.json"), new byte[20]);
        assertThat(MultiModelPaths.sizeOnDisk(tmp.resolve("a.onnx").toString())).isEqualTo(123);
        assertThat(MultiModelPaths.sizeOnDisk(tmp.resolve("dir").toUri().toString())).isEqualTo(120);
        assertThat(MultiModelPaths.sizeOnDisk("s3://bucket/key.tar.gz")).isEqualTo(-1);
        assertThat(MultiModelPaths.sizeOnDisk("S3://bucket/key.tar.gz")).isEqualTo(-1);
        assertThat(MultiModelPaths.sizeOf(tmp.resolve("missing"))).isZero();
        assertThat(MultiModelPaths.sizeOf(null)).isZero();
    }

    @Test
    void aMissingLocalSourceIsReported() {
        assertThatThrownBy(() -> MultiModelPaths.sizeOnDisk(tmp.resolve("missing.onnx").toString()))
                .isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> MultiModelPaths.sizeOnDisk(tmp.resolve("missing.onnx").toUri().toString()))
                .isInstanceOf(NoSuchFileException.class);
    }
}
