package dev.sluice.modelhost.internal;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.Objects;

/**
 * What a remote host answered, copied out of Netty's buffers so that nothing reference-counted outlives the
 * channel handler that read it.
 *
 * @param status           the HTTP status code
 * @param contentType      {@code Content-Type}, null when missing
 * @param customAttributes {@code X-Amzn-SageMaker-Custom-Attributes}, null when the container did not set it
 * @param body             the response body (never null)
 * @param latencyNanos     from the request's write to the response's arrival
 */
public record RemoteAnswer(int status, String contentType, String customAttributes, byte[] body, long latencyNanos) {
    public static final String CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes";

    public RemoteAnswer {
        Objects.requireNonNull(body, "body");
    }

    /** Copies; the caller still owns (and releases) {@code response}. */
    static RemoteAnswer copyOf(FullHttpResponse response, long latencyNanos) {
        return new RemoteAnswer(response.status().code(),
                response.headers().get(HttpHeaderNames.CONTENT_TYPE),
                response.headers().get(CUSTOM_ATTRIBUTES_HEADER),
                ByteBufUtil.getBytes(response.content()),
                latencyNanos);
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
