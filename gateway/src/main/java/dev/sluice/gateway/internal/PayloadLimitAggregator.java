package dev.sluice.gateway.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>The close lingers, as nginx's does: a client is usually still sending the body when the 413 goes out, and
 * closing a socket with unread input makes the kernel send a RST, which can destroy the 413 in the client's receive
 * buffer before it is read (seen as "header parser received no bytes"). So output is shut down after the 413, what
 * the client still sends is read and dropped, and the socket closes when the client closes or after {@link #LINGER}.
 */
public final class PayloadLimitAggregator extends HttpObjectAggregator {
    /** How long a refused client may keep sending before the socket closes regardless. */
    static final Duration LINGER = Duration.ofSeconds(2);
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
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) written -> {
            Channel channel = written.channel();
            if (!written.isSuccess() || !(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
                channel.close();
                return;
            }
            ctx.pipeline().addAfter(ctx.name(), "discard-after-413", new Discard());
            duplex.shutdownOutput();
            channel.config().setAutoRead(true);
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, LINGER.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /** Drops everything read after a 413 so nothing reaches the invocation handler. */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
