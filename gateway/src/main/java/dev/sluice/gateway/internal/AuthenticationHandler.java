package dev.sluice.gateway.internal;

import dev.sluice.core.SluiceException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's authentication step (pipeline name {@code "auth"}, after {@code "aggregate"}: a SigV4 signature
 * covers the whole body). A request without valid credentials goes on as a {@link RefusedRequest} with an empty body
 * and its failure, so that {@link InvocationHandler} answers it through its usual path — in order with any pipelined
 * requests, with the SageMaker error shape of {@link ErrorResponses}, and counted like every other request. Health
 * checks ({@code /ping}, {@code /v2/health/live}, {@code /v2/health/ready}) pass unauthenticated: SageMaker and load
 * balancers probe them unsigned, and they reveal nothing. Runs on the event loop (a few HMACs and one SHA-256 pass).
 * Stateless, so one instance serves every connection.
 */
@ChannelHandler.Sharable
public final class AuthenticationHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(AuthenticationHandler.class);
    private final Authenticator authenticator;

    public AuthenticationHandler(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** A request refused before routing: the invocation handler answers it with {@link #failure()}. */
    public static final class RefusedRequest extends DefaultFullHttpRequest {
        private final SluiceException failure;

        RefusedRequest(FullHttpRequest refused, SluiceException failure) {
            super(refused.protocolVersion(), refused.method(), refused.uri(), Unpooled.EMPTY_BUFFER,
                    new DefaultHttpHeaders().set(refused.headers()), new DefaultHttpHeaders());
            this.failure = failure;
        }

        public SluiceException failure() {
            return failure;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request) || !request.decoderResult().isSuccess() || isHealthCheck(request)) {
            // A malformed request gets its 400 from the invocation handler, which reveals nothing either.
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            authenticator.authenticate(new NettyRequest(request));
        } catch (SluiceException e) {
            // The reason and the peer, never the Authorization header or the body.
            LOG.debug("refused {} {} from {}: {}", request.method(), new QueryPath(request.uri()).path,
                    ctx.channel().remoteAddress(), e.code().type());
            RefusedRequest refused = new RefusedRequest(request, e);
            request.release();
            ctx.fireChannelRead(refused);
            return;
        }
        ctx.fireChannelRead(request);
    }

    private static boolean isHealthCheck(FullHttpRequest request) {
        Route.Kind kind = Route.of(request.method(), request.uri()).kind();
        return kind == Route.Kind.PING || kind == Route.Kind.V2_LIVE || kind == Route.Kind.V2_READY;
    }

    /** The request URI split at the first {@code ?}, both parts still encoded. */
    private record QueryPath(String path, String query) {
        QueryPath(String uri) {
            this(uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?')),
                    uri.indexOf('?') < 0 ? null : uri.substring(uri.indexOf('?') + 1));
        }
    }

    private record NettyRequest(FullHttpRequest request, QueryPath uri) implements Authenticator.Request {
        NettyRequest(FullHttpRequest request) {
            this(request, new QueryPath(request.uri()));
        }

        @Override
        public String method() {
            return request.method().name();
        }

        @Override
        public String rawPath() {
            return uri.path;
        }

        @Override
        public String rawQuery() {
            return uri.query;
        }

        @Override
        public List<String> headers(String lowercaseName) {
            return request.headers().getAll(lowercaseName);
        }

        @Override
        public String payloadSha256Hex() {
            return sha256Hex(request.content());
        }
    }

    /** Over the buffer's readable bytes in place, without copying them or moving its indices. */
    static String sha256Hex(ByteBuf content) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (ByteBuffer part : content.nioBuffers()) {
                digest.update(part);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
