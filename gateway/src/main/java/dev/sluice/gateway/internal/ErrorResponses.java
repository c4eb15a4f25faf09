package dev.sluice.gateway.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure becomes an HTTP response (SAGEMAKER-CONTRACT.md §2). The error type goes into both the
 * {@code x-amzn-ErrorType} header and the body's {@code __type}, and the text into {@code message} and
 * {@code Message}, because AWS SDKs of different generations read different ones. ModelError adds
 * {@code OriginalStatusCode}/{@code OriginalMessage}/{@code LogStreamArn}.
 */
public final class ErrorResponses {
    public static final String ERROR_TYPE_HEADER = "x-amzn-ErrorType";
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);
    private static final JsonFactory JSON = new JsonFactory();

    private ErrorResponses() {
    }

    public static FullHttpResponse toResponse(Throwable failure) {
        return toResponse(classify(failure));
    }

    /** Maps any failure to its SageMaker error, logging the ones that are Sluice's fault. */
    public static SluiceException classify(Throwable failure) {
        SluiceException e = SluiceException.from(failure);
        if (e.code() == ErrorCode.INTERNAL_FAILURE) {
            // Unexpected: keep the stack trace for operators; the client sees only the message.
            LOG.error("internal failure", e.getCause() != null ? e.getCause() : e);
        }
        return e;
    }

    public static FullHttpResponse toResponse(SluiceException e) {
        byte[] body = body(e);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(e.code().httpStatus()), Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(ERROR_TYPE_HEADER, e.code().type());
        return response;
    }

    /** The error body both ports write (the data plane through Netty, the control plane through Vert.x). */
    public static byte[] body(SluiceException e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("__type", e.code().type());
            g.writeStringField("ErrorCode", e.code().type());
            g.writeStringField("message", e.getMessage());
            g.writeStringField("Message", e.getMessage());
            if (e.code() == ErrorCode.MODEL_ERROR) {
                g.writeNumberField("OriginalStatusCode", Math.max(0, e.originalStatusCode()));
                g.writeStringField("OriginalMessage", e.originalMessage() == null ? "" : e.originalMessage());
                g.writeStringField("LogStreamArn", "");
            }
            g.writeEndObject();
        } catch (IOException io) {
            throw new UncheckedIOException(io);
        }
        return out.toByteArray();
    }

}
