package dev.sluice.variants;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The data-plane half of serverless variants, on a virtual clock. */
class ServerlessGateTest {
    private final ManualScheduler clock = new ManualScheduler(Instant.parse("2026-01-01T00:00:00Z"));
    private final AtomicInteger coldStarts = new AtomicInteger();
    private final InstancePool pool = new InstancePool("AllTraffic", RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
            new VariantMetrics(new VariantMeterRegistry(new SimpleMeterRegistry()), "e", "AllTraffic", "m"));
    private final ServerlessGate gate = new ServerlessGate("AllTraffic", 2, Duration.ofSeconds(30), clock,
            coldStarts::incrementAndGet);
    private final CompletableFuture<InferenceResponse> pending = new CompletableFuture<>();

    ServerlessGateTest() {
        pool.serverless(gate);
    }

    private static InferenceRequest request() {
        return InferenceRequest.of(new byte[] {1}, "text/csv", null);
    }

    private VariantInstance instance(String id, CompletionStage<InferenceResponse> answer) {
        return new VariantInstance(id, r -> answer);
    }

    private static SluiceException failure(CompletionStage<InferenceResponse> stage) {
        CompletableFuture<InferenceResponse> f = stage.toCompletableFuture();
        assertThat(f).isCompletedExceptionally();
        return SluiceException.from(f.handle((r, t) -> t).join());
    }

    @Test
    void aRequestAtZeroAsksForAnInstanceAndProceedsWhenItJoins() {
        CompletionStage<InferenceResponse> waiting = pool.invoke(request());
        assertThat(coldStarts).hasValue(1);
        assertThat(waiting.toCompletableFuture()).isNotDone();
        assertThat(gate.waiting()).isEqualTo(1);

        pool.add(instance("i-1", CompletableFuture.completedFuture(InferenceResponse.of(new byte[] {9}, "text/csv"))));
        assertThat(waiting.toCompletableFuture().join().body()).containsExactly(9);
        assertThat(gate.inFlight()).isZero();
        // The timeout was cancelled with the wait: nothing fires later.
        clock.advance(Duration.ofMinutes(1));
        assertThat(gate.waiting()).isZero();
    }

    @Test
    void aColdStartPastTheBoundIsModelNotReady() {
        CompletionStage<InferenceResponse> waiting = pool.invoke(request());
        clock.advance(Duration.ofSeconds(29));
        assertThat(waiting.toCompletableFuture()).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        SluiceException e = failure(waiting);
        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_READY);
        assertThat(e.getMessage()).contains("starting from zero");
        assertThat(gate.inFlight()).isZero();
        assertThat(pool.metrics().stats().invocations()).isEqualTo(1);
    }

    @Test
    void aFailedColdStartAnswersTheWaitersAtOnce() {
        CompletionStage<InferenceResponse> waiting = pool.invoke(request());
        gate.coldStartFailed(new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "model would not load"));
        assertThat(failure(waiting).getMessage()).isEqualTo("model would not load");
    }

    @Test
    void overMaxConcurrencyIsThrottledWithoutQueueing() {
        pool.add(instance("i-1", pending));
        CompletionStage<InferenceResponse> first = pool.invoke(request());
        CompletionStage<InferenceResponse> second = pool.invoke(request());
        SluiceException third = failure(pool.invoke(request()));
        assertThat(third.code()).isEqualTo(ErrorCode.THROTTLING);
        assertThat(third.getMessage()).contains("MaxConcurrency of 2");
        assertThat(gate.inFlight()).isEqualTo(2);

        pending.complete(InferenceResponse.of(new byte[] {1}, "text/csv"));
        assertThat(first.toCompletableFuture()).isCompleted();
        assertThat(second.toCompletableFuture()).isCompleted();
        assertThat(gate.inFlight()).isZero();
        assertThat(pool.invoke(request()).toCompletableFuture()).isCompleted();
    }

    @Test
    void idleSinceFollowsTheLastRequest() {
        pool.add(instance("i-1", pending));
        Instant created = gate.idleSince();
        clock.advance(Duration.ofSeconds(10));
        pool.invoke(request());
        clock.advance(Duration.ofSeconds(5));
        pending.complete(InferenceResponse.of(new byte[] {1}, "text/csv"));
        assertThat(gate.idleSince()).isEqualTo(created.plusSeconds(15));
    }
}
