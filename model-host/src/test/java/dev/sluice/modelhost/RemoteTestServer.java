package dev.sluice.modelhost;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A SageMaker-contract container stand-in on 127.0.0.1, port 0: each request goes through a {@link Function} to a
 * {@link Reply}, which may answer (optionally late), hang up, or stay silent. It counts connections, so tests can
 * see reuse and closing from the server's side.
 */
final class RemoteTestServer implements AutoCloseable {
    /** A request as the server saw it; header names lower-cased. */
    record Seen(String method, String uri, Map<String, String> headers, String body) {
    }

    /**
     * @param delayMillis answer this late (0: at once)
     * @param hangUp      close the connection instead of answering
     * @param silent      never answer
     * @param close       answer with {@code Connection: close} and close
     */
    record Reply(int status, Map<String, String> headers, byte[] body, long delayMillis, boolean hangUp, boolean silent,
                 boolean close) {
        static Reply of(int status, String body, String... headerPairs) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 0; i + 1 < headerPairs.length; i += 2) {
                headers.put(headerPairs[i], headerPairs[i + 1]);
            }
            return new Reply(status, headers, body.getBytes(StandardCharsets.UTF_8), 0, false, false, false);
        }

        static Reply hangUpReply() {
            return new Reply(0, Map.of(), new byte[0], 0, true, false, false);
        }

        static Reply silentReply() {
            return new Reply(0, Map.of(), new byte[0], 0, false, true, false);
        }

        Reply after(long millis) {
            return new Reply(status, headers, body, millis, hangUp, silent, close);
        }

        Reply closing() {
            return new Reply(status, headers, body, delayMillis, hangUp, silent, true);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel serverChannel;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    final AtomicInteger connectionsOpened = new AtomicInteger();
    final AtomicInteger connectionsOpen = new AtomicInteger();
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    RemoteTestServer(Function<Seen, Reply> routes) throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new ConnectionCounter(), new HttpServerCodec(),
                                new HttpObjectAggregator(16 * 1024 * 1024), new Responder(routes));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port());
    }

    URI baseUrl(String prefix) {
        return URI.create("http://127.0.0.1:" + port() + prefix);
    }

    /** Polls, for a condition another thread (the server's event loop) makes true soon. */
    boolean await(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Closes every connection, as a server's idle timeout would. */
    void closeConnections() {
        connections.close().awaitUninterruptibly();
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private final class ConnectionCounter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connections.add(ctx.channel());
            connectionsOpened.incrementAndGet();
            connectionsOpen.incrementAndGet();
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connectionsOpen.decrementAndGet();
            ctx.fireChannelInactive();
        }
    }

    private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Function<Seen, Reply> routes;

        Responder(Function<Seen, Reply> routes) {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            Map<String, String> headers = new LinkedHashMap<>();
            request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
            Seen one = new Seen(request.method().name(), request.uri(), headers,
                    new String(ByteBufUtil.getBytes(request.content()), StandardCharsets.UTF_8));
            seen.add(one);
            Reply reply = routes.apply(one);
            boolean keepAlive = HttpUtil.isKeepAlive(request) && !reply.close();
            if (reply.silent()) {
                return;
            }
            if (reply.hangUp()) {
                ctx.close();
                return;
            }
            Runnable answer = () -> {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
                reply.headers().forEach((name, value) -> response.headers().set(name, value));
                HttpUtil.setContentLength(response, reply.body().length);
                if (!keepAlive) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                }
                var written = ctx.writeAndFlush(response);
                if (!keepAlive) {
                    written.addListener(ChannelFutureListener.CLOSE);
                }
            };
            if (reply.delayMillis() > 0) {
                ctx.executor().schedule(answer, reply.delayMillis(), TimeUnit.MILLISECONDS);
            } else {
                answer.run();
            }
        }
    }
}
