package dev.sluice.modelhost.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The handler alone, on an EmbeddedChannel: every buffer it is handed is released, whatever happens. */
class RemoteExchangeHandlerTest {
    private static final RemoteEndpoint ENDPOINT = RemoteEndpoint.parse(URI.create("http://model:8080/prefix/"));

    private final List<Boolean> releases = new ArrayList<>();
    private final RemoteExchange.Releaser releaser = (channel, reusable) -> releases.add(reusable);

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new RemoteExchangeHandler());
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
        return response;
    }

    private CompletableFuture<RemoteAnswer> start(EmbeddedChannel channel, Duration timeout) {
        FullHttpRequest request = RemoteContainerService.invocationRequest(ENDPOINT,
                dev.sluice.core.InferenceRequest.of("in".getBytes(StandardCharsets.UTF_8), "text/plain", null));
        CompletableFuture<RemoteAnswer> answer = new RemoteExchange(ENDPOINT, timeout, () -> false)
                .start(channel, request, releaser);
        FullHttpRequest written = channel.readOutbound();
        assertThat(written.uri()).isEqualTo("/prefix/invocations");
        assertThat(written.headers().get(HttpHeaderNames.HOST)).isEqualTo("model:8080");
        ReferenceCountUtil.release(written);
        return answer;
    }

    @Test
    void answerIsCopiedAndTheResponseReleased() {
        EmbeddedChannel channel = channel();
        CompletableFuture<RemoteAnswer> answer = start(channel, Duration.ofSeconds(5));
        FullHttpResponse response = response(HttpResponseStatus.OK, "out");
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        response.headers().set(RemoteAnswer.CUSTOM_ATTRIBUTES_HEADER, "a=1");

        channel.writeInbound(response);

        assertThat(response.refCnt()).isZero();
        RemoteAnswer done = answer.join();
        assertThat(new String(done.body(), StandardCharsets.UTF_8)).isEqualTo("out");
        assertThat(done.contentType()).isEqualTo("text/plain");
        assertThat(done.customAttributes()).isEqualTo("a=1");
        assertThat(releases).containsExactly(true);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void connectionCloseAnswerIsNotReusable() {
        EmbeddedChannel channel = channel();
        CompletableFuture<RemoteAnswer> answer = start(channel, Duration.ofSeconds(5));
        FullHttpResponse response = response(HttpResponseStatus.BAD_REQUEST, "no");
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);

        channel.writeInbound(response);

        assertThat(answer.join().status()).isEqualTo(400);
        assertThat(releases).containsExactly(false);
        channel.finishAndReleaseAll();
    }

    @Test
    void interimResponsesAreSkipped() {
        EmbeddedChannel channel = channel();
        CompletableFuture<RemoteAnswer> answer = start(channel, Duration.ofSeconds(5));
        FullHttpResponse earlyHints = response(HttpResponseStatus.valueOf(103), "");

        channel.writeInbound(earlyHints);

        assertThat(earlyHints.refCnt()).isZero();
        assertThat(answer).isNotDone();
        channel.writeInbound(response(HttpResponseStatus.OK, "final"));
        assertThat(answer.join().status()).isEqualTo(200);
        channel.finishAndReleaseAll();
    }

    @Test
    void anAnswerNobodyAskedForIsReleasedAndClosesTheConnection() {
        EmbeddedChannel channel = channel();
        FullHttpResponse stray = response(HttpResponseStatus.OK, "stray");

        channel.writeInbound(stray);

        assertThat(stray.refCnt()).isZero();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void timeoutFailsTheExchangeAndALateAnswerIsStillReleased() throws InterruptedException {
        EmbeddedChannel channel = channel();
        CompletableFuture<RemoteAnswer> answer = start(channel, Duration.ofMillis(1));
        Thread.sleep(5);

        channel.runScheduledPendingTasks();

        assertThat(answer).isCompletedExceptionally();
        SluiceException e = (SluiceException) org.junit.jupiter.api.Assertions
                .assertThrows(CompletionException.class, answer::join).getCause();
        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(e.originalStatusCode()).isZero();
        assertThat(releases).containsExactly(false);
        FullHttpResponse late = response(HttpResponseStatus.OK, "late");
        channel.writeInbound(late);
        assertThat(late.refCnt()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void closeAfterTheWriteIsAnInternalDependencyFailure() {
        EmbeddedChannel channel = channel();
        CompletableFuture<RemoteAnswer> answer = start(channel, Duration.ofSeconds(5));

        channel.close();

        SluiceException e = (SluiceException) org.junit.jupiter.api.Assertions
                .assertThrows(CompletionException.class, answer::join).getCause();
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL_DEPENDENCY);
        assertThat(releases).containsExactly(false);
    }

    @Test
    void aClosedChannelFailsBeforeWritingAndReleasesTheRequest() {
        EmbeddedChannel channel = channel();
        channel.close();
        FullHttpRequest request = RemoteContainerService.invocationRequest(ENDPOINT,
                dev.sluice.core.InferenceRequest.of(new byte[] {1, 2}, null, null));
        Channel closed = channel;

        CompletableFuture<RemoteAnswer> answer = new RemoteExchange(ENDPOINT, Duration.ofSeconds(1), () -> false)
                .start(closed, request, releaser);

        SluiceException e = (SluiceException) org.junit.jupiter.api.Assertions
                .assertThrows(CompletionException.class, answer::join).getCause();
        assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(request.refCnt()).isZero();
    }

    @Test
    void originalMessageIsCutAtTheLimitWithoutSplittingASurrogatePair() {
        String emoji = "\uD83D\uDE00"; // two chars, four UTF-8 bytes
        byte[] body = ("x" + emoji.repeat(3000)).getBytes(StandardCharsets.UTF_8);

        String original = RemoteFailures.originalMessage(body);

        assertThat(original.length()).isEqualTo(4095);
        assertThat(Character.isHighSurrogate(original.charAt(original.length() - 1))).isFalse();
        assertThat(RemoteFailures.seconds(Duration.ofSeconds(60))).isEqualTo("60");
        assertThat(RemoteFailures.seconds(Duration.ofMillis(300))).isEqualTo("0.3");
    }

    @Test
    void endpointParsing() {
        RemoteEndpoint v6 = RemoteEndpoint.parse(URI.create("http://[::1]:9000"));
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6.hostHeader()).isEqualTo("[::1]:9000");
        assertThat(v6.target("/ping")).isEqualTo("/ping");
        RemoteEndpoint defaultPort = RemoteEndpoint.parse(URI.create("http://model-a.svc/v1//"));
        assertThat(defaultPort.port()).isEqualTo(80);
        assertThat(defaultPort.hostHeader()).isEqualTo("model-a.svc");
        assertThat(defaultPort.target("/invocations")).isEqualTo("/v1/invocations");
    }
}
