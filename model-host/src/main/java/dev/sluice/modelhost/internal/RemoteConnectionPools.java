package dev.sluice.modelhost.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One {@link FixedChannelPool} per (host, port), created on first use. Connections are keep-alive and handed out
 * most-recently-used first, so a lightly loaded host keeps few warm connections; each is health-checked (still
 * open) when acquired and when released, so one the server closed is dropped, never handed out.
 */
public final class RemoteConnectionPools {
    private final Bootstrap bootstrap;
    private final ChannelGroup allChannels;
    private final int maxConnections;
    private final int maxPending;
    private final Duration acquireTimeout;
    private final ConcurrentMap<RemoteEndpoint.HostKey, FixedChannelPool> pools = new ConcurrentHashMap<>();

    /**
     * @param bootstrap      group, channel class and options; the remote address and handler are set per pool
     * @param allChannels    every connection joins it, so that closing the client closes in-flight ones too
     * @param acquireTimeout how long a request may wait in a full pool's queue before it is refused
     */
    public RemoteConnectionPools(Bootstrap bootstrap, ChannelGroup allChannels, int maxConnections, int maxPending,
                                 Duration acquireTimeout) {
        this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
        this.allChannels = Objects.requireNonNull(allChannels, "allChannels");
        this.maxConnections = maxConnections;
        this.maxPending = maxPending;
        this.acquireTimeout = Objects.requireNonNull(acquireTimeout, "acquireTimeout");
    }

    public FixedChannelPool pool(RemoteEndpoint endpoint) {
        return pools.computeIfAbsent(endpoint.hostKey(), key -> newPool(endpoint));
    }

    private FixedChannelPool newPool(RemoteEndpoint endpoint) {
        Bootstrap perHost = bootstrap.clone().remoteAddress(endpoint.socketAddress());
        return new FixedChannelPool(perHost, new AbstractChannelPoolHandler() {
            @Override
            public void channelCreated(Channel channel) {
                allChannels.add(channel);
                RemoteExchangeHandler.install(channel.pipeline());
            }
        }, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL, acquireTimeout.toMillis(),
                maxConnections, maxPending, true, true);
    }

    /** Gives a connection back to its pool; one that is not reusable is closed first, and the pool then drops it. */
    public RemoteExchange.Releaser releaser(FixedChannelPool pool) {
        return (channel, reusable) -> {
            if (reusable) {
                pool.release(channel);
            } else {
                channel.close().addListener(closed -> pool.release(channel));
            }
        };
    }

    /** Fails queued acquires and closes idle connections; connections in flight close when released. */
    public List<Future<Void>> closeAsync() {
        List<Future<Void>> closing = new ArrayList<>();
        for (FixedChannelPool pool : pools.values()) {
            closing.add(pool.closeAsync());
        }
        pools.clear();
        return closing;
    }
}
