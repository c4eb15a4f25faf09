package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.SecurityConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice transform --endpoint} against a server that authenticates: an API key file, or SigV4. */
class TransformAuthenticationTest {
    static final String KEY = "transform-api-key-0123456789abcdef";
    static final String ACCESS_KEY_ID = "AKIATRANSFORMTEST01";
    static final String SECRET = "transform/secret+0123456789";

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "transform";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = cli.execute(all);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void anApiKeyFileOrSigV4LetsTheJobThroughAndNothingElseDoes() throws Exception {
        Path model = OnnxFixtures.mlp(dir.resolve("model"));
        SecurityConfig security = new SecurityConfig(null, List.of(SecurityConfig.apiKeyDigest(KEY)),
                List.of(new SecurityConfig.AwsAccessKey(ACCESS_KEY_ID, SECRET)), null);
        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, 3L << 20,
                Duration.ofSeconds(5), List.of(ModelConfig.tensor("mlp", model.toString())), List.of(), null,
                ServerConfig.Role.GATEWAY, List.of(), null, null, security);
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.writeString(in.resolve("a.csv"), "1,2,3,4\n0.5,-1,2,0\n");
        Path keyFile = Files.writeString(dir.resolve("api-key"), "# for the batch job\n" + KEY + "\n");
        try (SluiceServer server = SluiceServer.start(config, dir.resolve("work"), dir.resolve("state"))) {
            server.modelsLoaded().get(60, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + server.port();

            Result withKey = run("--endpoint", base, "--endpoint-name", "mlp", "--input", in.toString(), "--output",
                    dir.resolve("out-key").toString(), "--content-type", "text/csv", "--accept", "text/csv",
                    "--split-type", "Line", "--assemble-with", "Line", "--api-key-file", keyFile.toString());
            assertThat(withKey.code()).as(withKey.out() + withKey.err()).isZero();
            // /execution-parameters was read with the key too: the server's 3 MB limit, not the default 6.
            assertThat(withKey.err()).contains(" 3 MB payloads");
            assertThat(Files.readAllLines(dir.resolve("out-key/a.csv.out"))).hasSize(2);

            System.setProperty("aws.accessKeyId", ACCESS_KEY_ID);
            System.setProperty("aws.secretAccessKey", SECRET);
            try {
                Result signed = run("--endpoint", base, "--endpoint-name", "mlp", "--input", in.toString(),
                        "--output", dir.resolve("out-sigv4").toString(), "--content-type", "text/csv", "--accept",
                        "text/csv", "--split-type", "Line", "--assemble-with", "Line", "--aws-sigv4");
                assertThat(signed.code()).as(signed.out() + signed.err()).isZero();
                assertThat(Files.readAllLines(dir.resolve("out-sigv4/a.csv.out"))).hasSize(2);
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }

            Result anonymous = run("--endpoint", base, "--endpoint-name", "mlp", "--input", in.toString(),
                    "--output", dir.resolve("out-none").toString(), "--content-type", "text/csv", "--split-type",
                    "Line", "--max-retries", "0");
            assertThat(anonymous.code()).as(anonymous.out() + anonymous.err()).isEqualTo(1);
            assertThat(dir.resolve("out-none/a.csv.out")).doesNotExist();
        }
        assertThat(run("--model", "m.onnx", "--input", in.toString(), "--output", dir.resolve("x").toString(),
                "--api-key-file", keyFile.toString()).err()).contains("--api-key-file needs --endpoint");
    }
}
