package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class InstancePoolTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final VariantMetrics metrics = new VariantMetrics(new VariantMeterRegistry(registry), "ep", "v1", "m");

    private InstancePool pool(RoutingStrategy strategy) {
        return new InstancePool("v1", strategy, metrics);
    }

    private static SluiceException failureOf(CompletionStage<InferenceResponse> stage) {
        CompletableFuture<InferenceResponse> future = stage.toCompletableFuture();
        assertThat(future).isCompletedExceptionally();
        return SluiceException.from(future.handle((r, f) -> f).join());
    }

    @Test
    void leastOutstandingSendsEachRequestToAnIdleInstance() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Fixtures.Manual a = new Fixtures.Manual();
        Fixtures.Manual b = new Fixtures.Manual();
        Fixtures.Manual c = new Fixtures.Manual();
        pool.add(new VariantInstance("a", a));
        pool.add(new VariantInstance("b", b));
        pool.add(new VariantInstance("c", c));

        for (int i = 0; i < 3; i++) {
            pool.invoke(request());
        }
        assertThat(List.of(a.count(), b.count(), c.count())).containsExactly(1, 1, 1);
        assertThat(pool.outstanding()).isEqualTo(3);

        // b finishes: it is now the only idle instance, so the next request must go to it.
        b.completeAll("done");
        pool.invoke(request());
        assertThat(b.count()).isEqualTo(2);
        assertThat(pool.outstanding("b")).isEqualTo(1);
        assertThat(pool.outstanding()).isEqualTo(3);
    }

    @Test
    void leastOutstandingBreaksTiesRandomlySoAnIdlePoolSpreadsLoad() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Fixtures.Counting a = new Fixtures.Counting("a");
        Fixtures.Counting b = new Fixtures.Counting("b");
        pool.add(new VariantInstance("a", a));
        pool.add(new VariantInstance("b", b));

        for (int i = 0; i < 1000; i++) {
            pool.invoke(request());
        }
        // Always a tie (answers are instant); a fixed tie-break would send all 1000 to one instance.
        assertThat(a.calls.get()).isBetween(350, 650);
        assertThat(a.calls.get() + b.calls.get()).isEqualTo(1000);
    }

    @Test
    void randomSpreadsUniformly() {
        InstancePool pool = pool(RoutingStrategy.RANDOM);
        List<Fixtures.Counting> services = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Fixtures.Counting service = new Fixtures.Counting("i" + i);
            services.add(service);
            pool.add(new VariantInstance("i" + i, service));
        }
        for (int i = 0; i < 4000; i++) {
            pool.invoke(request());
        }
        assertThat(services).allSatisfy(service -> assertThat(service.calls.get()).isBetween(800, 1200));
    }

    @Test
    void removeWaitsForInFlightRequestsAndStopsNewOnes() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Fixtures.Manual a = new Fixtures.Manual();
        Fixtures.Counting b = new Fixtures.Counting("b");
        pool.add(new VariantInstance("a", a));
        CompletionStage<InferenceResponse> inFlight = pool.invoke(request());
        pool.add(new VariantInstance("b", b));

        CompletableFuture<VariantInstance> drained = pool.remove("a");

        assertThat(drained).isNotDone();
        assertThat(pool.instances()).extracting(VariantInstance::id).containsExactly("b");
        for (int i = 0; i < 20; i++) {
            pool.invoke(request());
        }
        assertThat(a.count()).isEqualTo(1);
        assertThat(b.calls.get()).isEqualTo(20);

        a.completeAll("late but fine");
        assertThat(inFlight.toCompletableFuture()).isCompletedWithValueMatching(r -> Fixtures.text(r).equals("late but fine"));
        assertThat(drained).isCompletedWithValueMatching(instance -> instance.id().equals("a"));
        assertThat(pool.outstanding()).isZero();
    }

    @Test
    void removingAnIdleInstanceCompletesAtOnceAndAnUnknownOneFails() {
        InstancePool pool = pool(RoutingStrategy.RANDOM);
        pool.add(new VariantInstance("a", Fixtures.answering("ok")));

        assertThat(pool.remove("a")).isCompleted();
        assertThat(pool.remove("a")).failsWithin(Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class)
                .withMessageContaining("a");
        assertThat(pool.size()).isZero();
    }

    @Test
    void addingADuplicateIdIsRejected() {
        InstancePool pool = pool(RoutingStrategy.RANDOM);
        pool.add(new VariantInstance("a", Fixtures.answering("ok")));
        assertThatThrownBy(() -> pool.add(new VariantInstance("a", Fixtures.answering("ok"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a");
    }

    @Test
    void aSynchronousThrowFailsTheStageAndLeaksNoOutstandingCount() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        InferenceService throwing = request -> {
            throw new IllegalStateException("runner crashed");
        };
        Fixtures.Counting healthy = new Fixtures.Counting("ok");
        pool.add(new VariantInstance("bad", throwing));

        SluiceException failure = failureOf(pool.invoke(request()));

        assertThat(failure.code()).isEqualTo(ErrorCode.INTERNAL_FAILURE);
        assertThat(failure).hasMessageContaining("runner crashed");
        assertThat(pool.outstanding()).isZero();
        assertThat(pool.outstanding("bad")).isZero();
        assertThat(metrics.stats().errors5xx()).isEqualTo(1);
        // The crashed instance must not look busy: with a leaked count, "bad" would never be chosen again.
        pool.add(new VariantInstance("good", healthy));
        assertThat(pool.remove("bad")).isCompleted();
    }

    @Test
    void noInstanceAnswersServiceUnavailable() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);

        SluiceException failure = failureOf(pool.invoke(request()));

        assertThat(failure.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(failure).hasMessage("variant v1 has no instance in service");
        assertThat(metrics.stats().errors5xx()).isEqualTo(1);
    }

    @Test
    void failuresArePassedOnUnwrappedAndCounted() {
        InstancePool pool = pool(RoutingStrategy.RANDOM);
        pool.add(new VariantInstance("a", Fixtures.failing(ErrorCode.MODEL_ERROR)));

        CompletableFuture<InferenceResponse> result = pool.invoke(request()).toCompletableFuture();

        assertThat(result.handle((r, f) -> f).join()).isInstanceOf(SluiceException.class);
        assertThat(metrics.stats()).isEqualTo(new VariantMetrics.Stats(1, 1, 0, 1, 0.0));
    }

    @Test
    void membershipUpdatesMetrics() {
        InstancePool pool = pool(RoutingStrategy.RANDOM);
        pool.add(new VariantInstance("a", Fixtures.answering("ok")));
        pool.add(new VariantInstance("b", Fixtures.answering("ok")));
        pool.invoke(request());
        pool.invoke(request());

        assertThat(metrics.instances()).isEqualTo(2);
        assertThat(registry.get("sluice.instance.invocations").counters().stream().mapToDouble(c -> c.count()).sum())
                .isEqualTo(2.0);
        assertThat(metrics.stats().invocations()).isEqualTo(2);

        pool.remove("a");
        assertThat(metrics.instances()).isEqualTo(1);
        assertThat(registry.get("sluice.instance.invocations").counters())
                .singleElement().satisfies(c -> assertThat(c.getId().getTag("instance")).isEqualTo("b"));
    }

    @Test
    void membershipChangesWhileRequestsFlowLoseNoRequestAndLeakNoCount() throws Exception {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        pool.add(new VariantInstance("stable", Fixtures.answering("ok")));
        ExecutorService callers = Executors.newFixedThreadPool(4, Thread.ofPlatform().name("pool-test-", 0).factory());
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(callers.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 5_000; i++) {
                        if (!pool.invoke(request()).toCompletableFuture().isCompletedExceptionally()) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            List<CompletableFuture<VariantInstance>> drains = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                pool.add(new VariantInstance("churn-" + i, Fixtures.answering("ok")));
                drains.add(pool.remove("churn-" + i));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get()).isEqualTo(5_000);
            }
            assertThat(drains).allSatisfy(drain -> assertThat(drain).isCompleted());
        } finally {
            callers.shutdownNow();
        }
        assertThat(pool.outstanding()).isZero();
        assertThat(pool.instances()).extracting(VariantInstance::id).containsExactly("stable");
        assertThat(metrics.stats().invocations()).isEqualTo(20_000);
    }
}
