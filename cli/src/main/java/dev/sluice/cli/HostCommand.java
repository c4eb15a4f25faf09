package dev.sluice.cli;

import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ServerConfig;
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
 * {@code sluice host}: a standalone model host, i.e. a SageMaker container (SAGEMAKER-CONTRACT.md §1): {@code /ping}
 * and {@code /invocations} on the data port and, with {@code --multi-model}, the multi-model container API
 * ({@code /models}, §4). It has no control plane; its admin port serves {@code /metrics} and {@code /ping}. A gateway
 * uses it as a remote instance through an {@code http://host:port} image.
 */
@Command(name = "host", mixinStandardHelpOptions = true,
        description = "Run a standalone model host: SageMaker's container contract (/ping, /invocations) and, with "
                + "--multi-model, the multi-model container API (/models).")
final class HostCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions server = new ServerOptions();

    @Option(names = "--model", paramLabel = "NAME=PATH",
            description = "Serve an ONNX model (.onnx, a directory holding one, model.tar.gz or s3://...). "
                    + "Repeatable; the first is behind /invocations.")
    Map<String, String> models = new LinkedHashMap<>();

    @Option(names = "--multi-model", paramLabel = "PREFIX",
            description = "Be a multi-model host: /invocations loads the model X-Amzn-SageMaker-Target-Model names "
                    + "under PREFIX (a directory or s3://bucket/prefix/) on first use; /models loads, lists and "
                    + "unloads models.")
    String multiModel;

    @Mixin
    MultiModelOptions multiModelOptions = new MultiModelOptions();

    @Mixin
    RunnerOptions runnerOptions = new RunnerOptions();

    @Mixin
    SecurityOptions security = new SecurityOptions();

    @Override
    public Integer call() throws Exception {
        ServerConfig serverConfig;
        try {
            serverConfig = toServerConfig();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("sluice host: " + e.getMessage());
            return 2;
        }
        return ServerLauncher.launch("host", serverConfig, server.workDirOrDefault(), null,
                spec.commandLine().getErr());
    }

    ServerConfig toServerConfig() {
        if (models.isEmpty() && multiModel == null) {
            throw new IllegalArgumentException("give --model NAME=PATH or --multi-model PREFIX");
        }
        if (!models.isEmpty() && multiModel != null) {
            // A SageMaker container's /invocations serves one model or routes by target model, never both.
            throw new IllegalArgumentException("--model and --multi-model cannot be combined: a host serves its "
                    + "models or one multi-model set");
        }
        RunnerConfig runners = runnerOptions.runners();
        BatchingConfig batching = runnerOptions.batching();
        List<ModelConfig> modelConfigs = new ArrayList<>();
        models.forEach((name, path) -> modelConfigs.add(new ModelConfig(name, path, ModelConfig.PIPELINE_TENSOR,
                runners, batching, Map.of())));
        List<MultiModelConfig> multiModels = multiModel == null ? List.of() : List.of(new MultiModelConfig(
                MultiModelConfig.HOST_ENDPOINT_NAME, multiModel, multiModelOptions.memoryBudgetOrDefault(),
                multiModelOptions.cacheEnabled(), ModelConfig.PIPELINE_TENSOR,
                runnerOptions.runners(MultiModelConfig.DEFAULT_RUNNERS), batching, Map.of()));
        double mb = server.maxPayloadMb != null ? server.maxPayloadMb : 6.0;
        return new ServerConfig(server.bind,
                server.port != null ? server.port : ServerConfig.DEFAULT_PORT,
                server.adminPort != null ? server.adminPort : ServerConfig.DEFAULT_ADMIN_PORT,
                (long) (mb * 1024 * 1024),
                server.drainSeconds != null ? Duration.ofSeconds(server.drainSeconds)
                        : ServerConfig.DEFAULT_DRAIN_TIMEOUT,
                modelConfigs, multiModels, multiModelOptions.s3(null), ServerConfig.Role.HOST, List.of(), null,
                server.adminBind, security.toConfig());
    }
}
