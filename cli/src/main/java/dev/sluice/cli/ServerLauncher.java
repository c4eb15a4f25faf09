package dev.sluice.cli;

import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.gateway.control.ControlPlane;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Boots a {@link SluiceServer} for {@code serve} and {@code host}: start, wait for the configured models, report, and
 * drain on SIGTERM. The process keeps running after the command returns 0 (the server's threads hold it), which is
 * why {@link SluiceCommand#main} asks {@link #isServing()} before exiting.
 */
final class ServerLauncher {
    private static final AtomicBoolean SERVING = new AtomicBoolean();

    private ServerLauncher() {
    }

    static boolean isServing() {
        return SERVING.get();
    }

    /**
     * @param command the subcommand, for messages
     * @param dataDir the control plane's state (a gateway); null for a host
     * @return the exit code: 0 with the server running, 1 when a model failed to load, 2 for a setting the server
     *         refused
     */
    static int launch(String command, ServerConfig config, Path workDir, Path dataDir, PrintWriter err)
            throws Exception {
        return launch(command, config, workDir, dataDir, ControlPlane.Settings.defaults(), err);
    }

    /** @param control the control plane's settings (a gateway's serverless timings, say) */
    static int launch(String command, ServerConfig config, Path workDir, Path dataDir, ControlPlane.Settings control,
                      PrintWriter err) throws Exception {
        Files.createDirectories(workDir);
        SluiceServer server;
        try {
            server = dataDir != null ? SluiceServer.start(config, workDir, dataDir, control)
                    : SluiceServer.start(config, workDir);
        } catch (IllegalArgumentException e) {
            // Settings only the modules can judge, e.g. a multi-model prefix that is neither a path nor s3://.
            err.println("sluice " + command + ": " + e.getMessage());
            return 2;
        }
        installSignalHandlers(server, config.drainTimeout());
        // ServeProcessIT and scripts read the ports from this line.
        System.out.printf("sluice: data plane on port %d, admin on port %d; loading %d model(s)%n", server.port(),
                server.adminPort(), config.models().size());
        try {
            server.modelsLoaded().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            err.println("sluice " + command + ": a model failed to load: " + cause.getMessage());
            server.close();
            return 1;
        }
        System.out.printf("sluice: ready (%s)%s%n", String.join(", ", served(config, server)),
                dataDir != null ? "; control plane state in " + dataDir : "");
        SERVING.set(true);
        return 0;
    }

    private static List<String> served(ServerConfig config, SluiceServer server) {
        List<String> names = new ArrayList<>(config.models().stream().map(ModelConfig::name).toList());
        for (MultiModelConfig m : config.multiModels()) {
            long budget = server.multiModel(m.name()).map(h -> h.memoryBudgetBytes()).orElse(0L);
            names.add(m.name() + ": models under " + m.prefix() + ", memory budget " + (budget >> 20) + " MiB");
        }
        return names;
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
