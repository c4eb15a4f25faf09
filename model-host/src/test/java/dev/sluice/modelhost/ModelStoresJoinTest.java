package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link ModelStores#join}: a client's target model must never lead outside the configured prefix. */
class ModelStoresJoinTest {
    static final Path DIR = Path.of("/srv/models");

    @Example
    void targetsAreJoinedUnderEachKindOfPrefix() {
        assertThat(ModelStores.join("s3://bucket/mme/", "model1.tar.gz")).isEqualTo("s3://bucket/mme/model1.tar.gz");
        assertThat(ModelStores.join("s3://bucket/mme", "team/a.onnx")).isEqualTo("s3://bucket/mme/team/a.onnx");
        assertThat(ModelStores.join("s3://bucket", "a.onnx")).isEqualTo("s3://bucket/a.onnx");
        assertThat(ModelStores.join("/srv/models", "team/a.onnx")).isEqualTo("/srv/models/team/a.onnx");
        assertThat(ModelStores.join("/srv/models/", "model1.tar.gz")).isEqualTo("/srv/models/model1.tar.gz");
        assertThat(ModelStores.join("file:///srv/models/", "my model%2e%2e.onnx"))
                .isEqualTo("file:///srv/models/my%20model%252e%252e.onnx");
        assertThat(Path.of(URI.create(ModelStores.join("file:///srv/models", "my model%2e%2e.onnx"))))
                .isEqualTo(Path.of("/srv/models/my model%2e%2e.onnx"));
        // S3 keys are literal: an encoded dot stays three characters, it never becomes "..".
        assertThat(ModelStores.join("s3://bucket/mme/", "%2e%2e/x")).isEqualTo("s3://bucket/mme/%2e%2e/x");
    }

    @Example
    void unsafeTargetsAreRefusedAsValidationErrors() {
        for (String target : List.of("", "..", "../x", "a/../../x", "a/..", "./a", "a/./b", "/etc/passwd", "a//b",
                "a/", "a\\b", "..\\x", "a\u0000b", "a\nb", "a\rb", "a\u007fb", "a\u0085b", "a\u2028b",
                "x".repeat(1025), "\ud800")) {
            Throwable refused = catchThrowable(() -> ModelStores.join("s3://bucket/mme/", target));
            assertThat(refused).as("target %s", target.replace("\u0000", "\\0")).isInstanceOf(SluiceException.class);
            assertThat(((SluiceException) refused).code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            assertThat(((SluiceException) refused).code().httpStatus()).isEqualTo(400);
            assertThat(catchThrowable(() -> ModelStores.join("/srv/models", target)))
                    .isInstanceOf(SluiceException.class);
        }
        assertThatThrownBy(() -> ModelStores.join("s3://bucket/", null)).isInstanceOf(SluiceException.class)
                .hasMessageContaining("empty");
        assertThat(ModelStores.join("s3://bucket/mme/", "x".repeat(1024))).endsWith("x".repeat(1024));
        // Refused messages quote the target without its control characters (they end up in logs).
        assertThatThrownBy(() -> ModelStores.join("s3://bucket/", "a\nforged log line"))
                .hasMessageNotContaining("\n");
    }

    @Example
    void badPrefixesAreConfigurationErrors() {
        assertThatThrownBy(() -> ModelStores.join(" ", "a.onnx")).isInstanceOf(IllegalArgumentException.class)
                .isNotInstanceOf(SluiceException.class);
        assertThatThrownBy(() -> ModelStores.join("s3:///mme/", "a.onnx")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no bucket");
        assertThatThrownBy(() -> ModelStores.join("gs://bucket/mme/", "a.onnx"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported");
    }

    @Property(tries = 400)
    void aJoinedTargetIsRefusedOrStaysUnderTheS3Prefix(@ForAll("targets") String target) {
        String prefix = "s3://bucket/mme/";
        String joined;
        try {
            joined = ModelStores.join(prefix, target);
        } catch (SluiceException refused) {
            assertThat(refused.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            return;
        }
        assertThat(joined).startsWith(prefix);
        // Below the prefix, no segment may climb or be empty: S3 has no "..", but whatever reads the key as a path
        // (a local cache, a proxy) must not be led out either.
        for (String segment : joined.substring(prefix.length()).split("/", -1)) {
            assertThat(segment).isNotEmpty().isNotEqualTo("..").isNotEqualTo(".");
        }
    }

    @Property(tries = 400)
    void aJoinedTargetIsRefusedOrStaysUnderTheDirectory(@ForAll("targets") String target) {
        for (String prefix : List.of(DIR.toString(), DIR.toUri().toString())) {
            String joined;
            try {
                joined = ModelStores.join(prefix, target);
            } catch (SluiceException refused) {
                assertThat(refused.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
                continue;
            }
            Path path = prefix.startsWith("file:") ? Path.of(URI.create(joined)) : Path.of(joined);
            assertThat(path.normalize()).startsWithRaw(DIR).isNotEqualTo(DIR);
            assertThat(path.normalize()).isEqualTo(path);
        }
    }

    /** Mostly path-like strings built from the characters that matter, plus arbitrary Unicode. */
    @Provide
    Arbitrary<String> targets() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("..", ".", "", "a", "model.tar.gz", "~", "%2e%2e", "C:", "\\..", "..\\", " ", "\u0000",
                        "\n", "\u202e", "%2f"),
                Arbitraries.strings().withChars("./\\%:a\u0000").ofMaxLength(4),
                Arbitraries.strings().ofMaxLength(6));
        Arbitrary<String> pathLike = segment.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join("/", parts));
        Arbitrary<String> rooted = pathLike.map(p -> "/" + p);
        return Arbitraries.oneOf(pathLike, pathLike, rooted, Arbitraries.strings().ofMaxLength(40));
    }
}
