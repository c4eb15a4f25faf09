package dev.sluice.gateway.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/**
 * Aggregates a request body up to the payload limit. A declared {@code Content-Length} over the limit is refused
 * from the headers alone, before any of the body is buffered; a chunked body is refused as soon as it crosses the
 * limit. The 413 goes through {@link ErrorResponses} so it has the SageMaker error shape, and the connection is
 * closed because the rest of the body would otherwise have to be read and thrown away.
 */
public final class PayloadLimitAggregator extends HttpObjectAggregator {
    private final long maxPayloadBytes;

    public PayloadLimitAggregator(int maxPayloadBytes) {
        super(maxPayloadBytes, true);
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        FullHttpResponse response = ErrorResponses.toResponse(new SluiceException(ErrorCode.PAYLOAD_TOO_LARGE,
                "request body is larger than the " + maxPayloadBytes + "-byte limit"));
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
