package dev.sluice.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.InferenceResponse;
import dev.sluice.core.config.SecurityConfig;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.gateway.Endpoint;
import dev.sluice.gateway.EndpointRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ResourceLeakDetector;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code "auth"} step on an {@link EmbeddedChannel}: a refused request never reaches the endpoint, its 403 is
 * answered in order with pipelined requests on the same connection, health checks pass, and every buffer is released.
 */
class AuthenticationHandlerTest {
    static final String KEY = "embedded-test-api-key-000000001";
    private ResourceLeakDetector.Level previous;
    private final EndpointRegistry endpoints = new EndpointRegistry();
    private final AtomicInteger invoked = new AtomicInteger();

    @BeforeEach
    void setUp() {
        previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        endpoints.register(new Endpoint("echo", Endpoint.DEFAULT_VARIANT, "echo", "test", request -> {
            invoked.incrementAndGet();
            return CompletableFuture.completedFuture(InferenceResponse.of(request.body(), "text/plain"));
        }, new ModelSignature(List.of(), List.of())));
    }

    @AfterEach
    void restore() {
        ResourceLeakDetector.setLevel(previous);
    }

    @Test
    void refusedAndAcceptedRequestsOnOneConnectionAreAnsweredInOrder() {
        FullHttpRequest anonymous = post("/invocations", "secret body one", null);
        FullHttpRequest wrongKey = post("/invocations", "secret body two", "Bearer " + KEY + "-wrong");
        FullHttpRequest ping = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ping");
        FullHttpRequest good = post("/invocations", "hello", "Bearer " + KEY);
        List<FullHttpResponse> responses = exchange(anonymous, wrongKey, ping, good);
        try {
            assertThat(responses).extracting(r -> r.status().code()).containsExactly(403, 403, 200, 200);
            assertThat(responses.get(0).headers().get(ErrorResponses.ERROR_TYPE_HEADER))
                    .isEqualTo("MissingAuthenticationTokenException");
            assertThat(responses.get(1).headers().get(ErrorResponses.ERROR_TYPE_HEADER))
                    .isEqualTo("UnrecognizedClientException");
            assertThat(responses.get(3).content().toString(StandardCharsets.UTF_8)).isEqualTo("hello");
            for (FullHttpResponse r : responses.subList(0, 2)) {
                assertThat(r.content().toString(StandardCharsets.UTF_8)).doesNotContain("secret body")
                        .doesNotContain(KEY);
            }
            assertThat(invoked).hasValue(1);
        } finally {
            responses.forEach(FullHttpResponse::release);
        }
    }

    private static FullHttpRequest post(String uri, String body, String authorization) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, request.content().readableBytes())
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        if (authorization != null) {
            request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return request;
    }

    /** Encodes the requests as one pipelined burst of bytes and decodes what the server writes back. */
    private List<FullHttpResponse> exchange(FullHttpRequest... requests) {
        EmbeddedChannel client = new EmbeddedChannel(new HttpRequestEncoder());
        client.writeOutbound((Object[]) requests);
        ByteBuf wire = Unpooled.buffer();
        for (Object part; (part = client.readOutbound()) != null; ) {
            wire.writeBytes((ByteBuf) part);
            ((ByteBuf) part).release();
        }
        Authenticator authenticator = new Authenticator(new SecurityConfig(null,
                List.of(SecurityConfig.apiKeyDigest(KEY)), List.of(), null), Authenticator.DATA_PLANE_SERVICES,
                Clock.systemUTC());
        EmbeddedChannel server = new EmbeddedChannel(new HttpServerCodec(), new PayloadLimitAggregator(1024),
                new AuthenticationHandler(authenticator), new InvocationHandler(endpoints, new ServerState()));
        server.config().setAutoRead(false);
        server.writeInbound(wire);
        server.runPendingTasks();
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 16));
        for (Object part; (part = server.readOutbound()) != null; ) {
            decoder.writeInbound(part);
        }
        List<FullHttpResponse> responses = new ArrayList<>();
        for (FullHttpResponse r; (r = decoder.readInbound()) != null; ) {
            responses.add(r);
        }
        assertThat(server.finishAndReleaseAll()).isFalse();
        decoder.finishAndReleaseAll();
        client.finishAndReleaseAll();
        return responses;
    }
}
