package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.S3Config;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice transform} end to end: arguments, a model in-process or a running server, the .out files. */
class TransformCommandTest {
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

    private static final float[][] A = {{1, 2, 3, 4}, {0.5f, -1, 2, 0}, {-3, 0, 1, 7}};
    private static final float[][] B = {{9, 8, 7, 6}, {0, 0, 0, 0}};

    /** {@code in/a.csv} and {@code in/sub/b.csv}, one row of 4 features per line. */
    private Path inputs() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in.resolve("sub"));
        Files.writeString(in.resolve("a.csv"), csv(A));
        Files.writeString(in.resolve("sub/b.csv"), csv(B));
        return in;
    }

    private static String csv(float[][] rows) {
        StringBuilder sb = new StringBuilder();
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                sb.append(i == 0 ? "" : ",").append(row[i]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Every line of the .out is the model's answer for the input row at the same position. */
    private static void assertOutput(Path out, float[][] rows) throws Exception {
        assertThat(out).exists();
        List<String> lines = new ArrayList<>(Files.readAllLines(out));
        lines.removeIf(String::isBlank);
        assertThat(lines).hasSize(rows.length);
        for (int r = 0; r < rows.length; r++) {
            double[] expected = OnnxFixtures.mlpReference(rows[r]);
            String[] cells = lines.get(r).split(",");
            assertThat(cells).hasSize(expected.length);
            for (int i = 0; i < expected.length; i++) {
                assertThat(Double.parseDouble(cells[i].trim())).as("%s row %d", out, r).isCloseTo(expected[i],
                        within(1e-4));
            }
        }
    }

    @Test
    void modelInProcessTransformsEveryFileInRecordOrder() throws Exception {
        Path model = OnnxFixtures.mlp(dir.resolve("model"));
        Path in = inputs();
        Path out = dir.resolve("out");
        Result r = run("--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--content-type", "text/csv", "--accept", "text/csv", "--split-type", "Line",
                "--batch-strategy", "MultiRecord", "--assemble-with", "Line", "--work-dir",
                dir.resolve("work").toString(), "--workers", "1");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("Completed");
        assertOutput(out.resolve("a.csv.out"), A);
        assertOutput(out.resolve("sub/b.csv.out"), B);
    }

    @Test
    void endpointTakesItsDefaultsFromExecutionParametersAndTheCommandLineWins() throws Exception {
        Path model = OnnxFixtures.mlp(dir.resolve("model"));
        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, 3L << 20, Duration.ofSeconds(5),
                List.of(new ModelConfig("mlp", model.toString(), ModelConfig.PIPELINE_TENSOR, new RunnerConfig(2, 1,
                        512), BatchingConfig.disabled(), Map.of())), List.of(), S3Config.DEFAULT,
                ServerConfig.Role.GATEWAY);
        try (SluiceServer server = SluiceServer.start(config, dir.resolve("work"), dir.resolve("state"))) {
            server.modelsLoaded().get(60, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> params = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(base + "/execution-parameters")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(params.statusCode()).isEqualTo(200);
            assertThat(params.body()).contains("\"BatchStrategy\":\"MULTI_RECORD\"").contains("\"MaxPayloadInMB\":3");
            int cores = RunnerConfig.defaults().workers();

            Path in = inputs();
            Result r = run("--endpoint", base, "--endpoint-name", "mlp", "--input", in.toString(), "--output",
                    dir.resolve("out").toString(), "--content-type", "text/csv", "--accept", "text/csv",
                    "--split-type", "Line", "--assemble-with", "Line");
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            // The server's /execution-parameters: its max payload and one request per core.
            assertThat(r.err()).contains("MULTI_RECORD, " + Math.min(cores, 33) + " concurrent, 3 MB payloads");
            assertOutput(dir.resolve("out/a.csv.out"), A);
            assertOutput(dir.resolve("out/sub/b.csv.out"), B);

            Result single = run("--endpoint", base, "--input", in.toString(), "--output",
                    dir.resolve("out2").toString(), "--content-type", "text/csv", "--accept", "text/csv",
                    "--split-type", "Line", "--assemble-with", "Line", "--batch-strategy", "SingleRecord",
                    "--max-concurrent", "2", "--max-payload-mb", "1");
            assertThat(single.code()).as(single.out() + single.err()).isZero();
            assertThat(single.err()).contains("SINGLE_RECORD, 2 concurrent, 1 MB payloads");
            assertOutput(dir.resolve("out2/a.csv.out"), A);
        }
    }

    @Test
    void aFailedFileFailsTheJobWithExitCodeOneAndASummaryLine() throws Exception {
        Path model = OnnxFixtures.mlp(dir.resolve("model"));
        Path in = inputs();
        Files.writeString(in.resolve("bad.csv"), "1,2\n");
        Result r = run("--model", model.toString(), "--input", in.toString(), "--output",
                dir.resolve("out").toString(), "--content-type", "text/csv", "--split-type", "Line",
                "--assemble-with", "Line", "--work-dir", dir.resolve("work").toString(), "--max-retries", "0");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("Failed").contains("failed: ").contains("bad.csv");
        assertThat(dir.resolve("out/bad.csv.out")).doesNotExist();
        assertOutput(dir.resolve("out/a.csv.out"), A);
    }

    @Test
    void badArgumentsExitTwo() throws Exception {
        Path in = inputs();
        String out = dir.resolve("out").toString();
        assertThat(run("--model", "m.onnx", "--output", out).code()).isEqualTo(2);
        assertThat(run("--input", in.toString(), "--output", out).code()).isEqualTo(2);
        assertThat(run("--model", "m.onnx", "--endpoint", "http://localhost:1", "--input", in.toString(),
                "--output", out).code()).isEqualTo(2);
        Result split = run("--model", "m.onnx", "--input", in.toString(), "--output", out, "--split-type", "Words");
        assertThat(split.code()).isEqualTo(2);
        assertThat(split.err()).contains("--split-type");
        assertThat(run("--model", "m.onnx", "--input", in.toString(), "--output", out, "--max-retries", "7")
                .code()).isEqualTo(2);
        assertThat(run("--model", "m.onnx", "--input", in.toString(), "--output", out, "--max-payload-mb", "101")
                .err()).contains("--max-payload-mb");
        assertThat(run("--model", "m.onnx", "--input", in.toString(), "--output", out, "--endpoint-name", "x")
                .err()).contains("--endpoint-name needs --endpoint");
        assertThat(run("--endpoint", "ftp://x", "--input", in.toString(), "--output", out).code()).isEqualTo(2);
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void baseUrlWithAnEndpointName() {
        TransformCommand command = new TransformCommand();
        new CommandLine(command).parseArgs("--endpoint", "http://h:8080/", "--endpoint-name", "scoring",
                "--input", "i", "--output", "o");
        assertThat(command.baseUrl()).isEqualTo(URI.create("http://h:8080/endpoints/scoring"));
    }
}
