package dev.sluice.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.autoscaler.testing.FakeHost;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.Scheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real child processes: {@link FakeHost} started with this JVM's {@code java} and the test classes directory, so
 * the provider's process handling, /ping admission, drain and SIGTERM/SIGKILL are exercised for real.
 */
class LocalProcessCapacityProviderTest {
    private static final VariantKey VARIANT = new VariantKey("scoring", "AllTraffic");
    private static final long WAIT_SECONDS = 30;

    @TempDir
    Path logs;
    private ScheduledExecutorService timer;
    private HttpClient http;
    private final List<LocalProcessCapacityProvider> providers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-local-process-timer"));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterEach
    void tearDown() {
        providers.forEach(LocalProcessCapacityProvider::close);
        timer.shutdownNow();
        http.close();
    }

    /** {@code java -cp <test classes> FakeHost --port P --admin-port Q --bind 127.0.0.1 --model NAME=PATH <extra>}. */
    private static LocalProcessSettings.LaunchCommand fakeHost(String... extra) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classes;
        try {
            classes = Path.of(FakeHost.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return (variant, port, adminPort) -> {
            List<String> command = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC", "-Xmx32m", "-cp", classes, FakeHost.class.getName(), "--port",
                    Integer.toString(port), "--admin-port", Integer.toString(adminPort), "--bind", "127.0.0.1",
                    "--model", variant.variantName() + "=/models/" + variant.variantName()));
            command.addAll(List.of(extra));
            return command;
        };
    }

    private LocalProcessCapacityProvider provider(LocalProcessSettings settings) {
        LocalProcessCapacityProvider provider = new LocalProcessCapacityProvider(settings, Scheduler.system(timer), http);
        providers.add(provider);
        return provider;
    }

    private LocalProcessSettings settings(String... extra) {
        return new LocalProcessSettings(fakeHost(extra), logs, Duration.ofSeconds(WAIT_SECONDS),
                Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(5), 5);
    }

    private HttpResponse<String> invoke(Instance instance, long delayMs) throws Exception {
        return invokeAsync(instance, delayMs).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private CompletableFuture<HttpResponse<String>> invokeAsync(Instance instance, long delayMs) {
        URI uri = ((Instance.Remote) instance).uri().resolve("/invocations");
        return http.sendAsync(HttpRequest.newBuilder(uri).header("X-Delay-Ms", Long.toString(delayMs))
                .POST(HttpRequest.BodyPublishers.ofString("[1,2]")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void admitsOnlyAfterPingAnswers200AndStopsOnRemove() throws Exception {
        LocalProcessCapacityProvider provider = provider(settings("--ready-after-ms", "400"));

        Instance instance = provider.add(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(instance).isInstanceOf(Instance.Remote.class);
        URI uri = ((Instance.Remote) instance).uri();
        assertThat(uri.getHost()).isEqualTo("127.0.0.1");
        assertThat(http.send(HttpRequest.newBuilder(uri.resolve("/ping")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        assertThat(invoke(instance, 0).body()).isEqualTo("{\"echo\":[1,2]}");
        assertThat(provider.instances(VARIANT).join()).containsExactly(instance);
        long pid = provider.processIds().get(instance.id());

        provider.remove(instance).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(provider.instances(VARIANT).join()).isEmpty();
        assertThat(provider.processIds()).isEmpty();
    }

    @Test
    void aProcessThatExitsBeforeReadyFailsWithItsExitCodeAndLastLogLines() {
        LocalProcessCapacityProvider provider = provider(settings("--fail-start"));

        assertThatThrownBy(() -> provider.add(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SluiceException.class)
                .hasMessageContaining("exited with code 3 before GET /ping answered 200")
                .hasMessageContaining("error: cannot load model AllTraffic=/models/AllTraffic: no such file")
                .hasMessageContaining(FakeHost.class.getName());
        assertThat(provider.processIds()).isEmpty();
    }

    @Test
    void aProcessThatNeverAnswersPingIsKilledAfterTheReadyTimeout() {
        LocalProcessCapacityProvider provider = provider(settings("--never-ready")
                .withTimeouts(Duration.ofMillis(1500), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        CompletableFuture<Instance> added = provider.add(VARIANT);
        long pid = provider.processIds().values().iterator().next();

        assertThatThrownBy(() -> added.get(WAIT_SECONDS, TimeUnit.SECONDS))
                .cause().hasMessageContaining("did not answer GET http://127.0.0.1:")
                .hasMessageContaining("/ping with 200 within 1500 ms (last: HTTP 503); it was killed")
                .hasMessageContaining("fake host: listening");
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(WAIT_SECONDS, TimeUnit.SECONDS).join());
        assertThat(provider.processIds()).isEmpty();
    }

    @Test
    void aProcessThatIgnoresSigtermIsKilledAfterTheStopTimeout() throws Exception {
        LocalProcessCapacityProvider provider = provider(settings("--ignore-term")
                .withTimeouts(Duration.ofSeconds(WAIT_SECONDS), Duration.ofSeconds(1), Duration.ofMillis(500)));
        Instance instance = provider.add(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS);
        long pid = provider.processIds().get(instance.id());

        provider.remove(instance).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(java.nio.file.Files.readString(logs.resolve(instance.id() + ".log"))).contains("fake host: SIGTERM");
    }

    /**
     * The scale-in contract end to end: a request is in flight on the only instance when the fleet scales to zero;
     * routing retires the instance (no new requests) and reports drained when that request finishes, and only then
     * is the process stopped, so the request still gets its 200.
     */
    @Test
    void scaleInDrainsInFlightRequestsBeforeStoppingTheProcess() throws Exception {
        LocalProcessCapacityProvider provider = provider(settings());
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicReference<CompletableFuture<HttpResponse<String>>> inFlight =
                new java.util.concurrent.atomic.AtomicReference<>();
        ProvisionedCapacity fleet = new ProvisionedCapacity(VARIANT, provider, new ProvisionedCapacity.Routing() {
            @Override
            public void admit(Instance instance) {
                events.add("admit " + instance.id());
            }

            @Override
            public CompletionStage<Void> retire(Instance instance) {
                events.add("retire " + instance.id());
                return inFlight.get().thenAccept(response -> events.add("drained " + instance.id()));
            }
        }, List.of());

        fleet.setDesiredCapacity(1, "test").get(WAIT_SECONDS, TimeUnit.SECONDS);
        Instance instance = fleet.instances().get(0);
        long pid = provider.processIds().get(instance.id());
        inFlight.set(invokeAsync(instance, 700));

        fleet.setDesiredCapacity(0, "test").get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(inFlight.get().get(WAIT_SECONDS, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(events).containsExactly("admit " + instance.id(), "retire " + instance.id(),
                "drained " + instance.id());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(fleet.currentCapacity()).isZero();
    }

    @Test
    void sluiceHostCommandUsesTheHostFlags() {
        LocalProcessSettings.LaunchCommand command = LocalProcessSettings.sluiceHost(Path.of("./sluice"),
                variant -> "mlp=/models/" + variant.variantName() + ".onnx");

        assertThat(command.command(VARIANT, 9001, 9101)).containsExactly("./sluice", "host", "--port", "9001",
                "--admin-port", "9101", "--bind", "127.0.0.1", "--model", "mlp=/models/AllTraffic.onnx");
    }

    @Test
    void closeStopsEveryChild() throws Exception {
        LocalProcessCapacityProvider provider = provider(settings());
        Instance instance = provider.add(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS);
        long pid = provider.processIds().get(instance.id());

        provider.close();

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(provider.processIds()).isEmpty();
    }
}
