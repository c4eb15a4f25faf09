package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Health flags, retries of refused requests, and the preference against instances that just refused. */
class InstancePoolRetryTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final VariantMetrics metrics = new VariantMetrics(new VariantMeterRegistry(registry), "ep", "v1", "m");
    /** Stands still unless a test moves it, so the suspect period never runs out by accident. */
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private InstancePool pool(RoutingStrategy strategy) {
        return new InstancePool("v1", strategy, metrics, clock::get);
    }

    private static SluiceException failureOf(CompletionStage<InferenceResponse> stage) {
        CompletableFuture<InferenceResponse> future = stage.toCompletableFuture();
        assertThat(future).isCompletedExceptionally();
        return SluiceException.from(future.handle((r, f) -> f).join());
    }

    private double registryRetries() {
        return registry.get("sluice.instance.retries").tags("endpoint", "ep", "variant", "v1", "model", "m")
                .counter().count();
    }

    private double instanceInvocations(String instance) {
        return registry.get("sluice.instance.invocations").tag("instance", instance).counter().count();
    }

    /**
     * Answers at once when not refusing (or holds the call open when {@code hold} is set); when refusing, fails
     * with ServiceUnavailable as a remote host that cannot be reached or a full queue does.
     */
    static final class Switchable implements InferenceService {
        final String name;
        final AtomicInteger calls = new AtomicInteger();
        final List<CompletableFuture<InferenceResponse>> held = new CopyOnWriteArrayList<>();
        volatile ErrorCode failWith;
        volatile boolean hold;

        Switchable(String name) {
            this.name = name;
        }

        @Override
        public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
            calls.incrementAndGet();
            ErrorCode code = failWith;
            if (code != null) {
                return CompletableFuture.failedFuture(new SluiceException(code, name + " failed with " + code));
            }
            if (hold) {
                CompletableFuture<InferenceResponse> call = new CompletableFuture<>();
                held.add(call);
                return call;
            }
            return CompletableFuture.completedFuture(Fixtures.response(name));
        }

        void completeHeld() {
            held.forEach(call -> call.complete(Fixtures.response(name)));
        }
    }

    private static Switchable refusing(String name) {
        Switchable service = new Switchable(name);
        service.failWith = ErrorCode.SERVICE_UNAVAILABLE;
        return service;
    }

    private static Switchable holding(String name) {
        Switchable service = new Switchable(name);
        service.hold = true;
        return service;
    }

    // ---- health ----

    @Test
    void newInstancesStartHealthyAndUnknownIdsAreNot() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        pool.add(new VariantInstance("a", Fixtures.answering("a")));

        assertThat(pool.isHealthy("a")).isTrue();
        assertThat(pool.isHealthy("nope")).isFalse();
        assertThatThrownBy(() -> pool.setHealthy("nope", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");

        // Health is per membership: an instance removed unhealthy comes back healthy.
        pool.setHealthy("a", false);
        pool.remove("a");
        pool.add(new VariantInstance("a", Fixtures.answering("a")));
        assertThat(pool.isHealthy("a")).isTrue();
    }

    @ParameterizedTest
    @EnumSource(RoutingStrategy.class)
    void anUnhealthyInstanceGetsNoNewRequestsButFinishesItsOwn(RoutingStrategy strategy) {
        InstancePool pool = pool(strategy);
        Switchable a = holding("a");
        Fixtures.Counting b = new Fixtures.Counting("b");
        pool.add(new VariantInstance("a", a));
        CompletionStage<InferenceResponse> inFlight = pool.invoke(request());
        pool.add(new VariantInstance("b", b));

        pool.setHealthy("a", false);
        for (int i = 0; i < 50; i++) {
            pool.invoke(request());
        }

        assertThat(a.calls.get()).isEqualTo(1);
        assertThat(b.calls.get()).isEqualTo(50);
        assertThat(pool.size()).as("unhealthy is not removed").isEqualTo(2);
        a.completeHeld();
        assertThat(inFlight.toCompletableFuture()).isCompletedWithValueMatching(r -> Fixtures.text(r).equals("a"));

        // Back in routing once healthy: an idle "a" now ties with "b" and gets its share.
        a.hold = false;
        pool.setHealthy("a", true);
        for (int i = 0; i < 200; i++) {
            pool.invoke(request());
        }
        assertThat(a.calls.get()).isGreaterThan(40);
    }

    @Test
    void noHealthyInstanceAnswersServiceUnavailableAndIsCounted() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Fixtures.Counting a = new Fixtures.Counting("a");
        pool.add(new VariantInstance("a", a));
        pool.setHealthy("a", false);

        SluiceException failure = failureOf(pool.invoke(request()));

        assertThat(failure.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(failure).hasMessage("variant v1 has no healthy instance");
        assertThat(a.calls.get()).isZero();
        assertThat(metrics.stats()).isEqualTo(new VariantMetrics.Stats(1, 0, 1, 0, 0.0));
        assertThat(pool.outstanding()).isZero();
        assertThat(metrics.retries()).isZero();
    }

    // ---- retries ----

    @Test
    void serviceUnavailableIsRetriedOnAnotherInstanceAndSucceeds() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Switchable a = refusing("a");
        Switchable b = holding("b");
        pool.add(new VariantInstance("a", a));
        pool.add(new VariantInstance("b", b));
        pool.setHealthy("a", false);
        pool.invoke(request());
        pool.setHealthy("a", true);
        // b is busy with one request, so least-outstanding tries the idle (and refusing) a first.

        CompletableFuture<InferenceResponse> result = pool.invoke(request()).toCompletableFuture();
        assertThat(a.calls.get()).isEqualTo(1);
        assertThat(b.calls.get()).isEqualTo(2);
        assertThat(result).isNotDone();
        b.completeHeld();

        assertThat(result).isCompletedWithValueMatching(r -> Fixtures.text(r).equals("b"));
        assertThat(metrics.retries()).isEqualTo(1);
        assertThat(registryRetries()).isEqualTo(1.0);
        // The client's request is one invocation however many instances it tried; each attempt is the instance's.
        VariantMetrics.Stats stats = metrics.stats();
        assertThat(stats.invocations()).isEqualTo(2);
        assertThat(stats.errors4xx() + stats.errors5xx()).isZero();
        assertThat(instanceInvocations("a")).isEqualTo(1.0);
        assertThat(instanceInvocations("b")).isEqualTo(2.0);
        assertThat(pool.outstanding()).isZero();
        assertThat(pool.outstanding("a")).isZero();
        assertThat(pool.outstanding("b")).isZero();
    }

    @Test
    void retriesGoToTheFewestOutstandingHealthyInstanceFirstAndTryEachOnce() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Switchable a = refusing("a");
        Switchable b = holding("b");
        Switchable c = holding("c");
        Switchable d = new Switchable("d");
        for (Switchable s : List.of(a, b, c, d)) {
            pool.add(new VariantInstance(s.name, s));
        }
        pool.setHealthy("a", false);
        pool.setHealthy("d", false);
        pool.invoke(request());
        pool.invoke(request());
        pool.invoke(request());
        // Now b holds 2 and c holds 1 (or the other way round); make both refuse from here on.
        Switchable busier = b.held.size() == 2 ? b : c;
        Switchable lessBusy = busier == b ? c : b;
        assertThat(lessBusy.held).hasSize(1);
        pool.setHealthy("a", true);
        b.failWith = ErrorCode.SERVICE_UNAVAILABLE;
        c.failWith = ErrorCode.SERVICE_UNAVAILABLE;

        SluiceException failure = failureOf(pool.invoke(request()));

        // a (idle) first, then the less busy, then the busier; the unhealthy d never.
        assertThat(failure.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(failure).as("the last refusal is the answer").hasMessageStartingWith(busier.name + " failed");
        assertThat(a.calls.get()).isEqualTo(1);
        assertThat(b.calls.get()).isEqualTo(b == busier ? 3 : 2);
        assertThat(c.calls.get()).isEqualTo(c == busier ? 3 : 2);
        assertThat(d.calls.get()).isZero();
        assertThat(metrics.retries()).isEqualTo(2);
        assertThat(metrics.stats().errors5xx()).isEqualTo(1);
        assertThat(pool.outstanding()).isEqualTo(3);
    }

    @Test
    void aSingleInstanceThatRefusesIsNotRetried() {
        InstancePool pool = pool(RoutingStrategy.RANDOM);
        Switchable a = refusing("a");
        pool.add(new VariantInstance("a", a));

        SluiceException failure = failureOf(pool.invoke(request()));

        assertThat(failure).hasMessage("a failed with SERVICE_UNAVAILABLE");
        assertThat(a.calls.get()).isEqualTo(1);
        assertThat(metrics.retries()).isZero();
        assertThat(metrics.stats()).isEqualTo(new VariantMetrics.Stats(1, 0, 1, 0, 0.0));
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = {"MODEL_ERROR", "INTERNAL_DEPENDENCY", "INTERNAL_FAILURE",
            "VALIDATION_ERROR", "MODEL_NOT_READY", "THROTTLING"})
    void failuresThatMayHaveExecutedAreNeverRetried(ErrorCode code) {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Switchable a = new Switchable("a");
        a.failWith = code;
        Switchable b = holding("b");
        pool.add(new VariantInstance("a", a));
        pool.add(new VariantInstance("b", b));
        pool.setHealthy("a", false);
        pool.invoke(request());
        pool.setHealthy("a", true);

        SluiceException failure = failureOf(pool.invoke(request()));

        assertThat(failure.code()).isEqualTo(code);
        assertThat(a.calls.get()).isEqualTo(1);
        assertThat(b.calls.get()).as("only the request held before").isEqualTo(1);
        assertThat(metrics.retries()).isZero();
        assertThat(registryRetries()).isZero();
        assertThat(pool.outstanding("a")).isZero();
    }

    @Test
    void aSynchronouslyThrownRefusalIsRetriedAndEverythingIsCountedOnce() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        AtomicInteger throwingCalls = new AtomicInteger();
        InferenceService throwing = request -> {
            throwingCalls.incrementAndGet();
            throw new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "queue full");
        };
        Switchable b = holding("b");
        pool.add(new VariantInstance("bad", throwing));
        pool.add(new VariantInstance("b", b));
        pool.setHealthy("bad", false);
        pool.invoke(request());
        pool.setHealthy("bad", true);

        CompletableFuture<InferenceResponse> result = pool.invoke(request()).toCompletableFuture();
        b.completeHeld();

        assertThat(result).isCompletedWithValueMatching(r -> Fixtures.text(r).equals("b"));
        assertThat(throwingCalls.get()).isEqualTo(1);
        assertThat(metrics.retries()).isEqualTo(1);
        assertThat(metrics.stats().invocations()).isEqualTo(2);
        assertThat(metrics.stats().errors5xx()).isZero();
        assertThat(instanceInvocations("bad")).isEqualTo(1.0);
        // The throw released its slot: the instance can drain, and nothing is left outstanding.
        assertThat(pool.outstanding("bad")).isZero();
        assertThat(pool.outstanding()).isZero();
        assertThat(pool.remove("bad")).isCompleted();
    }

    @Test
    void aSynchronousThrowOfAnythingElseIsNotRetried() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        InferenceService throwing = request -> {
            throw new IllegalStateException("runner crashed");
        };
        Switchable b = holding("b");
        pool.add(new VariantInstance("bad", throwing));
        pool.add(new VariantInstance("b", b));
        pool.setHealthy("bad", false);
        pool.invoke(request());
        pool.setHealthy("bad", true);

        SluiceException failure = failureOf(pool.invoke(request()));

        assertThat(failure.code()).isEqualTo(ErrorCode.INTERNAL_FAILURE);
        assertThat(b.calls.get()).isEqualTo(1);
        assertThat(metrics.retries()).isZero();
        assertThat(metrics.stats().errors5xx()).isEqualTo(1);
        assertThat(pool.outstanding("bad")).isZero();
    }

    // ---- suspicion after a refusal ----

    @Test
    void anInstanceThatRefusedIsPassedOverUntilTheSuspectPeriodEnds() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Switchable a = refusing("a");
        Switchable b = new Switchable("b");
        pool.add(new VariantInstance("a", a));
        pool.add(new VariantInstance("b", b));

        for (int i = 0; i < 100; i++) {
            assertThat(pool.invoke(request()).toCompletableFuture()).isCompleted();
        }
        // Both are always idle, so without suspicion a would be tried first about half the time: a fast-failing
        // instance looks least loaded. With it, one refusal buys a second of peace.
        assertThat(a.calls.get()).isEqualTo(1);
        assertThat(b.calls.get()).isEqualTo(100);
        assertThat(metrics.retries()).isEqualTo(1);

        clock.addAndGet(InstancePool.SUSPECT_NANOS);
        for (int i = 0; i < 100; i++) {
            pool.invoke(request());
        }
        assertThat(a.calls.get()).as("tried again after the period, and suspect again").isEqualTo(2);
        assertThat(metrics.stats().errors5xx()).isZero();
    }

    @Test
    void aSuccessEndsTheSuspicionAtOnce() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS);
        Switchable a = holding("a");
        Switchable b = holding("b");
        pool.add(new VariantInstance("a", a));
        pool.add(new VariantInstance("b", b));
        pool.setHealthy("a", false);
        pool.invoke(request());
        pool.invoke(request());
        pool.setHealthy("a", true);
        pool.setHealthy("b", false);
        pool.invoke(request());
        a.failWith = ErrorCode.SERVICE_UNAVAILABLE;
        assertThat(failureOf(pool.invoke(request())).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        pool.setHealthy("b", true);
        a.failWith = null;
        // a: 1 outstanding and suspect; b: 2 outstanding. Suspicion outranks load.
        pool.invoke(request());
        assertThat(b.held).hasSize(3);

        a.completeHeld();
        pool.invoke(request());

        assertThat(a.held).as("a succeeded, so it is chosen on load again").hasSize(2);
    }

    @Test
    void anInstanceIsStillUsedWhenEveryOtherIsSuspectToo() {
        InstancePool pool = pool(RoutingStrategy.RANDOM);
        Switchable a = refusing("a");
        Switchable b = refusing("b");
        pool.add(new VariantInstance("a", a));
        pool.add(new VariantInstance("b", b));

        failureOf(pool.invoke(request()));
        a.failWith = null;
        b.failWith = null;
        for (int i = 0; i < 200; i++) {
            pool.invoke(request());
        }

        // The first success clears its instance's suspicion, which then takes everything until b's period ends.
        assertThat(a.calls.get() + b.calls.get()).isEqualTo(202);
        assertThat(metrics.stats().errors5xx()).isEqualTo(1);
    }
}
