package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Argument parsing of {@code sluice host} into the core config records, and its mistakes. */
class HostCommandTest {
    @TempDir
    Path dir;

    private static ServerConfig parse(String... args) {
        HostCommand command = new HostCommand();
        new CommandLine(command).parseArgs(args);
        return command.toServerConfig();
    }

    /** Runs {@code sluice host ARGS} as main would (config errors never start a server) and returns stderr. */
    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceCommand.commandLine();
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "host";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = cli.execute(all);
        return new Result(code, err.toString());
    }

    private record Result(int code, String err) {
    }

    @Test
    void multiModelHostOnTheContainerPorts() {
        ServerConfig config = parse("--multi-model", "/opt/ml/models/");
        assertThat(config.role()).isEqualTo(ServerConfig.Role.HOST);
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.adminPort()).isEqualTo(8081);
        assertThat(config.models()).isEmpty();
        MultiModelConfig models = config.containerModels().orElseThrow();
        assertThat(models.name()).isEqualTo(MultiModelConfig.HOST_ENDPOINT_NAME);
        assertThat(models.prefix()).isEqualTo("/opt/ml/models/");
        assertThat(models.defaultMemoryBudget()).isTrue();
        assertThat(models.cacheEnabled()).isTrue();
        assertThat(models.runners()).isEqualTo(MultiModelConfig.DEFAULT_RUNNERS);
        assertThat(config.s3().endpoint()).isNull();
    }

    @Test
    void everyOption() {
        ServerConfig config = parse("--port", "9000", "--admin-port", "9001", "--bind", "127.0.0.1",
                "--multi-model", "s3://bucket/models", "--model-memory-budget", "2g", "--model-cache", "Disabled",
                "--s3-endpoint", "http://localhost:9000", "--s3-path-style", "--s3-region", "eu-west-1",
                "--workers", "2", "--work-dir", "/tmp/w");
        assertThat(config.port()).isEqualTo(9000);
        assertThat(config.adminPort()).isEqualTo(9001);
        assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
        MultiModelConfig models = config.multiModels().get(0);
        assertThat(models.memoryBudgetBytes()).isEqualTo(2L << 30);
        assertThat(models.cacheEnabled()).isFalse();
        assertThat(models.runners().workers()).isEqualTo(2);
        assertThat(config.s3().endpoint()).isEqualTo(URI.create("http://localhost:9000"));
        assertThat(config.s3().pathStyle()).isTrue();
        assertThat(config.s3().region()).isEqualTo("eu-west-1");
    }

    @Test
    void memoryBudgetSizes() {
        assertThat(parse("--multi-model", "/m", "--model-memory-budget", "512m").multiModels().get(0)
                .memoryBudgetBytes()).isEqualTo(512L << 20);
        assertThat(parse("--multi-model", "/m", "--model-memory-budget", "1048576").multiModels().get(0)
                .memoryBudgetBytes()).isEqualTo(1_048_576L);
        assertThat(parse("--multi-model", "/m", "--model-memory-budget", "1.5G").multiModels().get(0)
                .memoryBudgetBytes()).isEqualTo(3L << 29);
    }

    @Test
    void singleModelHost() {
        ServerConfig config = parse("--model", "m=/models/m.onnx", "--model", "n=s3://b/n.tar.gz");
        assertThat(config.role()).isEqualTo(ServerConfig.Role.HOST);
        assertThat(config.defaultModel().orElseThrow().name()).isEqualTo("m");
        assertThat(config.models()).hasSize(2);
        assertThat(config.containerModels()).isEmpty();
    }

    @Test
    void aHostServesModelsOrAMultiModelSet() {
        assertThatThrownBy(() -> parse()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--model NAME=PATH or --multi-model PREFIX");
        assertThatThrownBy(() -> parse("--model", "m=/m.onnx", "--multi-model", "/models"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be combined");
    }

    @Test
    void badValuesExitWithAClearMessage() {
        Result size = run("--multi-model", "/m", "--model-memory-budget", "2x");
        assertThat(size.code()).isEqualTo(2);
        assertThat(size.err()).contains("Invalid value for option '--model-memory-budget'")
                .contains("'2x' is not a size").contains("512m");
        Result zero = run("--multi-model", "/m", "--model-memory-budget", "0");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).contains("'0' must be at least 1 byte");
        Result cache = run("--multi-model", "/m", "--model-cache", "sometimes");
        assertThat(cache.code()).isEqualTo(2);
        assertThat(cache.err()).contains("'sometimes' is not a cache setting: use enabled or disabled");
        Result endpoint = run("--multi-model", "/m", "--s3-endpoint", "ftp://store");
        assertThat(endpoint.code()).isEqualTo(2);
        assertThat(endpoint.err()).contains("sluice host: s3 endpoint must be an http:// or https:// URL");
        Result nothing = run();
        assertThat(nothing.code()).isEqualTo(2);
        assertThat(nothing.err()).contains("sluice host: give --model NAME=PATH or --multi-model PREFIX");
    }

    @Test
    void aPrefixTheHostCannotReadIsRefusedBeforeAnythingStarts() {
        Result r = run("--multi-model", "http://example.com/models", "--port", "0", "--admin-port", "0",
                "--bind", "127.0.0.1", "--work-dir", dir.resolve("work").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("multi-model endpoint 'multi-model'").contains("s3://");
    }
}
