package dev.sluice.modelhost.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Hands each aggregated response, close or failure of a client connection to the one {@link RemoteExchange} in
 * flight on it. Pipeline position: last, after {@link HttpClientCodec} and {@link HttpObjectAggregator}. A pooled
 * connection carries one exchange at a time (no pipelining), so there is no response ordering to untangle.
 * Not sharable: it holds that connection's current exchange; all of it runs on the channel's event loop.
 */
public final class RemoteExchangeHandler extends ChannelInboundHandlerAdapter {
    /**
     * Far above SageMaker's 6 MB request limit: model outputs (embeddings of a batch) can be larger than inputs,
     * but a bound there must be so that one broken container cannot take the gateway's heap.
     */
    public static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

    private RemoteExchange current;

    /** The client pipeline every remote-host connection (pooled or ping) gets. */
    public static void install(ChannelPipeline pipeline) {
        pipeline.addLast("http", new HttpClientCodec());
        pipeline.addLast("aggregate", new HttpObjectAggregator(MAX_RESPONSE_BYTES));
        pipeline.addLast("exchange", new RemoteExchangeHandler());
    }

    void begin(RemoteExchange exchange) {
        if (current != null) {
            throw new IllegalStateException("connection already carries an exchange");
        }
        current = exchange;
    }

    void finished(RemoteExchange exchange) {
        if (current == exchange) {
            current = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            RemoteExchange exchange = current;
            if (!(msg instanceof FullHttpResponse response) || exchange == null) {
                // An answer nobody asked for (or a late one): this connection's framing can no longer be trusted.
                ctx.close();
                return;
            }
            if (response.decoderResult().isFailure()) {
                exchange.fail(RemoteFailures.malformedAnswer(exchange.endpoint(), response.decoderResult().cause()));
                return;
            }
            if (isInterim(response.status())) {
                return; // RFC 9110 §15.2: 1xx precede the final answer (103 Early Hints); the exchange goes on.
            }
            exchange.onResponse(response);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        RemoteExchange exchange = current;
        if (exchange != null) {
            exchange.onClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        RemoteExchange exchange = current;
        if (exchange != null) {
            exchange.fail(RemoteFailures.malformedAnswer(exchange.endpoint(), cause));
        }
        ctx.close();
    }

    private static boolean isInterim(HttpResponseStatus status) {
        int code = status.code();
        return code >= 100 && code < 200 && code != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
    }
}
