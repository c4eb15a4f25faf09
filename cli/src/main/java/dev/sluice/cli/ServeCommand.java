package dev.sluice.cli;

import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code sluice serve}: the data plane on 8080 and the admin port on 8081. With no model arguments it serves the
 * built-in all-MiniLM-L6-v2 sentence-embedding endpoint. Command-line options override the config file.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve models over SageMaker's container contract (/ping, /invocations) and OIP v2.")
final class ServeCommand implements Callable<Integer> {
    private static final AtomicBoolean SERVING = new AtomicBoolean();

    @Option(names = "--port", description = "Data-plane port (default ${DEFAULT-VALUE}).")
    Integer port;

    @Option(names = "--admin-port", description = "Admin port: /metrics, /ping (default 8081).")
    Integer adminPort;

    @Option(names = "--bind", description = "Address to bind (default 0.0.0.0).")
    String bind;

    @Option(names = "--model", paramLabel = "NAME=PATH",
            description = "Serve an ONNX model (.onnx, a directory holding one, or model.tar.gz). Repeatable; the "
                    + "first is the default behind /invocations.")
    Map<String, String> models = new LinkedHashMap<>();

    @Option(names = "--embedding-model", paramLabel = "NAME=PATH",
            description = "Serve a sentence-embedding model (directory with an .onnx and tokenizer.json). Repeatable.")
    Map<String, String> embeddingModels = new LinkedHashMap<>();

    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config file.")
    Path config;

    @Option(names = "--max-payload-mb", description = "Largest request body in MB (default 6).")
    Double maxPayloadMb;

    @Option(names = "--workers", description = "Runner threads per model (default: number of cores).")
    Integer workers;

    @Option(names = "--intra-op-threads", description = "ONNX Runtime intra-op threads per runner (default 0).")
    Integer intraOpThreads;

    @Option(names = "--queue-capacity", description = "Requests queued per model before 503 (default 512).")
    Integer queueCapacity;

    @Option(names = "--max-batch-size", description = "Dynamic batching: most rows per batch (default 32).")
    Integer maxBatchSize;

    @Option(names = "--max-batch-delay-ms", description = "Dynamic batching: longest wait to fill a batch (default 0).")
    Double maxBatchDelayMs;

    @Option(names = "--no-batching", description = "Turn dynamic batching off.")
    boolean noBatching;

    @Option(names = "--drain-seconds", description = "SIGTERM drain window (default 30).")
    Integer drainSeconds;

    @Option(names = "--work-dir", description = "Where model archives are unpacked (default ~/.sluice/work).")
    Path workDir;

    @Option(names = "--data-dir", description = "Where the control plane keeps models, endpoint configs and "
            + "endpoints across restarts (default ~/.sluice/state).")
    Path dataDir;

    @Option(names = "--no-demo", description = "Without --model arguments, serve only control-plane endpoints "
            + "instead of the built-in MiniLM demo.")
    boolean noDemo;

    static boolean isServing() {
        return SERVING.get();
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig serverConfig;
        try {
            serverConfig = toServerConfig();
        } catch (IllegalArgumentException e) {
            System.err.println("sluice serve: " + e.getMessage());
            return 2;
        }
        Path work = workDir != null ? workDir : Path.of(System.getProperty("user.home"), ".sluice", "work");
        Files.createDirectories(work);
        Path data = dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".sluice", "state");
        SluiceServer server = SluiceServer.start(serverConfig, work, data);
        installSignalHandlers(server, serverConfig.drainTimeout());
        System.out.printf("sluice: data plane on port %d, admin on port %d; loading %d model(s)%n", server.port(),
                server.adminPort(), serverConfig.models().size());
        try {
            server.modelsLoaded().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            System.err.println("sluice serve: a model failed to load: " + cause.getMessage());
            server.close();
            return 1;
        }
        System.out.printf("sluice: ready (%s); control plane state in %s%n", String.join(", ",
                serverConfig.models().stream().map(ModelConfig::name).toList()), data);
        SERVING.set(true);
        return 0;
    }

    ServerConfig toServerConfig() {
        ConfigFile file = config != null ? ConfigFile.read(config) : null;
        RunnerConfig defaults = RunnerConfig.defaults();
        RunnerConfig runners = new RunnerConfig(
                workers != null ? workers : defaults.workers(),
                intraOpThreads != null ? intraOpThreads : defaults.intraOpThreads(),
                queueCapacity != null ? queueCapacity : defaults.queueCapacity());
        BatchingConfig batching = noBatching ? BatchingConfig.disabled() : new BatchingConfig(true,
                maxBatchSize != null ? maxBatchSize : BatchingConfig.DEFAULT_MAX_BATCH_SIZE,
                ConfigFile.delay(maxBatchDelayMs),
                List.of());

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
        if (modelConfigs.isEmpty() && !noDemo) {
            ModelConfig demo = ModelConfig.demoEmbedding();
            // The demo keeps its own batching setting: see ModelConfig.demoEmbedding().
            modelConfigs.add(new ModelConfig(demo.name(), demo.source(), demo.pipeline(), runners, demo.batching(),
                    demo.options()));
        }
        Integer filePort = file == null ? null : file.port();
        Integer fileAdmin = file == null ? null : file.adminPort();
        Double fileMb = file == null ? null : file.maxPayloadMb();
        Integer fileDrain = file == null ? null : file.drainTimeoutSeconds();
        double mb = firstNonNull(maxPayloadMb, fileMb, 6.0);
        return new ServerConfig(
                bind != null ? bind : file != null ? file.bindAddress() : null,
                firstNonNull(port, filePort, ServerConfig.DEFAULT_PORT),
                firstNonNull(adminPort, fileAdmin, ServerConfig.DEFAULT_ADMIN_PORT),
                (long) (mb * 1024 * 1024),
                Duration.ofSeconds(firstNonNull(drainSeconds, fileDrain, 30)),
                modelConfigs);
    }

    private static <T> T firstNonNull(T a, T b, T c) {
        return a != null ? a : b != null ? b : c;
    }

    /**
     * SIGTERM/SIGINT: drain and exit 0, as SageMaker's container contract expects (it sends SIGKILL 30 s after
     * SIGTERM). A JVM shutdown hook alone would exit with 143, so the signal is handled directly.
     */
    private static void installSignalHandlers(SluiceServer server, Duration drain) {
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            Thread t = new Thread(() -> {
                System.out.println("sluice: stopping, draining in-flight requests (up to " + drain.toSeconds() + " s)");
                int code = 0;
                try {
                    boolean drained = server.shutdown(drain);
                    System.out.println(drained ? "sluice: stopped" : "sluice: stopped with requests cut off");
                } catch (InterruptedException e) {
                    code = 1;
                }
                System.exit(code);
            }, "sluice-shutdown");
            t.start();
        };
        Signal.handle(new Signal("TERM"), s -> stop.run());
        Signal.handle(new Signal("INT"), s -> stop.run());
    }
}
