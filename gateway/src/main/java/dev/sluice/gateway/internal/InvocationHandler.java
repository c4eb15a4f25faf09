package dev.sluice.gateway.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.gateway.Endpoint;
import dev.sluice.gateway.EndpointRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Last handler of the data-plane pipeline (after {@code HttpServerCodec → PayloadLimitAggregator}). Routes once,
 * hands invocations to the endpoint's service (and, on a multi-model host, container API calls to
 * {@link ContainerModelsService}) without blocking, and writes the reply when the service completes (Netty hands a
 * write from a runner or loader thread to this channel's event loop).
 *
 * <p>Auto-read is off and a connection has at most one request in processing: requests that arrive pipelined in the
 * same read wait in a short per-connection queue, and the socket is read again only once that queue is empty and the
 * last response is flushed. That keeps HTTP/1.1 pipelined responses in request order and stops one connection from
 * queueing unbounded work. All state here is touched only on the channel's event loop (write listeners run there).
 */
public final class InvocationHandler extends ChannelInboundHandlerAdapter {
    /** Pipelined requests one connection may have waiting; a client sending more is misbehaving. */
    static final int MAX_PIPELINED = 16;
    /** Internal media type under which OIP v2 bodies travel to the codecs (see OipV2JsonCodec). */
    public static final String OIP_V2_MEDIA_TYPE = "application/vnd.sluice.oip-v2+json";
    public static final String INVOKED_VARIANT_HEADER = "x-Amzn-Invoked-Production-Variant";
    public static final String CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes";
    public static final String TARGET_MODEL_HEADER = "X-Amzn-SageMaker-Target-Model";
    public static final String TARGET_VARIANT_HEADER = "X-Amzn-SageMaker-Target-Variant";
    public static final String TARGET_CONTAINER_HEADER = "X-Amzn-SageMaker-Target-Container-Hostname";
    public static final String INFERENCE_ID_HEADER = "X-Amzn-SageMaker-Inference-Id";
    private static final JsonFactory JSON = new JsonFactory();

    private final EndpointRegistry endpoints;
    private final ServerState state;
    private final ContainerModelsService containerModels;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>(2);
    private boolean busy;

    public InvocationHandler(EndpointRegistry endpoints, ServerState state) {
        this(endpoints, state, null);
    }

    /** @param containerModels the multi-model container API ({@code /models}); null where the server has none */
    public InvocationHandler(EndpointRegistry endpoints, ServerState state, ContainerModelsService containerModels) {
        this.endpoints = endpoints;
        this.state = state;
        this.containerModels = containerModels;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (waiting.size() >= MAX_PIPELINED) {
            request.release();
            ctx.close();
            return;
        }
        waiting.add(request);
        if (!busy) {
            processNext(ctx);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (FullHttpRequest r; (r = waiting.poll()) != null; ) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    /** Handles the next waiting request, or asks the socket for more when none is waiting. */
    private void processNext(ChannelHandlerContext ctx) {
        FullHttpRequest request = waiting.poll();
        if (request == null) {
            ctx.read();
            return;
        }
        busy = true;
        try {
            handle(ctx, request);
        } finally {
            request.release();
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean head = request.method().equals(HttpMethod.HEAD);
        state.requestStarted();
        if (!request.decoderResult().isSuccess()) {
            reply(ctx, ErrorResponses.toResponse(SluiceException.validation("malformed HTTP request: "
                    + request.decoderResult().cause())), false, false);
            return;
        }
        if (request instanceof AuthenticationHandler.RefusedRequest refused) {
            reply(ctx, ErrorResponses.toResponse(refused.failure()), keepAlive, head);
            return;
        }
        Route route = Route.of(request.method(), request.uri());
        try {
            switch (route.kind()) {
                case PING -> reply(ctx, pingResponse(), keepAlive, head);
                case EXECUTION_PARAMETERS -> reply(ctx, json(HttpResponseStatus.OK, executionParameters(ctx)),
                        keepAlive, head);
                case V2_LIVE -> reply(ctx, json(HttpResponseStatus.OK, "{\"live\":true}"), keepAlive, head);
                case V2_READY -> {
                    boolean ready = endpoints.allReady() && !state.isDraining();
                    reply(ctx, json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            "{\"ready\":" + ready + "}"), keepAlive, head);
                }
                case V2_SERVER_METADATA -> reply(ctx, json(HttpResponseStatus.OK,
                        "{\"name\":\"sluice\",\"version\":\"" + version() + "\",\"extensions\":[]}"), keepAlive, head);
                case V2_MODEL_METADATA -> reply(ctx, json(HttpResponseStatus.OK, modelMetadata(v2Model(route.name()))),
                        keepAlive, head);
                case V2_MODEL_READY -> {
                    Endpoint endpoint = v2Model(route.name());
                    reply(ctx, json(HttpResponseStatus.OK, "{\"name\":" + quote(endpoint.name()) + ",\"ready\":true}"),
                            keepAlive, head);
                }
                case V2_INFER -> invoke(ctx, request, v2Model(route.name()), true, keepAlive);
                case INVOKE -> invoke(ctx, request, endpoint(route.name()), false, keepAlive);
                case MODELS_LIST, MODELS_LOAD, MODEL_DESCRIBE, MODEL_UNLOAD, MODEL_INVOKE ->
                        serveContainerApi(ctx, request, route, keepAlive, head);
                case METHOD_NOT_ALLOWED -> {
                    FullHttpResponse response = ErrorResponses.toResponse(new SluiceException(
                            ErrorCode.METHOD_NOT_ALLOWED, request.method() + " is not allowed here; use "
                                    + route.allow()));
                    response.headers().set(HttpHeaderNames.ALLOW, route.allow());
                    reply(ctx, response, keepAlive, head);
                }
                case MALFORMED -> throw SluiceException.validation("malformed percent-encoding in the path of "
                        + request.uri());
                case NOT_FOUND -> throw new SluiceException(ErrorCode.NOT_FOUND, "no route for "
                        + request.method() + " " + request.uri());
            }
        } catch (RuntimeException e) {
            reply(ctx, ErrorResponses.toResponse(e), keepAlive, head);
        }
    }

    private FullHttpResponse pingResponse() {
        boolean ready = endpoints.allReady() && !state.isDraining();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }

    /**
     * Batch transform's defaults for jobs against this server (SAGEMAKER-CONTRACT.md §1): as many concurrent
     * requests as a model has runner threads (one per core by default), whole payloads up to this server's limit.
     * The limit is read from the pipeline's aggregator, the one place that enforces it.
     */
    private static String executionParameters(ChannelHandlerContext ctx) {
        PayloadLimitAggregator aggregator = ctx.pipeline().get(PayloadLimitAggregator.class);
        long maxBytes = aggregator == null ? dev.sluice.core.config.ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES
                : aggregator.maxContentLength();
        // MaxPayloadInMB is a whole number (1-100 for a job); a limit under 1 MB still allows 1 MB requests to be
        // tried, and the server's 413 names its real limit.
        long mb = Math.max(1, Math.min(100, maxBytes >> 20));
        int workers = dev.sluice.core.config.RunnerConfig.defaults().workers();
        return "{\"MaxConcurrentTransforms\":" + workers + ",\"BatchStrategy\":\"MULTI_RECORD\",\"MaxPayloadInMB\":"
                + mb + "}";
    }

    /** SageMaker answers an unknown endpoint with a 400 ValidationError, not a 404. */
    private Endpoint endpoint(String name) {
        if (name == null) {
            if (endpoints.defaultName().isEmpty()) {
                throw SluiceException.validation("this server has no default endpoint; invoke "
                        + "/endpoints/{EndpointName}/invocations");
            }
            return endpoints.defaultEndpoint().orElseThrow(() -> new SluiceException(ErrorCode.SERVICE_UNAVAILABLE,
                    "the default model is still loading"));
        }
        return endpoints.get(name).orElseThrow(() -> endpoints.isExpected(name)
                ? new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "endpoint '" + name + "' is still loading")
                : SluiceException.validation("Endpoint " + name + " not found."));
    }

    /** OIP v2 answers unknown models with 404. */
    private Endpoint v2Model(String name) {
        return endpoints.get(name).orElseThrow(() -> endpoints.isExpected(name)
                ? new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "model '" + name + "' is still loading")
                : new SluiceException(ErrorCode.NOT_FOUND, "model '" + name + "' not found"));
    }

    private void invoke(ChannelHandlerContext ctx, FullHttpRequest request, Endpoint endpoint, boolean v2,
                        boolean keepAlive) {
        InferenceRequest inference = InvocationMessages.toInferenceRequest(request, v2);
        CompletionStage<InferenceResponse> stage;
        try {
            stage = endpoint.service().invoke(inference);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((response, failure) -> {
            FullHttpResponse http = failure == null ? InvocationMessages.toHttpResponse(response, endpoint.variant())
                    : ErrorResponses.toResponse(failure);
            reply(ctx, http, keepAlive, false);
        });
    }

    /** The multi-model container API: the reply is written when the host's load, unload or invocation completes. */
    private void serveContainerApi(ChannelHandlerContext ctx, FullHttpRequest request, Route route, boolean keepAlive,
                                   boolean head) {
        if (containerModels == null) {
            throw new SluiceException(ErrorCode.NOT_FOUND, "no multi-model container API here: only a model host "
                    + "serving a multi-model set (sluice host --multi-model PREFIX) answers " + request.uri());
        }
        CompletionStage<FullHttpResponse> stage;
        try {
            stage = containerModels.serve(route, request);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((http, failure) ->
                reply(ctx, failure == null ? http : ErrorResponses.toResponse(failure), keepAlive, head));
    }

    /** Writes the response and, once it is flushed, releases the in-flight slot and asks for the next request. */
    private void reply(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive, boolean head) {
        boolean keep = keepAlive && !state.isDraining();
        if (head) {
            response.content().clear();
        }
        if (keep) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) future -> {
            state.requestFinished();
            busy = false;
            if (!keep || !future.isSuccess()) {
                future.channel().close();
            } else {
                processNext(ctx);
            }
        });
    }

    private static FullHttpResponse json(HttpResponseStatus status, String body) {
        return InvocationMessages.json(status, body);
    }

    private static String modelMetadata(Endpoint endpoint) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("name", endpoint.name());
            g.writeArrayFieldStart("versions");
            g.writeString("1");
            g.writeEndArray();
            g.writeStringField("platform", endpoint.platform());
            writeSpecs(g, "inputs", endpoint.signature().inputs());
            writeSpecs(g, "outputs", endpoint.signature().outputs());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void writeSpecs(JsonGenerator g, String field, List<TensorSpec> specs) throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorSpec spec : specs) {
            g.writeStartObject();
            g.writeStringField("name", spec.name());
            g.writeStringField("datatype", spec.type().v2Name());
            g.writeArrayFieldStart("shape");
            for (long d : spec.shape()) {
                g.writeNumber(d);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String version() {
        String v = InvocationHandler.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and the like: nothing useful to answer on a broken channel.
        ctx.close();
    }
}
