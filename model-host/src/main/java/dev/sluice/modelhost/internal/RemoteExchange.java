package dev.sluice.modelhost.internal;

import dev.sluice.core.SluiceException;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One request and its answer on one connection. Everything after {@link #start} runs on the channel's event loop,
 * so the state needs no locks; the answer completes there too. When it ends, for whatever reason, the connection
 * goes back through the {@link Releaser} exactly once, marked reusable only when nothing can still arrive on it.
 */
public final class RemoteExchange {
    /** Gives a connection back: reusable, or to be closed (and then discarded by the pool). */
    @FunctionalInterface
    public interface Releaser {
        void release(Channel channel, boolean reusable);
    }

    private final RemoteEndpoint endpoint;
    private final Duration timeout;
    private final BooleanSupplier clientClosed;
    private final CompletableFuture<RemoteAnswer> answer = new CompletableFuture<>();

    private Channel channel;
    private Releaser releaser;
    private RemoteExchangeHandler handler;
    private ScheduledFuture<?> timer;
    private long writeNanos;
    private boolean written;
    private boolean done;

    public RemoteExchange(RemoteEndpoint endpoint, Duration timeout, BooleanSupplier clientClosed) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clientClosed = Objects.requireNonNull(clientClosed, "clientClosed");
    }

    RemoteEndpoint endpoint() {
        return endpoint;
    }

    /**
     * Writes {@code request} (ownership passes here: it is released whatever happens) and returns the answer.
     * Must be called on {@code channel}'s event loop. The answer fails only with a {@link SluiceException}; a
     * non-2xx status is an answer, not a failure: what it means is the caller's business.
     */
    public CompletableFuture<RemoteAnswer> start(Channel channel, FullHttpRequest request, Releaser releaser) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.releaser = Objects.requireNonNull(releaser, "releaser");
        assert channel.eventLoop().inEventLoop();
        handler = channel.pipeline().get(RemoteExchangeHandler.class);
        if (handler == null || !channel.isActive()) {
            ReferenceCountUtil.release(request);
            done = true;
            releaser.release(channel, false);
            answer.completeExceptionally(RemoteFailures.unreachable(endpoint,
                    new IllegalStateException("connection closed before the request was written")));
            return answer;
        }
        handler.begin(this);
        // The answer limit runs from the write, as SageMaker's 60 s does from the container's receipt of the request.
        timer = channel.eventLoop().schedule(this::onTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
        writeNanos = System.nanoTime();
        channel.writeAndFlush(request).addListener(write -> {
            if (write.isSuccess()) {
                written = true;
            } else {
                fail(clientClosed.getAsBoolean()
                        ? RemoteFailures.clientClosed(endpoint)
                        : RemoteFailures.unreachable(endpoint, write.cause()));
            }
        });
        return answer;
    }

    void onResponse(FullHttpResponse response) {
        if (done) {
            return;
        }
        RemoteAnswer copy = RemoteAnswer.copyOf(response, System.nanoTime() - writeNanos);
        // A server may answer before it read the whole request (an early 413); such a connection is not reused.
        finish(written && HttpUtil.isKeepAlive(response));
        answer.complete(copy);
    }

    void onClosed() {
        if (clientClosed.getAsBoolean()) {
            fail(RemoteFailures.clientClosed(endpoint));
        } else if (written) {
            fail(RemoteFailures.closedBeforeAnswer(endpoint));
        } else {
            fail(RemoteFailures.unreachable(endpoint, new IllegalStateException("connection closed before the request was written")));
        }
    }

    private void onTimeout() {
        // The late answer may still come: the connection is closed, never reused with a response pending on it.
        fail(RemoteFailures.timedOut(timeout));
    }

    void fail(SluiceException failure) {
        if (done) {
            return;
        }
        finish(false);
        answer.completeExceptionally(failure);
    }

    /** Before completing the answer, so that a caller sending its next request from the callback finds the connection idle. */
    private void finish(boolean reusable) {
        done = true;
        if (timer != null) {
            timer.cancel(false);
        }
        handler.finished(this);
        releaser.release(channel, reusable);
    }
}
