package dev.sluice.gateway.internal;

import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * HTTP messages to and from {@link InferenceRequest}/{@link InferenceResponse}, shared by the SageMaker invocation
 * routes and the multi-model container API's {@code /models/{name}/invoke}, so both read headers and write answers
 * the same way. The request body is copied out, so the caller may release the request as soon as this returns.
 */
final class InvocationMessages {
    private InvocationMessages() {
    }

    /** @param v2 an OIP v2 body: it travels to the codecs under its internal media type, whatever the headers say */
    static InferenceRequest toInferenceRequest(FullHttpRequest request, boolean v2) {
        HttpHeaders headers = request.headers();
        String customAttributes = headers.get(InvocationHandler.CUSTOM_ATTRIBUTES_HEADER);
        checkCustomAttributes(customAttributes);
        String contentType = v2 ? InvocationHandler.OIP_V2_MEDIA_TYPE : headers.get(HttpHeaderNames.CONTENT_TYPE);
        String accept = v2 ? InvocationHandler.OIP_V2_MEDIA_TYPE : headers.get(HttpHeaderNames.ACCEPT);
        return new InferenceRequest(ByteBufUtil.getBytes(request.content()), contentType, accept, customAttributes,
                headers.get(InvocationHandler.TARGET_MODEL_HEADER), headers.get(InvocationHandler.TARGET_VARIANT_HEADER),
                headers.get(InvocationHandler.TARGET_CONTAINER_HEADER),
                headers.get(InvocationHandler.INFERENCE_ID_HEADER), System.nanoTime());
    }

    private static void checkCustomAttributes(String value) {
        if (value == null) {
            return;
        }
        if (value.length() > 1024) {
            throw SluiceException.validation(InvocationHandler.CUSTOM_ATTRIBUTES_HEADER
                    + " must be at most 1024 characters, got " + value.length());
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw SluiceException.validation(InvocationHandler.CUSTOM_ATTRIBUTES_HEADER
                        + " must contain only visible ASCII characters");
            }
        }
    }

    /**
     * @param variant the production variant to name in {@code x-Amzn-Invoked-Production-Variant} when the response
     *                does not name one itself; null on the container API, which has no variants
     */
    static FullHttpResponse toHttpResponse(InferenceResponse response, String variant) {
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(response.body()));
        http.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                .set(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        String invoked = response.invokedVariant() != null ? response.invokedVariant() : variant;
        if (invoked != null) {
            http.headers().set(InvocationHandler.INVOKED_VARIANT_HEADER, invoked);
        }
        if (response.customAttributes() != null) {
            http.headers().set(InvocationHandler.CUSTOM_ATTRIBUTES_HEADER, response.customAttributes());
        }
        return http;
    }

    static FullHttpResponse json(HttpResponseStatus status, String body) {
        return json(status, body.getBytes(StandardCharsets.UTF_8));
    }

    static FullHttpResponse json(HttpResponseStatus status, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }
}
