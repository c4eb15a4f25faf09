package dev.sluice.modelhost.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /ping} on a connection of its own, closed afterwards. Not pooled on purpose: a host whose pool is
 * busy with long invocations is healthy, and its probe must not queue behind them and read as a failure; and a
 * fresh connection also checks what SageMaker checks, that the container accepts connections.
 */
public final class RemotePing {
    private RemotePing() {
    }

    /** True on 200 within {@code timeout}; false on anything else. Never completes exceptionally. */
    public static CompletableFuture<Boolean> ping(Bootstrap bootstrap, ChannelGroup allChannels, RemoteEndpoint endpoint,
                                                  Duration connectTimeout, Duration timeout, BooleanSupplier clientClosed) {
        Objects.requireNonNull(endpoint, "endpoint");
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        long connectMillis = Math.max(1, Math.min(connectTimeout.toMillis(), timeout.toMillis()));
        ChannelFuture connect;
        try {
            connect = bootstrap.clone()
                    .remoteAddress(endpoint.socketAddress())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis))
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            allChannels.add(channel);
                            RemoteExchangeHandler.install(channel.pipeline());
                        }
                    })
                    .connect();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(false);
        }
        connect.addListener((ChannelFuture connected) -> {
            if (!connected.isSuccess()) {
                result.complete(false);
                return;
            }
            Channel channel = connected.channel();
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                channel.close();
                result.complete(false);
                return;
            }
            new RemoteExchange(endpoint, Duration.ofNanos(remaining), clientClosed)
                    .start(channel, pingRequest(endpoint), (ch, reusable) -> ch.close())
                    .whenComplete((answer, failure) ->
                            result.complete(failure == null && answer.status() == HttpResponseStatus.OK.code()));
        });
        // The connect timeout bounds the connect, the exchange's the answer; this bounds the two together.
        if (connect.channel().isRegistered()) {
            ScheduledFuture<?> deadlineTimer = connect.channel().eventLoop().schedule(() -> {
                if (result.complete(false)) {
                    connect.channel().close();
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            result.whenComplete((healthy, never) -> deadlineTimer.cancel(false));
        }
        return result;
    }

    static FullHttpRequest pingRequest(RemoteEndpoint endpoint) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, endpoint.target("/ping"),
                Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, endpoint.hostHeader());
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return request;
    }
}
