package dev.sluice.neo;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A finished compilation.
 *
 * @param artifact       the {@code OUT.tar.gz} written
 * @param artifactSha256 SHA-256 of that file (SageMaker's {@code ModelDigests.ArtifactDigest}), lower-case hex
 * @param report         what was done and measured; also inside the artifact as {@code compile-report.json}
 */
public record CompileResult(Path artifact, String artifactSha256, CompileReport report) {
    public CompileResult {
        Objects.requireNonNull(artifact, "artifact");
        Objects.requireNonNull(artifactSha256, "artifactSha256");
        Objects.requireNonNull(report, "report");
    }
}
