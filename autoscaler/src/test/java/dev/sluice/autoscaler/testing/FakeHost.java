package dev.sluice.autoscaler.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A stand-in for {@code ./sluice host} in a child JVM: the same flags ({@code --port --admin-port --bind --model}),
 * {@code GET /ping} and {@code POST /invocations} on the JDK's HTTP server, nothing else on the classpath. Test-only
 * flags shape its behaviour: {@code --ready-after-ms N} (503 on /ping until then), {@code --never-ready},
 * {@code --fail-start} (log a model error and exit 3), {@code --ignore-term} (hang in the SIGTERM hook). A request's
 * {@code X-Delay-Ms} header holds its answer back, to model a request in flight.
 */
public final class FakeHost {
    private FakeHost() {
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        String bind = "127.0.0.1";
        String model = "none";
        long readyAfterMs = 0;
        boolean neverReady = false;
        boolean failStart = false;
        boolean ignoreTerm = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--admin-port" -> i++;
                case "--bind" -> bind = args[++i];
                case "--model" -> model = args[++i];
                case "--ready-after-ms" -> readyAfterMs = Long.parseLong(args[++i]);
                case "--never-ready" -> neverReady = true;
                case "--fail-start" -> failStart = true;
                case "--ignore-term" -> ignoreTerm = true;
                default -> {
                    System.err.println("fake host: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        System.out.println("fake host: starting on " + bind + ":" + port + " with model " + model);
        if (failStart) {
            System.out.println("fake host: loading model " + model);
            System.err.println("error: cannot load model " + model + ": no such file");
            System.exit(3);
        }
        long readyAt = System.nanoTime() + readyAfterMs * 1_000_000L;
        boolean never = neverReady;
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/ping", exchange -> respond(exchange,
                !never && System.nanoTime() >= readyAt ? 200 : 503, "{}"));
        server.createContext("/invocations", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String delay = exchange.getRequestHeaders().getFirst("X-Delay-Ms");
            if (delay != null) {
                try {
                    Thread.sleep(Long.parseLong(delay));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            respond(exchange, 200, "{\"echo\":" + new String(body, StandardCharsets.UTF_8) + "}");
        });
        server.start();
        System.out.println("fake host: listening");
        boolean hang = ignoreTerm;
        Thread hook = new Thread(() -> {
            System.out.println("fake host: SIGTERM");
            if (hang) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            server.stop(0);
        });
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
