package dev.sluice.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.TensorSpec;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data-plane handlers on an {@link EmbeddedChannel}: routing, the error shape, ordering of pipelined requests and
 * buffer ownership (every request and response buffer released).
 */
class InvocationHandlerTest {
    private static final ModelSignature SIGNATURE = new ModelSignature(
            List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 2})),
            List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 1})));

    private ResourceLeakDetector.Level previous;
    private final EndpointRegistry endpoints = new EndpointRegistry();
    private final ServerState state = new ServerState();
    private final AtomicReference<InferenceRequest> seen = new AtomicReference<>();

    @BeforeEach
    void paranoidLeakDetection() {
        previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        endpoints.register(new Endpoint("echo", Endpoint.DEFAULT_VARIANT, "echo", "test", request -> {
            seen.set(request);
            if (new String(request.body(), StandardCharsets.UTF_8).equals("boom")) {
                return CompletableFuture.failedFuture(SluiceException.modelError("model failed", null, 500, "bad"));
            }
            return CompletableFuture.completedFuture(InferenceResponse.of(request.body(), "application/echo")
                    .withCustomAttributes("set-by-model"));
        }, SIGNATURE));
    }

    @AfterEach
    void restore() {
        ResourceLeakDetector.setLevel(previous);
    }

    private EmbeddedChannel channel(int limit) {
        return new EmbeddedChannel(new PayloadLimitAggregator(limit),
                new InvocationHandler(endpoints, state));
    }

    private static FullHttpRequest post(String uri, String body) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, request.content().readableBytes())
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        return request;
    }

    private static String body(FullHttpResponse response) {
        return response.content().toString(StandardCharsets.UTF_8);
    }

    @Test
    void invocationPassesHeadersAndAnswersWithTheVariant() {
        EmbeddedChannel ch = channel(1024);
        FullHttpRequest request = post("/endpoints/echo/invocations", "{\"a\":1}");
        request.headers().set("X-Amzn-SageMaker-Custom-Attributes", "c=1").set("Accept", "text/csv")
                .set("X-Amzn-SageMaker-Inference-Id", "id-7");
        ch.writeInbound(request);
        FullHttpResponse response = ch.readOutbound();
        try {
            assertThat(response.status().code()).isEqualTo(200);
            assertThat(body(response)).isEqualTo("{\"a\":1}");
            assertThat(response.headers().get("x-Amzn-Invoked-Production-Variant")).isEqualTo("AllTraffic");
            assertThat(response.headers().get("X-Amzn-SageMaker-Custom-Attributes")).isEqualTo("set-by-model");
            assertThat(response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(7);
            assertThat(seen.get().accept()).isEqualTo("text/csv");
            assertThat(seen.get().customAttributes()).isEqualTo("c=1");
            assertThat(seen.get().inferenceId()).isEqualTo("id-7");
        } finally {
            response.release();
        }
        assertThat(request.refCnt()).isZero();
        assertThat(state.inFlight()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void modelErrorHasTheSageMakerShape() {
        EmbeddedChannel ch = channel(1024);
        ch.writeInbound(post("/invocations", "boom"));
        FullHttpResponse response = ch.readOutbound();
        try {
            assertThat(response.status().code()).isEqualTo(424);
            assertThat(response.headers().get("x-amzn-ErrorType")).isEqualTo("ModelError");
            assertThat(body(response)).contains("\"__type\":\"ModelError\"").contains("\"message\":\"model failed\"")
                    .contains("\"OriginalStatusCode\":500").contains("\"OriginalMessage\":\"bad\"");
        } finally {
            response.release();
        }
        ch.finishAndReleaseAll();
    }

    @Test
    void unknownEndpointIsAValidationError() {
        EmbeddedChannel ch = channel(1024);
        ch.writeInbound(post("/endpoints/missing/invocations", "{}"));
        FullHttpResponse response = ch.readOutbound();
        try {
            assertThat(response.status().code()).isEqualTo(400);
            assertThat(body(response)).contains("Endpoint missing not found.");
        } finally {
            response.release();
        }
        ch.finishAndReleaseAll();
    }

    @Test
    void containerApiIsNotFoundWithoutAMultiModelHostAndBadEncodingIsAValidationError() {
        EmbeddedChannel ch = channel(1024);
        ch.writeInbound(post("/models", "{\"model_name\":\"m\",\"url\":\"/m\"}"));
        FullHttpResponse notFound = ch.readOutbound();
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/models/%zz"));
        FullHttpResponse malformed = ch.readOutbound();
        try {
            assertThat(notFound.status().code()).isEqualTo(404);
            assertThat(body(notFound)).contains("multi-model");
            assertThat(malformed.status().code()).isEqualTo(400);
            assertThat(malformed.headers().get("x-amzn-ErrorType")).isEqualTo("ValidationError");
        } finally {
            notFound.release();
            malformed.release();
        }
        assertThat(state.inFlight()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void declaredOversizedBodyIsRefusedFromTheHeadersAndClosesTheConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new PayloadLimitAggregator(16), new InvocationHandler(endpoints, state));
        ByteBuf head = Unpooled.copiedBuffer("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
                + "Content-Type: application/json\r\n\r\n", StandardCharsets.US_ASCII);
        ch.writeInbound(head);
        ByteBuf out = ch.readOutbound();
        try {
            String text = out.toString(StandardCharsets.US_ASCII);
            assertThat(text).startsWith("HTTP/1.1 413").contains("x-amzn-ErrorType: PayloadTooLarge");
        } finally {
            out.release();
        }
        assertThat(seen.get()).isNull();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        // Client side encodes two pipelined requests into raw bytes, the server side answers both.
        EmbeddedChannel client = new EmbeddedChannel(new HttpRequestEncoder());
        client.writeOutbound(post("/invocations", "first"), post("/invocations", "second"));
        ByteBuf wire = Unpooled.buffer();
        for (Object part; (part = client.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) part;
            wire.writeBytes(buf);
            buf.release();
        }
        EmbeddedChannel server = new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(1024), new InvocationHandler(endpoints, state));
        server.config().setAutoRead(false);
        server.writeInbound(wire);
        server.runPendingTasks();
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1024));
        for (Object part; (part = server.readOutbound()) != null; ) {
            decoder.writeInbound(part);
        }
        FullHttpResponse first = decoder.readInbound();
        FullHttpResponse second = decoder.readInbound();
        try {
            assertThat(body(first)).isEqualTo("first");
            assertThat(body(second)).isEqualTo("second");
        } finally {
            first.release();
            second.release();
        }
        server.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    @Test
    void pingFollowsReadinessAndDraining() {
        EmbeddedChannel ch = channel(1024);
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ping"));
        FullHttpResponse ok = ch.readOutbound();
        assertThat(ok.status().code()).isEqualTo(200);
        ok.release();
        state.startDraining();
        ch = channel(1024);
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ping"));
        FullHttpResponse draining = ch.readOutbound();
        assertThat(draining.status().code()).isEqualTo(503);
        assertThat(draining.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        draining.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void pingIs503WhileADefaultModelIsStillLoading() {
        endpoints.expect("still-loading");
        EmbeddedChannel ch = channel(1024);
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ping"));
        FullHttpResponse loading = ch.readOutbound();
        assertThat(loading.status().code()).isEqualTo(503);
        loading.release();
        ch.writeInbound(post("/endpoints/still-loading/invocations", "{}"));
        FullHttpResponse invoke = ch.readOutbound();
        assertThat(invoke.status().code()).isEqualTo(503);
        assertThat(invoke.headers().get("x-amzn-ErrorType")).isEqualTo("ServiceUnavailable");
        invoke.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void errorBodiesNameTheType() {
        byte[] bytes = ErrorResponses.body(new SluiceException(ErrorCode.THROTTLING, "slow \"down\""));
        assertThat(new String(bytes, StandardCharsets.UTF_8))
                .isEqualTo("{\"__type\":\"ThrottlingException\",\"ErrorCode\":\"ThrottlingException\","
                        + "\"message\":\"slow \\\"down\\\"\",\"Message\":\"slow \\\"down\\\"\"}");
    }
}
