package dev.sluice.gateway.internal;

import dev.sluice.gateway.EndpointRegistry;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/**
 * The data plane's per-connection pipeline, in order:
 * <ol>
 *   <li>{@code "tls"} (with TLS on) — Netty's {@code SslHandler}, added with {@code addFirst} so it stays first
 *       whatever else is added: everything after it sees plain bytes;</li>
 *   <li>{@code HttpServerCodec} — HTTP/1.1 parsing, with header limits (8 KiB line, 16 KiB headers);</li>
 *   <li>{@link PayloadLimitAggregator} — whole bodies up to the payload limit, 413 beyond;</li>
 *   <li>{@code "auth"} (with authentication on) — {@link AuthenticationHandler}: credentials checked before
 *       routing; after the aggregator because a SigV4 signature covers the body;</li>
 *   <li>{@link InvocationHandler} — routing, invocation and the multi-model container API.</li>
 * </ol>
 */
public final class DataPlaneInitializer extends ChannelInitializer<SocketChannel> {
    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_SIZE = 16384;

    private final EndpointRegistry endpoints;
    private final ServerState state;
    private final int maxPayloadBytes;
    private final ContainerModelsService containerModels;
    private final SslContext tls;
    private final AuthenticationHandler authentication;

    /** @param containerModels the multi-model container API, shared by every connection; null where there is none */
    public DataPlaneInitializer(EndpointRegistry endpoints, ServerState state, int maxPayloadBytes,
                                ContainerModelsService containerModels) {
        this(endpoints, state, maxPayloadBytes, containerModels, null, null);
    }

    /**
     * @param tls           the server's TLS context; null serves plain HTTP
     * @param authenticator checks credentials on every request but the health checks; null checks none
     */
    public DataPlaneInitializer(EndpointRegistry endpoints, ServerState state, int maxPayloadBytes,
                                ContainerModelsService containerModels, SslContext tls, Authenticator authenticator) {
        this.endpoints = endpoints;
        this.state = state;
        this.maxPayloadBytes = maxPayloadBytes;
        this.containerModels = containerModels;
        this.tls = tls;
        this.authentication = authenticator == null ? null : new AuthenticationHandler(authenticator);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                .addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192))
                .addLast("aggregate", new PayloadLimitAggregator(maxPayloadBytes))
                .addLast("invoke", new InvocationHandler(endpoints, state, containerModels));
        if (authentication != null) {
            ch.pipeline().addBefore("invoke", "auth", authentication);
        }
        if (tls != null) {
            ch.pipeline().addFirst("tls", tls.newHandler(ch.alloc()));
        }
    }
}
