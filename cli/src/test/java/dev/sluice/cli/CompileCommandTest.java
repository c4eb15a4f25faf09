package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.artifact.ArtifactManifest;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice compile} from the command line: a real compilation, its report, and the usage errors. */
class CompileCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void compilesAModelForAnX86TargetWithAManifestAndAReport() {
        Path model = OnnxFixtures.mlp(dir.resolve("in"));
        Path output = dir.resolve("mlp-ml_c5.tar.gz");
        Run run = run("compile", "--model", model.toString(), "--target", "ml_c5", "--output", output.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(output).exists();
        assertThat(run.out()).contains("ml_c5").contains("artifact: " + output).contains("sha256:");
        ArtifactManifest manifest = ArtifactManifest.peek(output).orElseThrow();
        assertThat(manifest.target().device()).isEqualTo("ml_c5");
        assertThat(manifest.target().arch()).isEqualTo("x86_64");
        assertThat(manifest.incompatibility()).isEmpty();
    }

    @Test
    void anArmArtifactIsMarkedForArm() {
        Path model = OnnxFixtures.mlp(dir.resolve("in"));
        Path output = dir.resolve("mlp-arm.tar.gz");
        Run run = run("compile", "--model", model.toString(), "--target", "ml_c6g", "--output", output.toString());
        assertThat(run.code()).as(run.err()).isZero();
        ArtifactManifest manifest = ArtifactManifest.peek(output).orElseThrow();
        assertThat(manifest.target().arch()).isEqualTo("arm64");
        if (!System.getProperty("os.arch").contains("aarch64")) {
            assertThat(manifest.incompatibility()).get().asString().contains("arm64");
        }
    }

    @Test
    void badArgumentsAreUsageErrors() {
        Path model = OnnxFixtures.mlp(dir.resolve("in"));
        Run unknown = run("compile", "--model", model.toString(), "--target", "ml_nope", "--output",
                dir.resolve("x.tar.gz").toString());
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("ml_nope");
        Run shapes = run("compile", "--model", model.toString(), "--target", "ml_c5", "--input-shapes", "{oops",
                "--output", dir.resolve("x.tar.gz").toString());
        assertThat(shapes.code()).isEqualTo(2);
        Run missing = run("compile", "--model", model.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--target and --output are required");
        Run list = run("compile", "--list-targets", "--model", model.toString());
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("ml_c5").contains("ml_g4dn").contains("linux/arm64");
    }
}
