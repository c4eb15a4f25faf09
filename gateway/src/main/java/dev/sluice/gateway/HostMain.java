package dev.sluice.gateway;

import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A model host child process for the {@code local-process} capacity provider: what {@code sluice host} does, with only
 * the arguments the gateway passes ({@code --port P --admin-port Q --bind ADDR --model NAME=PATH --work-dir DIR}).
 * It lives here rather than in the CLI because the gateway starts it with its own class path, which holds no CLI.
 * SIGTERM drains in-flight requests (the JVM's shutdown hook) before exiting.
 */
public final class HostMain {
    private HostMain() {
    }

    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1";
        int port = -1;
        int adminPort = -1;
        String model = null;
        Path workDir = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--admin-port" -> adminPort = Integer.parseInt(args[i + 1]);
                case "--bind" -> bind = args[i + 1];
                case "--model" -> model = args[i + 1];
                case "--work-dir" -> workDir = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (port < 0 || adminPort < 0 || model == null || !model.contains("=")) {
            throw new IllegalArgumentException("usage: HostMain --port P --admin-port Q --model NAME=PATH "
                    + "[--bind ADDR] [--work-dir DIR]");
        }
        String name = model.substring(0, model.indexOf('='));
        String source = model.substring(model.indexOf('=') + 1);
        Path work = workDir != null ? workDir : Files.createTempDirectory("sluice-host-");
        ServerConfig config = new ServerConfig(bind, port, adminPort, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(30), List.of(ModelConfig.tensor(name, source)), List.of(), null,
                ServerConfig.Role.HOST);
        SluiceServer server = SluiceServer.start(config, work);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown(config.drainTimeout());
            } catch (Exception e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }, "sluice-host-shutdown"));
        server.modelsLoaded().get();
        System.out.println("sluice host: model '" + name + "' serving on port " + server.port());
        stopped.await();
    }
}
