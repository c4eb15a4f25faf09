package dev.sluice.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The admin port (8081 by default), on Vert.x Web: {@code GET /metrics} in Prometheus text format and
 * {@code GET /ping}. Further routes (the control plane) are added through {@code extraRoutes}.
 */
public final class AdminServer implements AutoCloseable {
    private final Vertx vertx;
    private final HttpServer server;

    private AdminServer(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    public static AdminServer start(String host, int port, PrometheusMeterRegistry registry, BooleanSupplier ready,
                                    Consumer<Router> extraRoutes) throws InterruptedException {
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get("/ping").handler(ctx -> ctx.response().setStatusCode(ready.getAsBoolean() ? 200 : 503).end());
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape()));
        extraRoutes.accept(router);
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, host)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return new AdminServer(vertx, server);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            throw new IllegalStateException("admin server could not listen on " + host + ":" + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Best effort: the process is stopping anyway.
        }
    }
}
