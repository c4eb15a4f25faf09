package dev.sluice.modelhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import dev.sluice.modelhost.RemoteTestServer.Reply;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RemoteHostClientTest {
    /**
     * Short where a test waits on purpose (connect); the request timeout is generous because it also bounds the wait
     * for a free connection, which a loaded CI machine can stretch (tests of the timeout set their own).
     */
    static final RemoteHostClient.Settings FAST = new RemoteHostClient.Settings(
            Duration.ofMillis(500), Duration.ofSeconds(5), 8, 1024);

    private static ResourceLeakDetector.Level previousLeakLevel;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void paranoidLeakDetection() {
        previousLeakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterAll
    static void restoreLeakDetection() {
        ResourceLeakDetector.setLevel(previousLeakLevel);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private RemoteTestServer server(Function<RemoteTestServer.Seen, Reply> routes) throws InterruptedException {
        RemoteTestServer server = new RemoteTestServer(routes);
        resources.add(server);
        return server;
    }

    private RemoteHostClient client(RemoteHostClient.Settings settings) {
        RemoteHostClient client = new RemoteHostClient(null, null, settings);
        resources.add(client);
        return client;
    }

    private static InferenceRequest request(String body) {
        return InferenceRequest.of(body.getBytes(StandardCharsets.UTF_8), "text/csv", "application/json");
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static SluiceException failure(CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> stage.toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(SluiceException.class);
        return (SluiceException) e.getCause();
    }

    private static String text(InferenceResponse response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void echoRoundTripForwardsHeadersAndReturnsCustomAttributes() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, "echo:" + seen.body(),
                "Content-Type", "application/json", "X-Amzn-SageMaker-Custom-Attributes", "model-said=hi"));
        InferenceService container = client(FAST).container(server.baseUrl());
        InferenceRequest request = new InferenceRequest("1,2,3".getBytes(StandardCharsets.UTF_8), "text/csv; charset=utf-8",
                "application/json", "trace=abc", "model-a.tar.gz", "variant-b", "container-1", "inference-7",
                System.nanoTime());

        InferenceResponse response = await(container.invoke(request));

        assertThat(text(response)).isEqualTo("echo:1,2,3");
        assertThat(response.contentType()).isEqualTo("application/json");
        assertThat(response.customAttributes()).isEqualTo("model-said=hi");
        assertThat(response.modelLatencyNanos()).isPositive();
        RemoteTestServer.Seen seen = server.seen.getFirst();
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(seen.uri()).isEqualTo("/invocations");
        assertThat(seen.headers())
                .containsEntry("host", "127.0.0.1:" + server.port())
                .containsEntry("content-type", "text/csv; charset=utf-8")
                .containsEntry("content-length", "5")
                .containsEntry("accept", "application/json")
                .containsEntry("x-amzn-sagemaker-custom-attributes", "trace=abc")
                .containsEntry("x-amzn-sagemaker-target-model", "model-a.tar.gz")
                .containsEntry("x-amzn-sagemaker-inference-id", "inference-7")
                .containsEntry("x-amzn-sagemaker-target-container-hostname", "container-1")
                .doesNotContainKey("x-amzn-sagemaker-target-variant");
    }

    @Test
    void absentHeadersStayAbsentAndContentTypeDefaults() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, "raw"));
        InferenceService container = client(FAST).container(server.baseUrl("/models/a/"));

        InferenceResponse response = await(container.invoke(InferenceRequest.of(new byte[0], null, null)));

        assertThat(response.contentType()).isEqualTo("application/octet-stream");
        assertThat(response.customAttributes()).isNull();
        RemoteTestServer.Seen seen = server.seen.getFirst();
        assertThat(seen.uri()).isEqualTo("/models/a/invocations");
        assertThat(seen.headers()).doesNotContainKeys("content-type", "accept", "x-amzn-sagemaker-custom-attributes",
                "x-amzn-sagemaker-target-model", "x-amzn-sagemaker-inference-id");
        assertThat(seen.headers()).containsEntry("content-length", "0");
    }

    @Test
    void reusesOneKeepAliveConnectionForSequentialRequests() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, seen.body()));
        InferenceService container = client(FAST).container(server.baseUrl());

        for (int i = 0; i < 100; i++) {
            assertThat(text(await(container.invoke(request("n" + i))))).isEqualTo("n" + i);
        }

        assertThat(server.connectionsOpened.get()).isEqualTo(1);
    }

    @Test
    void concurrentRequestsShareABoundedPool() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, seen.body()).after(2));
        InferenceService container = client(FAST).container(server.baseUrl());

        List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            calls.add(container.invoke(request("c" + i)).toCompletableFuture());
        }

        for (int i = 0; i < 200; i++) {
            assertThat(text(await(calls.get(i)))).isEqualTo("c" + i);
        }
        assertThat(server.connectionsOpened.get()).isBetween(1, 8);
    }

    @Test
    void clientErrorIsAModelErrorCarryingTheContainersStatusAndMessage() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(400, "bad input: expected 4 columns"));
        InferenceService container = client(FAST).container(server.baseUrl());

        SluiceException e = failure(container.invoke(request("1,2")));

        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(e.originalStatusCode()).isEqualTo(400);
        assertThat(e.originalMessage()).isEqualTo("bad input: expected 4 columns");
        assertThat(e.getMessage())
                .isEqualTo("Received client error (400) from primary with message \"bad input: expected 4 columns\"");
    }

    @Test
    void serverErrorIsAModelErrorWithTheMessageTruncated() throws Exception {
        String longMessage = "é".repeat(5000);
        RemoteTestServer server = server(seen -> Reply.of(503, longMessage));
        InferenceService container = client(FAST).container(server.baseUrl());

        SluiceException e = failure(container.invoke(request("x")));

        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(e.originalStatusCode()).isEqualTo(503);
        assertThat(e.originalMessage()).isEqualTo("é".repeat(4096));
        assertThat(e.getMessage()).startsWith("Received server error (503) from primary with message \"éé");
        // The connection stays usable after an error answer.
        RemoteTestServer ok = server;
        assertThat(ok.connectionsOpened.get()).isEqualTo(1);
    }

    @Test
    void timeoutIsAModelErrorWithStatusZeroAndTheConnectionIsNotReused() throws Exception {
        RemoteTestServer server = server(seen -> seen.uri().startsWith("/slow")
                ? Reply.of(200, "late").after(800)
                : Reply.of(200, "fast"));
        RemoteHostClient client = client(new RemoteHostClient.Settings(Duration.ofMillis(500), Duration.ofMillis(300), 1, 16));

        long start = System.nanoTime();
        SluiceException e = failure(client.container(server.baseUrl("/slow")).invoke(request("x")));
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(e.originalStatusCode()).isZero();
        assertThat(e.getMessage()).contains("timed out after 0.3 s");
        assertThat(elapsedMillis).isBetween(250L, 1500L);
        // Same (host, port) pool, one connection allowed: the timed-out one was closed, a fresh one answers.
        assertThat(text(await(client.container(server.baseUrl()).invoke(request("y"))))).isEqualTo("fast");
        assertThat(server.connectionsOpened.get()).isEqualTo(2);
        assertThat(server.await(() -> server.connectionsOpen.get() == 1, 1000)).isTrue();
    }

    @Test
    void refusedPortIsServiceUnavailable() throws Exception {
        URI nobody = URI.create("http://127.0.0.1:" + freePort());
        InferenceService container = client(FAST).container(nobody);

        SluiceException e = failure(container.invoke(request("x")));

        assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(e.getMessage()).startsWith("remote host " + nobody + " is unreachable: ");
    }

    @Test
    void serverClosingBeforeItAnswersIsAnInternalDependencyFailure() throws Exception {
        RemoteTestServer server = server(seen -> Reply.hangUpReply());
        InferenceService container = client(FAST).container(server.baseUrl());

        SluiceException e = failure(container.invoke(request("x")));

        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL_DEPENDENCY);
        assertThat(e.code().httpStatus()).isEqualTo(530);
        assertThat(e.getMessage()).contains("closed before it answered");
    }

    @Test
    void connectionCloseAnswersAreNotReused() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, seen.body()).closing());
        InferenceService container = client(FAST).container(server.baseUrl());

        for (int i = 0; i < 3; i++) {
            assertThat(text(await(container.invoke(request("k" + i))))).isEqualTo("k" + i);
        }

        assertThat(server.connectionsOpened.get()).isEqualTo(3);
    }

    @Test
    void anIdleConnectionTheServerClosedIsDroppedNotReused() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, seen.body()));
        InferenceService container = client(FAST).container(server.baseUrl());
        await(container.invoke(request("first")));

        server.closeConnections();
        assertThat(server.await(() -> server.connectionsOpen.get() == 0, 1000)).isTrue();
        Thread.sleep(200); // the client's event loop reads the FIN and closes its side

        assertThat(text(await(container.invoke(request("second"))))).isEqualTo("second");
        assertThat(server.connectionsOpened.get()).isEqualTo(2);
    }

    @Test
    void requestsPastThePendingLimitAreRefusedAtOnce() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, seen.body()).after(200));
        InferenceService container = client(new RemoteHostClient.Settings(
                Duration.ofMillis(500), Duration.ofSeconds(5), 1, 1)).container(server.baseUrl());

        // The pool takes acquires in order on one executor: "a" gets the only connection, "b" the only queue slot.
        CompletableFuture<InferenceResponse> first = container.invoke(request("a")).toCompletableFuture();
        CompletableFuture<InferenceResponse> second = container.invoke(request("b")).toCompletableFuture();
        SluiceException third = failure(container.invoke(request("c")));

        assertThat(third.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(third.getMessage()).contains("too many requests waiting");
        assertThat(text(await(first))).isEqualTo("a");
        assertThat(text(await(second))).isEqualTo("b");
    }

    @Test
    void pingIsTrueOnlyFor200InTime() throws Exception {
        RemoteTestServer healthy = server(seen -> seen.method().equals("GET") && seen.uri().equals("/p/ping")
                ? Reply.of(200, "") : Reply.of(404, "no"));
        RemoteTestServer failing = server(seen -> Reply.of(500, "not ready"));
        RemoteTestServer silent = server(seen -> Reply.silentReply());
        RemoteHostClient client = client(FAST);
        Duration timeout = Duration.ofMillis(300);

        assertThat(await(client.ping(healthy.baseUrl("/p"), timeout))).isTrue();
        assertThat(await(client.ping(healthy.baseUrl(), timeout))).isFalse();
        assertThat(await(client.ping(failing.baseUrl(), timeout))).isFalse();
        assertThat(await(client.ping(URI.create("http://127.0.0.1:" + freePort()), timeout))).isFalse();
        long start = System.nanoTime();
        assertThat(await(client.ping(silent.baseUrl(), timeout))).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 1500L);
        // Pings do not hold connections open.
        assertThat(healthy.await(() -> healthy.connectionsOpen.get() == 0, 1000)).isTrue();
        assertThat(silent.await(() -> silent.connectionsOpen.get() == 0, 1000)).isTrue();
    }

    @Test
    void pingIsNotQueuedBehindABusyPool() throws Exception {
        RemoteTestServer server = server(seen -> seen.uri().equals("/ping") ? Reply.of(200, "") : Reply.silentReply());
        RemoteHostClient client = client(new RemoteHostClient.Settings(Duration.ofMillis(500), Duration.ofSeconds(5), 1, 8));
        CompletableFuture<InferenceResponse> busy = client.container(server.baseUrl()).invoke(request("x")).toCompletableFuture();

        assertThat(await(client.ping(server.baseUrl(), Duration.ofMillis(300)))).isTrue();
        assertThat(busy).isNotDone();
    }

    @Test
    void closeFailsInFlightRequestsAndClosesEveryConnectionButLeavesASharedGroupRunning() throws Exception {
        EventLoopGroup shared = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        resources.add(() -> shared.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        RemoteTestServer server = server(seen -> seen.body().equals("hold") ? Reply.silentReply() : Reply.of(200, "ok"));
        RemoteHostClient client = new RemoteHostClient(shared, null, FAST);
        InferenceService container = client.container(server.baseUrl());
        await(container.invoke(request("warm")));
        List<CompletableFuture<InferenceResponse>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(container.invoke(request("hold")).toCompletableFuture());
        }
        assertThat(server.await(() -> server.seen.size() == 4, 1000)).isTrue();

        client.close();

        for (CompletableFuture<InferenceResponse> call : held) {
            assertThat(failure(call).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        }
        assertThat(server.await(() -> server.connectionsOpen.get() == 0, 1000)).isTrue();
        assertThat(shared.isShuttingDown()).isFalse();
        assertThat(failure(container.invoke(request("after"))).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(await(client.ping(server.baseUrl(), Duration.ofMillis(200)))).isFalse();
        client.close(); // idempotent
    }

    @Test
    void closeShutsDownTheEventLoopsTheClientCreated() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, "ok"));
        RemoteHostClient client = new RemoteHostClient(FAST);
        await(client.container(server.baseUrl()).invoke(request("x")));
        Set<Thread> loops = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("sluice-remote-host"))
                .collect(Collectors.toSet());
        assertThat(loops).isNotEmpty();

        client.close();

        // close() returns once the group has terminated; the threads themselves exit just after.
        for (Thread loop : loops) {
            loop.join(1000);
        }
        assertThat(loops).allSatisfy(t -> assertThat(t.isAlive()).as(t.getName()).isFalse());
        assertThat(server.await(() -> server.connectionsOpen.get() == 0, 1000)).isTrue();
    }

    @Test
    void rejectsWhatItCannotServe() {
        RemoteHostClient client = client(FAST);
        assertThatThrownBy(() -> client.container(URI.create("https://127.0.0.1:8443")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
        assertThatThrownBy(() -> client.container(URI.create("ftp://127.0.0.1")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.container(URI.create("/relative")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RemoteHostClient.Settings(Duration.ZERO, Duration.ofSeconds(1), 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> new RemoteHostClient.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1), 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnectionsPerHost");
        assertThat(RemoteHostClient.Settings.defaults()).isEqualTo(new RemoteHostClient.Settings(
                Duration.ofSeconds(2), Duration.ofSeconds(60), 64, 1024));
    }

    @Test
    void headerValuesThatCouldSplitTheRequestAreRefused() throws Exception {
        RemoteTestServer server = server(seen -> Reply.of(200, "ok"));
        InferenceService container = client(FAST).container(server.baseUrl());
        InferenceRequest evil = new InferenceRequest(new byte[0], "text/csv\r\nX-Injected: 1", null, null, null, null,
                null, null, System.nanoTime());

        assertThat(failure(container.invoke(evil)).code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(server.seen).isEmpty();
    }
}
