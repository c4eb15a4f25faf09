package dev.sluice.modelhost.internal;

import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import dev.sluice.modelhost.RequestCredentials;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * A SageMaker-contract container at a remote URL as an {@link InferenceService}: {@code POST <prefix>/invocations}
 * over a pooled keep-alive connection. Never blocks; the answer completes on the connection's event loop.
 */
public final class RemoteContainerService implements InferenceService {
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    static final String TARGET_MODEL_HEADER = "X-Amzn-SageMaker-Target-Model";
    static final String INFERENCE_ID_HEADER = "X-Amzn-SageMaker-Inference-Id";
    static final String TARGET_CONTAINER_HOSTNAME_HEADER = "X-Amzn-SageMaker-Target-Container-Hostname";

    private final RemoteEndpoint endpoint;
    private final RemoteConnectionPools pools;
    private final Duration requestTimeout;
    private final int maxPending;
    private final BooleanSupplier clientClosed;
    /** Null: requests carry no credentials. */
    private final RequestCredentials credentials;

    public RemoteContainerService(RemoteEndpoint endpoint, RemoteConnectionPools pools, Duration requestTimeout,
                                  int maxPending, BooleanSupplier clientClosed) {
        this(endpoint, pools, requestTimeout, maxPending, clientClosed, null);
    }

    /** @param credentials added to every request (an API key, a signature); null for none */
    public RemoteContainerService(RemoteEndpoint endpoint, RemoteConnectionPools pools, Duration requestTimeout,
                                  int maxPending, BooleanSupplier clientClosed, RequestCredentials credentials) {
        this.credentials = credentials;
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.pools = Objects.requireNonNull(pools, "pools");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.maxPending = maxPending;
        this.clientClosed = Objects.requireNonNull(clientClosed, "clientClosed");
    }

    public RemoteEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
        Objects.requireNonNull(request, "request");
        if (clientClosed.getAsBoolean()) {
            return CompletableFuture.failedFuture(RemoteFailures.clientClosed(endpoint));
        }
        FullHttpRequest http;
        try {
            http = invocationRequest(endpoint, request, credentials);
        } catch (IllegalArgumentException badHeader) {
            return CompletableFuture.failedFuture(RemoteFailures.invalidRequest(badHeader));
        }
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        FixedChannelPool pool;
        try {
            pool = pools.pool(endpoint);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(http);
            return CompletableFuture.failedFuture(RemoteFailures.unreachable(endpoint, e));
        }
        pool.acquire().addListener((Future<Channel> acquired) -> {
            if (!acquired.isSuccess()) {
                ReferenceCountUtil.release(http);
                result.completeExceptionally(RemoteFailures.acquireFailed(endpoint, acquired.cause(),
                        clientClosed.getAsBoolean(), maxPending, requestTimeout));
                return;
            }
            Channel channel = acquired.getNow();
            RemoteExchange.Releaser releaser = pools.releaser(pool);
            Runnable exchange = () -> {
                try {
                    new RemoteExchange(endpoint, requestTimeout, clientClosed)
                            .start(channel, http, releaser)
                            .whenComplete((answer, failure) -> {
                                if (failure != null) {
                                    result.completeExceptionally(SluiceException.from(failure));
                                } else if (answer.isSuccess()) {
                                    result.complete(toResponse(answer));
                                } else {
                                    result.completeExceptionally(
                                            RemoteFailures.containerError(answer.status(), answer.body()));
                                }
                            });
                } catch (RuntimeException bug) { // a broken invariant must still answer and give the connection back
                    if (http.refCnt() > 0) {
                        ReferenceCountUtil.release(http);
                    }
                    releaser.release(channel, false);
                    result.completeExceptionally(SluiceException.from(bug));
                }
            };
            EventLoop loop = channel.eventLoop();
            if (loop.inEventLoop()) {
                exchange.run();
            } else {
                try {
                    loop.execute(exchange);
                } catch (RuntimeException rejected) { // the event loop group is shutting down
                    ReferenceCountUtil.release(http);
                    channel.close();
                    result.completeExceptionally(RemoteFailures.unreachable(endpoint, rejected));
                }
            }
        });
        return result;
    }

    static InferenceResponse toResponse(RemoteAnswer answer) {
        String contentType = answer.contentType() == null ? DEFAULT_CONTENT_TYPE : answer.contentType();
        return new InferenceResponse(answer.body(), contentType, answer.customAttributes(), answer.latencyNanos());
    }

    /** The body is wrapped, not copied; the request holds the only reference and the encoder releases it. */
    static FullHttpRequest invocationRequest(RemoteEndpoint endpoint, InferenceRequest request) {
        return invocationRequest(endpoint, request, null);
    }

    static FullHttpRequest invocationRequest(RemoteEndpoint endpoint, InferenceRequest request,
                                             RequestCredentials credentials) {
        FullHttpRequest http = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                endpoint.target("/invocations"), Unpooled.wrappedBuffer(request.body()));
        try {
            HttpHeaders headers = http.headers();
            headers.set(HttpHeaderNames.HOST, endpoint.hostHeader());
            headers.setInt(HttpHeaderNames.CONTENT_LENGTH, request.body().length);
            setIfPresent(headers, HttpHeaderNames.CONTENT_TYPE, request.contentType());
            setIfPresent(headers, HttpHeaderNames.ACCEPT, request.accept());
            setIfPresent(headers, RemoteAnswer.CUSTOM_ATTRIBUTES_HEADER, request.customAttributes());
            setIfPresent(headers, TARGET_MODEL_HEADER, request.targetModel());
            setIfPresent(headers, INFERENCE_ID_HEADER, request.inferenceId());
            setIfPresent(headers, TARGET_CONTAINER_HOSTNAME_HEADER, request.targetContainerHostname());
            if (credentials != null) {
                // Last, so that a signature covers every header set above.
                Map<String, String> sent = new TreeMap<>();
                headers.forEach(h -> sent.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(),
                        (a, b) -> a + "," + b));
                credentials.headers("POST", endpoint.hostHeader(), http.uri(), sent, request.body())
                        .forEach(headers::set);
            }
            return http;
        } catch (RuntimeException e) {
            http.release();
            throw e;
        }
    }

    private static void setIfPresent(HttpHeaders headers, CharSequence name, String value) {
        if (value != null) {
            headers.set(name, value);
        }
    }

    @Override
    public String toString() {
        return "RemoteContainerService[" + endpoint.url() + "]";
    }
}
