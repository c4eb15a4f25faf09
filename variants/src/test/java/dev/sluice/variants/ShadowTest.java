package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.request;
import static dev.sluice.variants.Fixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ShadowTest {
    /** Runs comparisons only when the test says so, to show they happen on the shadow executor. */
    private final Queue<Runnable> comparisons = new ArrayDeque<>();
    private final Executor shadowExecutor = comparisons::add;

    private static ShadowRoute shadow(double fraction, InferenceService service) {
        return new ShadowRoute("Shadow", "model-shadow", fraction,
                Fixtures.pool(new SimpleMeterRegistry(), "Shadow", service));
    }

    private EndpointRouter router(InferenceService production, ShadowRoute shadow) {
        return new EndpointRouter("ep", RoutingTable.of(List.of(route("Prod", 1, production)), List.of(shadow)),
                shadowExecutor);
    }

    private void runComparisons() {
        Runnable task;
        while ((task = comparisons.poll()) != null) {
            task.run();
        }
    }

    @Test
    void copiesTheSampledFractionOfRequests() {
        Fixtures.Counting shadowService = new Fixtures.Counting("{\"y\":1}");
        EndpointRouter router = router(Fixtures.answering("{\"y\":1}"), shadow(0.3, shadowService));

        for (int i = 0; i < 1_000; i++) {
            router.invoke(request());
        }
        runComparisons();

        assertThat(shadowService.calls.get() / 1_000.0).isCloseTo(0.3, within(0.005));
        ShadowReport.Snapshot report = router.shadowReport().orElseThrow();
        assertThat(report.sampled()).isEqualTo(shadowService.calls.get());
        assertThat(report.completed()).isEqualTo(report.sampled());
        assertThat(report.compared()).isEqualTo(report.sampled());
        assertThat(report.differing()).isZero();
        assertThat(report.productionVariant()).isEqualTo("Prod");
        assertThat(report.shadowVariant()).isEqualTo("Shadow");
        assertThat(report.production().count()).isEqualTo(report.sampled());
    }

    @Test
    void aShadowThatNeverAnswersDoesNotDelayProduction() {
        Fixtures.Manual shadowService = new Fixtures.Manual();
        EndpointRouter router = router(Fixtures.answering("ok"), shadow(1.0, shadowService));

        CompletionStage<InferenceResponse> response = router.invoke(request());

        assertThat(response.toCompletableFuture()).isCompleted();
        assertThat(response.toCompletableFuture().join().invokedVariant()).isEqualTo("Prod");
        assertThat(shadowService.pending()).isEqualTo(1);
        assertThat(router.shadowsInFlight()).isEqualTo(1);
        assertThat(router.shadowReport().orElseThrow().completed()).isZero();
    }

    @Test
    void failingShadowsNeverFailProduction() {
        AtomicInteger calls = new AtomicInteger();
        InferenceService throwsOrFails = request -> {
            if (calls.incrementAndGet() % 2 == 0) {
                throw new IllegalStateException("shadow crashed synchronously");
            }
            return CompletableFuture.failedFuture(new IllegalStateException("shadow failed"));
        };
        EndpointRouter router = router(Fixtures.answering("ok"), shadow(1.0, throwsOrFails));

        for (int i = 0; i < 10; i++) {
            assertThat(router.invoke(request()).toCompletableFuture()).isCompletedWithValueMatching(
                    response -> Fixtures.text(response).equals("ok"));
        }
        runComparisons();

        ShadowReport.Snapshot report = router.shadowReport().orElseThrow();
        assertThat(report.shadowErrors()).isEqualTo(10);
        assertThat(report.compared()).isZero();
        assertThat(router.shadowsInFlight()).isZero();
    }

    @Test
    void aShadowWhosePoolIsEmptyCountsAsAShadowError() {
        EndpointRouter router = new EndpointRouter("ep", RoutingTable.of(
                List.of(route("Prod", 1, Fixtures.answering("ok"))),
                List.of(new ShadowRoute("Shadow", "m", 1.0, Fixtures.pool(new SimpleMeterRegistry(), "Shadow")))),
                shadowExecutor);

        assertThat(router.invoke(request()).toCompletableFuture()).isCompleted();
        runComparisons();
        assertThat(router.shadowReport().orElseThrow().shadowErrors()).isEqualTo(1);
    }

    @Test
    void reportSeparatesEquivalentFromDifferingAnswers() {
        AtomicInteger calls = new AtomicInteger();
        // Every other answer is within the default 1e-4 relative tolerance; the rest are off by 10%.
        InferenceService shadowService = request -> CompletableFuture.completedFuture(Fixtures.response(
                calls.getAndIncrement() % 2 == 0 ? "{\"scores\":[0.50001,0.25]}" : "{\"scores\":[0.55,0.25]}"));
        EndpointRouter router = router(Fixtures.answering("{\"scores\": [0.5, 0.25]}"), shadow(1.0, shadowService));

        for (int i = 0; i < 10; i++) {
            router.invoke(request());
        }
        assertThat(router.shadowReport().orElseThrow().compared()).isZero();
        runComparisons();

        ShadowReport.Snapshot report = router.shadowReport().orElseThrow();
        assertThat(report.compared()).isEqualTo(10);
        assertThat(report.differing()).isEqualTo(5);
        assertThat(report.differingShare()).isEqualTo(0.5);
        assertThat(report.tolerance()).isEqualTo(ResponseComparator.DEFAULT_TOLERANCE);
        assertThat(report.shadow().count()).isEqualTo(10);
    }

    @Test
    void productionErrorsAreNotCompared() {
        EndpointRouter router = router(Fixtures.failing(ErrorCode.MODEL_ERROR), shadow(1.0, Fixtures.answering("x")));

        assertThat(router.invoke(request()).toCompletableFuture()).isCompletedExceptionally();
        runComparisons();

        ShadowReport.Snapshot report = router.shadowReport().orElseThrow();
        assertThat(report.completed()).isEqualTo(1);
        assertThat(report.compared()).isZero();
        assertThat(report.shadowErrors()).isZero();
    }

    @Test
    void comparisonWaitsForProductionWhenTheShadowIsFaster() {
        Fixtures.Manual production = new Fixtures.Manual();
        EndpointRouter router = router(production, shadow(1.0, Fixtures.answering("[1,2]")));

        CompletionStage<InferenceResponse> response = router.invoke(request());
        runComparisons();
        assertThat(router.shadowReport().orElseThrow().completed()).isZero();

        production.completeAll("[1, 2]");
        assertThat(response.toCompletableFuture()).isCompleted();
        runComparisons();
        assertThat(router.shadowReport().orElseThrow().compared()).isEqualTo(1);
        assertThat(router.shadowReport().orElseThrow().differing()).isZero();
    }

    @Test
    void dropsCopiesBeyondTheInFlightBound() {
        Fixtures.Manual shadowService = new Fixtures.Manual();
        EndpointRouter router = router(Fixtures.answering("ok"), shadow(1.0, shadowService));

        for (int i = 0; i < EndpointRouter.MAX_SHADOW_IN_FLIGHT + 44; i++) {
            assertThat(router.invoke(request()).toCompletableFuture()).isCompleted();
        }

        assertThat(shadowService.count()).isEqualTo(EndpointRouter.MAX_SHADOW_IN_FLIGHT);
        ShadowReport.Snapshot report = router.shadowReport().orElseThrow();
        assertThat(report.sampled()).isEqualTo(300);
        assertThat(report.dropped()).isEqualTo(44);

        // Once the shadow catches up, copies flow again.
        shadowService.completeAll("ok");
        assertThat(router.shadowsInFlight()).isZero();
        router.invoke(request());
        assertThat(shadowService.count()).isEqualTo(EndpointRouter.MAX_SHADOW_IN_FLIGHT + 1);
        runComparisons();
        assertThat(router.shadowReport().orElseThrow().compared()).isEqualTo(EndpointRouter.MAX_SHADOW_IN_FLIGHT);
    }

    @Test
    void reportSurvivesAWeightUpdate() {
        EndpointRouter router = router(Fixtures.answering("ok"), shadow(1.0, Fixtures.answering("ok")));
        router.invoke(request());
        router.update(router.table().withWeights(Map.of("Prod", 2.0)));
        router.invoke(request());

        assertThat(router.shadowReport().orElseThrow().sampled()).isEqualTo(2);
    }

    @Test
    void noShadowNoReport() {
        EndpointRouter router = new EndpointRouter("ep",
                RoutingTable.of(List.of(route("Prod", 1, Fixtures.answering("ok"))), List.of()), shadowExecutor);
        router.invoke(request());
        assertThat(router.shadowReport()).isEmpty();
        assertThat(router.shadowReports()).isEmpty();
        assertThat(comparisons).isEmpty();
    }
}
