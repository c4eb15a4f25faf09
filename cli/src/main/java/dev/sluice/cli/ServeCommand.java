package dev.sluice.cli;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.core.hosting.PipelineFiles;
import dev.sluice.gateway.control.ControlPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice serve}: the data plane on 8080 and the admin port on 8081. With no model arguments it serves the
 * built-in all-MiniLM-L6-v2 sentence-embedding endpoint. Command-line options override the config file.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve models over SageMaker's container contract (/ping, /invocations) and OIP v2.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server = new ServerOptions();

    @Option(names = "--model", paramLabel = "NAME=PATH",
            description = "Serve an ONNX model (.onnx, a directory holding one, or model.tar.gz). Repeatable; the "
                    + "first is the default behind /invocations.")
    Map<String, String> models = new LinkedHashMap<>();

    @Option(names = "--embedding-model", paramLabel = "NAME=PATH",
            description = "Serve a sentence-embedding model (directory with an .onnx and tokenizer.json). Repeatable.")
    Map<String, String> embeddingModels = new LinkedHashMap<>();

    @Option(names = "--multi-model", paramLabel = "NAME=PREFIX",
            description = "Serve a multi-model endpoint: models under PREFIX (a directory or s3://bucket/prefix/), "
                    + "each loaded on first use of X-Amzn-SageMaker-Target-Model. Repeatable.")
    Map<String, String> multiModels = new LinkedHashMap<>();

    @Mixin
    MultiModelOptions multiModelOptions = new MultiModelOptions();

    @Mixin
    SecurityOptions security = new SecurityOptions();

    @Option(names = "--pipeline", paramLabel = "NAME=FILE",
            description = "Serve an inference pipeline: FILE is a CreateModel request in YAML or JSON (Containers and "
                    + "InferenceExecutionConfig.Mode Serial or Direct); relative ModelDataUrls resolve against FILE's "
                    + "directory. Repeatable.")
    Map<String, Path> pipelines = new LinkedHashMap<>();

    @Option(names = "--serverless-idle-seconds", paramLabel = "S",
            description = "Serverless variants with no request for this long scale to zero (default: 300).")
    Double serverlessIdleSeconds;

    @Option(names = "--serverless-cold-start-wait-seconds", paramLabel = "S",
            description = "How long a request to a serverless variant at zero waits for its cold start before it is "
                    + "answered 429 ModelNotReadyException (default: 60).")
    Double coldStartWaitSeconds;

    @Option(names = "--plugins-dir", paramLabel = "DIR",
            description = "Load processor plugins (jars with a dev.sluice.pipeline.spi.ProcessorProvider service) from "
                    + "DIR. Without it no code is loaded beyond Sluice's own.")
    Path pluginsDir;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config file.")
    Path config;

    @Mixin
    RunnerOptions runnerOptions = new RunnerOptions();

    @Option(names = "--data-dir", description = "Where the control plane keeps models, endpoint configs and "
            + "endpoints across restarts (default ~/.sluice/state).")
    Path dataDir;

    @Option(names = "--no-demo", description = "Without --model, --multi-model or --pipeline arguments, serve only control-plane "
            + "endpoints instead of the built-in MiniLM demo.")
    boolean noDemo;

    @Override
    public Integer call() throws Exception {
        ServerConfig serverConfig;
        try {
            serverConfig = toServerConfig();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("sluice serve: " + e.getMessage());
            return 2;
        }
        Path data = dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".sluice", "state");
        ControlPlane.Settings control;
        try {
            control = controlSettings();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("sluice serve: " + e.getMessage());
            return 2;
        }
        return ServerLauncher.launch("serve", serverConfig, server.workDirOrDefault(), data, control,
                spec.commandLine().getErr());
    }

    ControlPlane.Settings controlSettings() {
        return ControlPlane.Settings.defaults().withServerless(
                seconds("--serverless-idle-seconds", serverlessIdleSeconds),
                seconds("--serverless-cold-start-wait-seconds", coldStartWaitSeconds));
    }

    private static Duration seconds(String option, Double value) {
        if (value == null) {
            return null;
        }
        if (!(value > 0) || value > 86_400) {
            throw new IllegalArgumentException(option + " must be between 0 and 86400 seconds, got " + value);
        }
        return Duration.ofMillis(Math.round(value * 1000));
    }

    ServerConfig toServerConfig() {
        ConfigFile file = config != null ? ConfigFile.read(config) : null;
        RunnerConfig runners = runnerOptions.runners();
        BatchingConfig batching = runnerOptions.batching();

        List<ModelConfig> modelConfigs = new ArrayList<>();
        models.forEach((name, path) -> modelConfigs.add(new ModelConfig(name, path, ModelConfig.PIPELINE_TENSOR,
                runners, batching, Map.of())));
        embeddingModels.forEach((name, path) -> modelConfigs.add(new ModelConfig(name, path,
                ModelConfig.PIPELINE_SENTENCE_EMBEDDING, runners, batching, Map.of())));
        if (modelConfigs.isEmpty() && file != null && file.models() != null) {
            for (ConfigFile.Model m : file.models()) {
                modelConfigs.add(m.toConfig(runners));
            }
        }
        List<MultiModelConfig> multiModelConfigs = new ArrayList<>();
        RunnerConfig multiModelRunners = runnerOptions.runners(MultiModelConfig.DEFAULT_RUNNERS);
        multiModels.forEach((name, prefix) -> multiModelConfigs.add(new MultiModelConfig(name, prefix,
                multiModelOptions.memoryBudgetOrDefault(), multiModelOptions.cacheEnabled(),
                ModelConfig.PIPELINE_TENSOR, multiModelRunners, batching, Map.of())));
        if (multiModelConfigs.isEmpty() && file != null && file.multiModels() != null) {
            for (ConfigFile.MultiModel m : file.multiModels()) {
                multiModelConfigs.add(m.toConfig(multiModelRunners, batching, multiModelOptions.memoryBudget,
                        multiModelOptions.cache));
            }
        }
        List<ModelDefinition> pipelineDefinitions = new ArrayList<>();
        pipelines.forEach((name, path) -> pipelineDefinitions.add(PipelineFiles.read(path, name)));
        if (modelConfigs.isEmpty() && multiModelConfigs.isEmpty() && pipelineDefinitions.isEmpty() && !noDemo) {
            ModelConfig demo = ModelConfig.demoEmbedding();
            // The demo keeps its own batching setting: see ModelConfig.demoEmbedding().
            modelConfigs.add(new ModelConfig(demo.name(), demo.source(), demo.pipeline(), runners, demo.batching(),
                    demo.options()));
        }
        Integer filePort = file == null ? null : file.port();
        Integer fileAdmin = file == null ? null : file.adminPort();
        Double fileMb = file == null ? null : file.maxPayloadMb();
        Integer fileDrain = file == null ? null : file.drainTimeoutSeconds();
        double mb = firstNonNull(server.maxPayloadMb, fileMb, 6.0);
        return new ServerConfig(
                server.bind != null ? server.bind : file != null ? file.bindAddress() : null,
                firstNonNull(server.port, filePort, ServerConfig.DEFAULT_PORT),
                firstNonNull(server.adminPort, fileAdmin, ServerConfig.DEFAULT_ADMIN_PORT),
                (long) (mb * 1024 * 1024),
                Duration.ofSeconds(firstNonNull(server.drainSeconds, fileDrain, 30)),
                modelConfigs,
                multiModelConfigs,
                multiModelOptions.s3(file == null ? null : file.s3()),
                ServerConfig.Role.GATEWAY,
                pipelineDefinitions,
                pluginsDir,
                server.adminBind,
                security.toConfig());
    }

    private static <T> T firstNonNull(T a, T b, T c) {
        return a != null ? a : b != null ? b : c;
    }
}
