package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.request;
import static dev.sluice.variants.Fixtures.route;
import static dev.sluice.variants.Fixtures.targeted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class EndpointRouterTest {

    private static EndpointRouter router(VariantRoute... variants) {
        return new EndpointRouter("ep", RoutingTable.of(List.of(variants), List.of()), Runnable::run);
    }

    private static InferenceResponse success(CompletionStage<InferenceResponse> stage) {
        return stage.toCompletableFuture().join();
    }

    private static SluiceException failure(CompletionStage<InferenceResponse> stage) {
        CompletableFuture<InferenceResponse> future = stage.toCompletableFuture();
        assertThat(future).isCompletedExceptionally();
        return SluiceException.from(future.handle((r, f) -> f).join());
    }

    private static Map<String, Integer> send(EndpointRouter router, int requests) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(success(router.invoke(request())).invokedVariant(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void splitsTenThousandRequestsSeventyThirtyWithinOnePoint() {
        Fixtures.Counting a = new Fixtures.Counting("a");
        Fixtures.Counting b = new Fixtures.Counting("b");
        EndpointRouter router = router(route("A", 0.7, a), route("B", 0.3, b));

        Map<String, Integer> counts = send(router, 10_000);

        assertThat(counts.get("A") / 10_000.0).isCloseTo(0.7, within(0.01));
        assertThat(counts.get("B") / 10_000.0).isCloseTo(0.3, within(0.01));
        // The invoked-variant header tells the truth about where each request went.
        assertThat(a.calls.get()).isEqualTo(counts.get("A"));
        assertThat(b.calls.get()).isEqualTo(counts.get("B"));
    }

    @Test
    void splitStaysExactUnderConcurrentCallers() throws Exception {
        Fixtures.Counting a = new Fixtures.Counting("a");
        Fixtures.Counting b = new Fixtures.Counting("b");
        EndpointRouter router = router(route("A", 3, a), route("B", 1, b));
        ExecutorService callers = Executors.newFixedThreadPool(4, Thread.ofPlatform().name("router-test-", 0).factory());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(callers.submit(() -> {
                    for (int i = 0; i < 2_500; i++) {
                        router.invoke(request());
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(a.calls.get() / 10_000.0).isCloseTo(0.75, within(0.01));
    }

    @Test
    void zeroWeightVariantGetsNoUntargetedTrafficButCanBeTargeted() {
        Fixtures.Counting dark = new Fixtures.Counting("dark");
        EndpointRouter router = router(route("A", 1, Fixtures.answering("a")), route("Dark", 0, dark));

        assertThat(send(router, 1_000)).containsOnlyKeys("A");
        assertThat(dark.calls.get()).isZero();

        InferenceResponse response = success(router.invoke(targeted("Dark")));
        assertThat(response.invokedVariant()).isEqualTo("Dark");
        assertThat(Fixtures.text(response)).isEqualTo("dark");
        assertThat(success(router.invoke(targeted("A"))).invokedVariant()).isEqualTo("A");
    }

    @Test
    void unknownTargetVariantIsAValidationError() {
        EndpointRouter router = router(route("A", 1, Fixtures.answering("a")));

        SluiceException error = failure(router.invoke(targeted("Nope")));

        assertThat(error.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(error.code().httpStatus()).isEqualTo(400);
        assertThat(error).hasMessage("Variant Nope is not a production variant of endpoint ep.");
    }

    @Test
    void allWeightsZeroIsServiceUnavailable() {
        EndpointRouter router = router(route("A", 0, Fixtures.answering("a")), route("B", 0, Fixtures.answering("b")));

        SluiceException error = failure(router.invoke(request()));

        assertThat(error.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(error).hasMessage("no production variant of endpoint ep has a traffic weight above 0");
        // Targeting still works: the variants exist, they just take no share.
        assertThat(success(router.invoke(targeted("B"))).invokedVariant()).isEqualTo("B");
    }

    @Test
    void productionFailuresReachTheCallerWithTheirCode() {
        EndpointRouter router = router(route("A", 1, Fixtures.failing(ErrorCode.MODEL_ERROR)));

        SluiceException error = failure(router.invoke(request()));

        assertThat(error.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(router.table().current().get(0).pool().metrics().stats().modelErrors()).isEqualTo(1);
    }

    @Test
    void liveWeightUpdateTakesEffectAndRequestsInFlightComplete() {
        Fixtures.Manual slowA = new Fixtures.Manual();
        VariantRoute a = route("A", 1, slowA);
        VariantRoute b = route("B", 1, Fixtures.answering("b"));
        EndpointRouter router = router(a, b);
        CompletionStage<InferenceResponse> inFlight = router.invoke(targeted("A"));

        router.update(router.table().withWeights(Map.of("A", 0.0, "B", 2.0)));

        assertThat(send(router, 100)).containsOnly(Map.entry("B", 100));
        assertThat(a.pool().metrics().weight()).isZero();
        assertThat(b.pool().metrics().weight()).isEqualTo(2.0);
        slowA.completeAll("a");
        assertThat(success(inFlight).invokedVariant()).isEqualTo("A");
        assertThat(Fixtures.text(success(inFlight))).isEqualTo("a");
    }

    @Test
    void constructorPublishesWeights() {
        VariantRoute a = route("A", 0.4, Fixtures.answering("a"));
        router(a);
        assertThat(a.pool().metrics().weight()).isEqualTo(0.4);
    }

    @Test
    void duringADeploymentTheNextFleetGetsItsShare() {
        VariantRoute blue = route("AllTraffic", 1, Fixtures.answering("blue"));
        VariantRoute green = route("AllTraffic", 1, Fixtures.answering("green"));
        EndpointRouter router = router(blue);
        router.update(router.table().withNext(List.of(green), 0.25));

        int toGreen = 0;
        for (int i = 0; i < 4_000; i++) {
            InferenceResponse response = success(router.invoke(request()));
            assertThat(response.invokedVariant()).isEqualTo("AllTraffic");
            if (Fixtures.text(response).equals("green")) {
                toGreen++;
            }
        }
        assertThat(toGreen / 4_000.0).isCloseTo(0.25, within(0.01));
    }

    @Test
    void targetingLooksInTheChosenFleetThenTheOther() {
        VariantRoute blue = route("Blue", 1, Fixtures.answering("blue"));
        VariantRoute green = route("Green", 1, Fixtures.answering("green"));
        EndpointRouter router = router(blue);
        // The new fleet is in the table but has no share yet: it is reachable only by name.
        router.update(router.table().withNext(List.of(green), 0.0));

        assertThat(Fixtures.text(success(router.invoke(targeted("Green"))))).isEqualTo("green");
        assertThat(Fixtures.text(success(router.invoke(targeted("Blue"))))).isEqualTo("blue");
        assertThat(send(router, 50)).containsOnly(Map.entry("Blue", 50));
    }

    @Test
    void updateTableComposesChanges() {
        EndpointRouter router = router(route("A", 1, Fixtures.answering("a")), route("B", 1, Fixtures.answering("b")));
        router.updateTable(table -> table.withWeights(Map.of("A", 5.0)));
        router.updateTable(table -> table.withWeights(Map.of("B", 0.0)));

        assertThat(router.table().current()).extracting(VariantRoute::weight).containsExactly(5.0, 0.0);
        assertThat(router.endpointName()).isEqualTo("ep");
    }

    @Test
    void aRequestWithAnyBodyIsPassedThroughUnchanged() {
        InferenceRequest[] seen = new InferenceRequest[1];
        VariantRoute a = route("A", 1, request -> {
            seen[0] = request;
            return CompletableFuture.completedFuture(Fixtures.response("ok"));
        });
        EndpointRouter router = router(a);
        InferenceRequest request = targeted("A");
        router.invoke(request);
        assertThat(seen[0]).isSameAs(request);
    }
}
