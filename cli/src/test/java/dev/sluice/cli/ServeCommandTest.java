package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.S3Config;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.core.hosting.ContainerDefinition;
import dev.sluice.core.hosting.ModelDefinition;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Argument and config-file parsing of {@code sluice serve} into the core config records. */
class ServeCommandTest {
    @TempDir
    Path dir;

    private static ServerConfig parse(String... args) {
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs(args);
        return command.toServerConfig();
    }

    @Test
    void noArgumentsServeTheBuiltInEmbeddingModelOnTheSageMakerPorts() {
        ServerConfig config = parse();
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.adminPort()).isEqualTo(8081);
        assertThat(config.maxPayloadBytes()).isEqualTo(6L * 1024 * 1024);
        assertThat(config.defaultModel().orElseThrow().source()).isEqualTo(ModelConfig.BUILTIN_MINILM);
        assertThat(config.defaultModel().orElseThrow().pipeline()).isEqualTo(ModelConfig.PIPELINE_SENTENCE_EMBEDDING);
        assertThat(config.defaultModel().orElseThrow().batching().enabled()).isFalse();
    }

    @Test
    void noDemoLeavesOnlyControlPlaneEndpoints() {
        assertThat(parse("--no-demo").models()).isEmpty();
        assertThat(parse("--no-demo").defaultModel()).isEmpty();
        assertThat(parse("--no-demo", "--model", "m=/m.onnx").models()).hasSize(1);
    }

    @Test
    void modelsKeepTheirOrderAndTheFirstIsTheDefault() {
        ServerConfig config = parse("--port", "9000", "--admin-port", "9001", "--model", "b=/m/b.onnx",
                "--model", "a=/m/a.tar.gz", "--max-batch-size", "8", "--max-batch-delay-ms", "2.5", "--workers", "3");
        assertThat(config.port()).isEqualTo(9000);
        assertThat(config.models()).extracting(ModelConfig::name).containsExactly("b", "a");
        ModelConfig b = config.defaultModel().orElseThrow();
        assertThat(b.source()).isEqualTo("/m/b.onnx");
        assertThat(b.batching().maxBatchSize()).isEqualTo(8);
        assertThat(b.batching().maxQueueDelay()).isEqualTo(Duration.ofMillis(2).plusNanos(500_000));
        assertThat(b.runners().workers()).isEqualTo(3);
    }

    @Test
    void yamlConfigFileWithCommandLineOverrides() throws Exception {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, """
                port: 7000
                adminPort: 7001
                maxPayloadMb: 1
                models:
                  - name: mlp
                    source: /models/mlp.onnx
                    workers: 2
                    batching:
                      maxBatchSize: 16
                      maxQueueDelayMs: 0
                      preferredBatchSizes: [8, 16]
                  - name: emb
                    source: builtin:minilm
                    pipeline: sentence-embedding
                    options: {maxLength: "128"}
                """);
        ServerConfig config = parse("--config", file.toString(), "--port", "7100");
        assertThat(config.port()).isEqualTo(7100);
        assertThat(config.adminPort()).isEqualTo(7001);
        assertThat(config.maxPayloadBytes()).isEqualTo(1024 * 1024);
        assertThat(config.models()).hasSize(2);
        ModelConfig mlp = config.models().get(0);
        assertThat(mlp.runners().workers()).isEqualTo(2);
        assertThat(mlp.batching().preferredBatchSizes()).containsExactly(8, 16);
        assertThat(mlp.batching().maxQueueDelay()).isEqualTo(Duration.ZERO);
        assertThat(config.models().get(1).options()).containsEntry("maxLength", "128");
    }

    @Test
    void jsonConfigFileWorksToo() throws Exception {
        Path file = dir.resolve("sluice.json");
        Files.writeString(file, "{\"models\":[{\"name\":\"m\",\"source\":\"/x.onnx\"}]}");
        assertThat(parse("--config", file.toString()).defaultModel().orElseThrow().name()).isEqualTo("m");
    }

    @Test
    void pipelinesComeFromCreateModelFilesAndReplaceTheDemo() throws Exception {
        Path example = Path.of("..", "examples", "text-embedding", "pipeline.yaml");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        ServerConfig config = parse("--pipeline", "embed=" + example, "--plugins-dir", plugins.toString());
        assertThat(config.models()).isEmpty();
        assertThat(config.pluginsDir()).isEqualTo(plugins);
        ModelDefinition pipeline = config.pipelines().get(0);
        assertThat(pipeline.modelName()).isEqualTo("embed");
        assertThat(pipeline.executionMode()).isEqualTo(ModelDefinition.MODE_SERIAL);
        assertThat(pipeline.containers()).extracting(ContainerDefinition::image)
                .containsExactly("sluice/tokenizer", "sluice/onnx", "sluice/pooling");

        Path json = dir.resolve("direct.json");
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(json, """
                {"InferenceExecutionConfig": {"Mode": "Direct"}, "Containers": [
                  {"ContainerHostname": "a", "Image": "sluice/onnx", "ModelDataUrl": "model"},
                  {"ContainerHostname": "b", "Image": "http://127.0.0.1:9999"}]}
                """);
        ModelDefinition direct = parse("--pipeline", "d=" + json).pipelines().get(0);
        assertThat(direct.executionMode()).isEqualTo(ModelDefinition.MODE_DIRECT);
        // Relative model data is resolved against the file's directory, so the file works from anywhere.
        assertThat(direct.containers().get(0).modelDataUrl()).isEqualTo(dir.resolve("model").toAbsolutePath()
                .normalize().toString());

        Files.writeString(json, "{\"Containers\": [{\"ContainerHostname\": \"a\", \"Image\": \"x\"}, "
                + "{\"ContainerHostname\": \"a\", \"Image\": \"y\"}]}");
        assertThatThrownBy(() -> parse("--pipeline", "d=" + json)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("direct.json").hasMessageContaining("Containers.2.ContainerHostname");
    }

    @Test
    void serverlessTimingsReachTheControlPlane() {
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs("--serverless-idle-seconds", "0.5",
                "--serverless-cold-start-wait-seconds", "20");
        assertThat(command.controlSettings().serverlessIdleTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(command.controlSettings().serverlessColdStartWait()).isEqualTo(Duration.ofSeconds(20));
        ServeCommand defaults = new ServeCommand();
        new CommandLine(defaults).parseArgs();
        assertThat(defaults.controlSettings().serverlessIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
        ServeCommand bad = new ServeCommand();
        new CommandLine(bad).parseArgs("--serverless-idle-seconds", "-1");
        assertThatThrownBy(bad::controlSettings).hasMessageContaining("--serverless-idle-seconds");
    }

    @Test
    void mistakesAreNamed() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "models:\n  - name: m\n    source: /x.onnx\n    wokers: 2\n");
        assertThatThrownBy(() -> parse("--config", file.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wokers");
        assertThatThrownBy(() -> parse("--model", "bad_name=/x.onnx")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad_name");
        assertThatThrownBy(() -> parse("--port", "8080", "--admin-port", "8080"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ");
    }

    @Test
    void serveWithAModelThatCannotLoadExitsNonZeroWithTheReason() {
        StringWriter err = new StringWriter();
        CommandLine cli = SluiceCommand.commandLine();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("serve", "--port", "0", "--admin-port", "0", "--bind", "127.0.0.1",
                "--work-dir", dir.resolve("work").toString(), "--data-dir", dir.resolve("state").toString(),
                "--model", "m=" + dir.resolve("missing.onnx"));
        assertThat(code).isNotZero();
    }

    @Test
    void multiModelEndpointsWithMemoryCacheAndS3Options() {
        ServerConfig config = parse("--multi-model", "mme=/models/", "--multi-model", "remote=s3://bucket/p/",
                "--model-memory-budget", "512m", "--model-cache", "disabled", "--s3-endpoint", "http://minio:9000",
                "--s3-path-style", "--s3-region", "eu-west-1");
        assertThat(config.role()).isEqualTo(ServerConfig.Role.GATEWAY);
        // A multi-model endpoint is something to serve: no demo beside it.
        assertThat(config.models()).isEmpty();
        assertThat(config.multiModels()).extracting(MultiModelConfig::name).containsExactly("mme", "remote");
        MultiModelConfig remote = config.multiModels().get(1);
        assertThat(remote.prefix()).isEqualTo("s3://bucket/p/");
        assertThat(remote.memoryBudgetBytes()).isEqualTo(512L << 20);
        assertThat(remote.cacheEnabled()).isFalse();
        assertThat(remote.runners()).isEqualTo(MultiModelConfig.DEFAULT_RUNNERS);
        assertThat(config.s3()).isEqualTo(new S3Config(URI.create("http://minio:9000"), true, "eu-west-1"));
        assertThat(config.containerModels()).isEmpty();
    }

    @Test
    void multiModelsAndS3FromTheConfigFile() throws Exception {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, """
                models:
                  - name: mlp
                    source: /models/mlp.onnx
                multiModels:
                  - name: mme
                    prefix: /models/many/
                    memoryBudget: 2g
                    cache: disabled
                  - name: small
                    prefix: s3://bucket/small/
                    memoryBudget: 1048576
                    cache: true
                    workers: 2
                s3: {endpoint: "http://localhost:9000", pathStyle: true, region: us-west-2}
                """);
        ServerConfig config = parse("--config", file.toString(), "--s3-region", "eu-central-1");
        assertThat(config.defaultModel().orElseThrow().name()).isEqualTo("mlp");
        MultiModelConfig mme = config.multiModels().get(0);
        assertThat(mme.memoryBudgetBytes()).isEqualTo(2L << 30);
        assertThat(mme.cacheEnabled()).isFalse();
        MultiModelConfig small = config.multiModels().get(1);
        assertThat(small.memoryBudgetBytes()).isEqualTo(1_048_576L);
        assertThat(small.cacheEnabled()).isTrue();
        assertThat(small.runners().workers()).isEqualTo(2);
        assertThat(config.s3()).isEqualTo(new S3Config(URI.create("http://localhost:9000"), true, "eu-central-1"));
        // The entry's own budget wins over the command line's, as an entry's workers do over --workers.
        assertThat(parse("--config", file.toString(), "--model-memory-budget", "1g").multiModels().get(0)
                .memoryBudgetBytes()).isEqualTo(2L << 30);
        assertThat(parse("--config", file.toString(), "--multi-model", "cli=/p").multiModels())
                .extracting(MultiModelConfig::name).containsExactly("cli");
    }

    @Test
    void multiModelMistakesAreNamed() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "multiModels:\n  - name: mme\n    prefix: /p\n    memoryBudget: lots\n");
        assertThatThrownBy(() -> parse("--config", file.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiModels 'mme': memoryBudget 'lots' is not a size");
        Files.writeString(file, "multiModels:\n  - name: mme\n    prefix: /p\n    cache: maybe\n");
        assertThatThrownBy(() -> parse("--config", file.toString())).hasMessageContaining("multiModels 'mme': cache");
        Files.writeString(file, "multiModels:\n  - name: mme\n    prefix: /p\n    memoryBudet: 1g\n");
        assertThatThrownBy(() -> parse("--config", file.toString())).hasMessageContaining("memoryBudet");
        assertThatThrownBy(() -> parse("--model", "m=/m.onnx", "--multi-model", "m=/p"))
                .hasMessageContaining("'m' is used twice");
        assertThatThrownBy(() -> parse("--multi-model", "bad_name=/p")).hasMessageContaining("bad_name");
    }
}
