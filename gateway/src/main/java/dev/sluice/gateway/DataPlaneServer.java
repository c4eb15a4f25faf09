package dev.sluice.gateway;

import dev.sluice.gateway.internal.Authenticator;
import dev.sluice.gateway.internal.ContainerModelsService;
import dev.sluice.gateway.internal.DataPlaneInitializer;
import dev.sluice.gateway.internal.ServerState;
import dev.sluice.modelhost.MultiModelHost;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty data plane: {@code /ping}, {@code /invocations}, {@code /endpoints/{name}/invocations}, the OIP v2
 * REST routes and, on a multi-model host, the container API ({@code /models}). Uses epoll where the native transport
 * loads (Linux), NIO elsewhere.
 */
public final class DataPlaneServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final ServerState state;

    private DataPlaneServer(EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel, ServerState state) {
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.state = state;
    }

    /**
     * Binds and starts serving. Event-loop threads default to the core count: the loops only parse, route and
     * write, the model work happens on runner threads.
     */
    public static DataPlaneServer start(String host, int port, int maxPayloadBytes, int ioThreads,
                                        EndpointRegistry endpoints) throws InterruptedException {
        return start(host, port, maxPayloadBytes, ioThreads, endpoints, null);
    }

    /**
     * @param containerModels the model set whose multi-model container API ({@code /models}) this port serves; null
     *                        for none ({@code /models} then answers 404)
     */
    public static DataPlaneServer start(String host, int port, int maxPayloadBytes, int ioThreads,
                                        EndpointRegistry endpoints, MultiModelHost containerModels)
            throws InterruptedException {
        return start(host, port, maxPayloadBytes, ioThreads, endpoints, containerModels, null, null);
    }

    /**
     * @param tls           serve HTTPS with this context; null: plain HTTP
     * @param authenticator check credentials on every request but the health checks; null: none
     */
    public static DataPlaneServer start(String host, int port, int maxPayloadBytes, int ioThreads,
                                        EndpointRegistry endpoints, MultiModelHost containerModels, SslContext tls,
                                        Authenticator authenticator) throws InterruptedException {
        boolean epoll = Epoll.isAvailable() && !Boolean.getBoolean("sluice.nio");
        var factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sluice-accept"), factory);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("sluice-io"),
                factory);
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        ServerState state = new ServerState();
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    // Reads are requested explicitly, one request at a time (see InvocationHandler).
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new DataPlaneInitializer(endpoints, state, maxPayloadBytes,
                            containerModels == null ? null : new ContainerModelsService(containerModels), tls,
                            authenticator));
            Channel channel = bootstrap.bind(new InetSocketAddress(host, port)).sync().channel();
            DataPlaneServer server = new DataPlaneServer(boss, workers, channel, state);
            LOG.info("data plane listening on {} ({}{}{})", channel.localAddress(), epoll ? "epoll" : "nio",
                    tls != null ? ", TLS" : "", authenticator != null ? ", authenticated" : "");
            return server;
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public ServerState state() {
        return state;
    }

    /**
     * Graceful stop: {@code /ping} turns 503, the listening socket closes (no new connections), in-flight requests
     * finish for up to {@code drain}, then connections and event loops close.
     *
     * @return true when every in-flight request finished within the window
     */
    public boolean shutdown(Duration drain) throws InterruptedException {
        state.startDraining();
        serverChannel.close().await(5, TimeUnit.SECONDS);
        boolean drained = state.awaitDrained(drain.toMillis());
        if (!drained) {
            LOG.warn("{} requests still in flight after {}; closing anyway", state.inFlight(), drain);
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        return drained;
    }

    @Override
    public void close() throws InterruptedException {
        shutdown(Duration.ZERO);
    }
}
