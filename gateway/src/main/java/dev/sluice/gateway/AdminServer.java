package dev.sluice.gateway;

import dev.sluice.core.SluiceException;
import dev.sluice.gateway.internal.Authenticator;
import dev.sluice.gateway.internal.ErrorResponses;
import dev.sluice.gateway.internal.TlsKeys;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The admin port (8081 by default), on Vert.x Web: {@code GET /metrics} in Prometheus text format and
 * {@code GET /ping}. Further routes (the control plane) are added through {@code extraRoutes}.
 *
 * <p>With authentication on, the router's first routes read the body (a SigV4 signature covers it) and check the
 * credentials of every request but {@code GET /ping}, before any other route sees it; a refusal is written in the
 * SageMaker error shape ({@link ErrorResponses}). With TLS on, the port speaks only HTTPS.
 */
public final class AdminServer implements AutoCloseable {
    /** Far above any control-plane request (the largest, CreateModel with 15 containers, is tens of KB). */
    static final long MAX_AUTHENTICATED_BODY = 1 << 20;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AdminServer.class);

    private final Vertx vertx;
    private final HttpServer server;

    private AdminServer(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    public static AdminServer start(String host, int port, PrometheusMeterRegistry registry, BooleanSupplier ready,
                                    Consumer<Router> extraRoutes) throws InterruptedException {
        return start(host, port, registry, ready, extraRoutes, null, null);
    }

    /**
     * @param tls           serve HTTPS with this key pair; null: plain HTTP
     * @param authenticator check credentials on every request but {@code GET /ping}; null: none
     */
    public static AdminServer start(String host, int port, PrometheusMeterRegistry registry, BooleanSupplier ready,
                                    Consumer<Router> extraRoutes, TlsKeys tls, Authenticator authenticator)
            throws InterruptedException {
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        if (authenticator != null) {
            router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_AUTHENTICATED_BODY));
            router.route().handler(ctx -> authenticate(ctx, authenticator));
        }
        router.get("/ping").handler(ctx -> ctx.response().setStatusCode(ready.getAsBoolean() ? 200 : 503).end());
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape()));
        extraRoutes.accept(router);
        try {
            HttpServerOptions options = new HttpServerOptions();
            if (tls != null) {
                options.setSsl(true).setKeyCertOptions(KeyCertOptions.wrap(tls.keyManagers()));
            }
            HttpServer server = vertx.createHttpServer(options).requestHandler(router).listen(port, host)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return new AdminServer(vertx, server);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            throw new IllegalStateException("admin server could not listen on " + host + ":" + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    private static void authenticate(RoutingContext ctx, Authenticator authenticator) {
        String uri = ctx.request().uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.equals("/ping")) {
            ctx.next();
            return;
        }
        try {
            authenticator.authenticate(new Authenticator.Request() {
                @Override
                public String method() {
                    return ctx.request().method().name();
                }

                @Override
                public String rawPath() {
                    return path;
                }

                @Override
                public String rawQuery() {
                    return q < 0 ? null : uri.substring(q + 1);
                }

                @Override
                public List<String> headers(String lowercaseName) {
                    return ctx.request().headers().getAll(lowercaseName);
                }

                @Override
                public String payloadSha256Hex() {
                    Buffer body = ctx.body().buffer();
                    return dev.sluice.core.auth.SigV4.sha256Hex(body == null ? new byte[0] : body.getBytes());
                }
            });
        } catch (SluiceException e) {
            // The reason and the peer, never the Authorization header or the body.
            LOG.debug("refused {} {} from {}: {}", ctx.request().method(), path, ctx.request().remoteAddress(),
                    e.code().type());
            boolean awsJson = ctx.request().getHeader("X-Amz-Target") != null;
            ctx.response().setStatusCode(e.code().httpStatus())
                    .putHeader("Content-Type", awsJson ? "application/x-amz-json-1.1" : "application/json")
                    .putHeader(ErrorResponses.ERROR_TYPE_HEADER, e.code().type())
                    .end(Buffer.buffer(ErrorResponses.body(e)));
            return;
        }
        ctx.next();
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
