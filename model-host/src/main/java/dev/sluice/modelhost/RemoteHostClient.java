package dev.sluice.modelhost;

import dev.sluice.core.InferenceService;
import dev.sluice.modelhost.internal.RemoteConnectionPools;
import dev.sluice.modelhost.internal.RemoteContainerService;
import dev.sluice.modelhost.internal.RemoteEndpoint;
import dev.sluice.modelhost.internal.RemotePing;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client side of SageMaker's container contract (SAGEMAKER-CONTRACT.md §1): any running container that serves
 * {@code GET /ping} and {@code POST /invocations} at an {@code http://host:port} base URL becomes an
 * {@link InferenceService} the gateway can route variant instances to.
 *
 * <p>Netty, one {@link io.netty.channel.pool.FixedChannelPool} of keep-alive HTTP/1.1 connections per (host, port).
 * Nothing blocks: answers complete on the connection's event loop. Failures follow SageMaker's taxonomy: a
 * container's non-2xx answer or a timeout is a ModelError (424, with OriginalStatusCode, 0 for the timeout); a host
 * that cannot be reached, or a full queue for one, is ServiceUnavailable (503); a connection closed after the
 * request was written but before the answer is InternalDependencyException (530). Requests are never retried
 * here: an invocation is not known to be idempotent, and whether to try another instance is the router's call.
 */
public final class RemoteHostClient implements AutoCloseable {
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /**
     * @param connectTimeout            TCP connect limit
     * @param requestTimeout            answer limit per invocation, from the request's write; also how long a
     *                                  request may wait for a free connection
     * @param maxConnectionsPerHost     pool size per (host, port)
     * @param maxPendingRequestsPerHost requests that may wait for a connection per (host, port); past it, 503
     */
    public record Settings(Duration connectTimeout, Duration requestTimeout, int maxConnectionsPerHost,
                           int maxPendingRequestsPerHost) {
        /** SageMaker wants a container to accept within 250 ms; a local gateway can afford to be generous. */
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
        /** SageMaker's limit for a container's answer. */
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
        public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 64;
        public static final int DEFAULT_MAX_PENDING_REQUESTS_PER_HOST = 1024;

        public Settings {
            requirePositive(connectTimeout, "connectTimeout");
            requirePositive(requestTimeout, "requestTimeout");
            if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("connectTimeout must be at most " + Integer.MAX_VALUE + " ms, got "
                        + connectTimeout);
            }
            if (maxConnectionsPerHost < 1) {
                throw new IllegalArgumentException("maxConnectionsPerHost must be at least 1, got " + maxConnectionsPerHost);
            }
            if (maxPendingRequestsPerHost < 1) {
                throw new IllegalArgumentException("maxPendingRequestsPerHost must be at least 1, got "
                        + maxPendingRequestsPerHost);
            }
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_CONNECTIONS_PER_HOST,
                    DEFAULT_MAX_PENDING_REQUESTS_PER_HOST);
        }

        private static void requirePositive(Duration duration, String field) {
            Objects.requireNonNull(duration, field);
            if (duration.toMillis() < 1) {
                throw new IllegalArgumentException(field + " must be at least 1 ms, got " + duration);
            }
        }
    }

    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Settings settings;
    private final Bootstrap bootstrap;
    private final ChannelGroup channels = new DefaultChannelGroup("sluice-remote-hosts", GlobalEventExecutor.INSTANCE);
    private final RemoteConnectionPools pools;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param group        the caller's Netty event loop group to share (e.g. the gateway's); null: the client creates
     *                     and owns a small NIO one
     * @param channelClass the socket channel class matching {@code group}; null: {@link NioSocketChannel}
     * @param settings     null: {@link Settings#defaults()}
     */
    public RemoteHostClient(EventLoopGroup group, Class<? extends Channel> channelClass, Settings settings) {
        if (group == null && channelClass != null && channelClass != NioSocketChannel.class) {
            throw new IllegalArgumentException("channelClass " + channelClass.getName()
                    + " needs the event loop group it belongs to; pass the group too, or neither");
        }
        this.settings = settings == null ? Settings.defaults() : settings;
        this.ownsGroup = group == null;
        // A client's event loops only shuttle bytes; more than a few threads would idle.
        this.group = group != null ? group : new MultiThreadIoEventLoopGroup(
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
                new DefaultThreadFactory("sluice-remote-host", true), NioIoHandler.newFactory());
        this.bootstrap = new Bootstrap()
                .group(this.group)
                .channel(channelClass == null ? NioSocketChannel.class : channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) this.settings.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
        this.pools = new RemoteConnectionPools(bootstrap, channels, this.settings.maxConnectionsPerHost(),
                this.settings.maxPendingRequestsPerHost(), this.settings.requestTimeout());
    }

    /** A client with its own event loops and the given settings. */
    public RemoteHostClient(Settings settings) {
        this(null, null, settings);
    }

    public Settings settings() {
        return settings;
    }

    /**
     * An InferenceService that POSTs to {@code baseUrl + "/invocations"}.
     *
     * @param baseUrl {@code http://host:port[/prefix]}
     * @throws IllegalArgumentException for anything but an http URL with a host (https is not supported yet)
     */
    public InferenceService container(URI baseUrl) {
        return container(baseUrl, null);
    }

    /**
     * {@link #container(URI)} for a container that wants credentials on each request (an authenticated Sluice).
     *
     * @param credentials added to every invocation; null for none
     */
    public InferenceService container(URI baseUrl, RequestCredentials credentials) {
        return new RemoteContainerService(RemoteEndpoint.parse(baseUrl), pools, settings.requestTimeout(),
                settings.maxPendingRequestsPerHost(), closed::get, credentials);
    }

    /**
     * {@code GET baseUrl/ping} on a fresh connection: true on 200 within {@code timeout}, false otherwise (never
     * fails exceptionally; a bad URL or timeout argument throws at once).
     */
    public CompletableFuture<Boolean> ping(URI baseUrl, Duration timeout) {
        RemoteEndpoint endpoint = RemoteEndpoint.parse(baseUrl);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (closed.get()) {
            return CompletableFuture.completedFuture(false);
        }
        return RemotePing.ping(bootstrap, channels, endpoint, settings.connectTimeout(), timeout, closed::get);
    }

    /**
     * Fails waiting and in-flight requests (ServiceUnavailable), closes every connection, and shuts the event loop
     * group down if this client created it. Waits for that (bounded) unless called from an event loop, where
     * waiting would deadlock; there it only starts it.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean mayWait = !calledFromEventLoop();
        for (Future<Void> pool : pools.closeAsync()) {
            if (mayWait) {
                pool.awaitUninterruptibly(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        Future<Void> channelsClosed = channels.close();
        if (mayWait) {
            channelsClosed.awaitUninterruptibly(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (ownsGroup) {
            Future<?> terminated = group.shutdownGracefully(0, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (mayWait) {
                terminated.awaitUninterruptibly(CLOSE_WAIT.toMillis() * 2, TimeUnit.MILLISECONDS);
            }
        }
    }

    private boolean calledFromEventLoop() {
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return GlobalEventExecutor.INSTANCE.inEventLoop();
    }

    @Override
    public String toString() {
        return "RemoteHostClient[" + settings + (ownsGroup ? ", own event loops]" : ", shared event loops]");
    }
}
