package dev.sluice.variants;

import static dev.sluice.variants.Fixtures.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VariantMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final VariantMeterRegistry meters = new VariantMeterRegistry(registry);

    private static InferenceRequest receivedSecondsAgo(long seconds) {
        return new InferenceRequest(bytes("x"), "text/csv", null, null, null, null, null, null,
                System.nanoTime() - TimeUnit.SECONDS.toNanos(seconds));
    }

    private static InferenceResponse modelTook(long millis) {
        return new InferenceResponse(bytes("y"), "text/csv", null, TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private double count(String name) {
        return registry.get(name).tags("endpoint", "ep", "variant", "v1", "model", "m").counter().count();
    }

    @Test
    void classifiesFailuresLikeSageMaker() {
        VariantMetrics metrics = new VariantMetrics(meters, "ep", "v1", "m");
        InferenceRequest request = receivedSecondsAgo(1);
        metrics.record(request, modelTook(5), null);
        metrics.record(request, null, SluiceException.validation("bad"));
        metrics.record(request, null, SluiceException.modelError("container said 500", null, 500, "boom"));
        metrics.record(request, null, new CompletionException(new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "x")));
        metrics.record(request, null, new IllegalStateException("not a SluiceException: an internal failure"));

        // A ModelError is a 424: SageMaker counts it as a 4xx of the invocation and as a model error.
        assertThat(metrics.stats()).isEqualTo(new VariantMetrics.Stats(5, 2, 2, 1, 5.0));
        assertThat(count("sluice.invocations")).isEqualTo(5);
        assertThat(count("sluice.invocation.4xx.errors")).isEqualTo(2);
        assertThat(count("sluice.invocation.5xx.errors")).isEqualTo(2);
        assertThat(count("sluice.invocation.model.errors")).isEqualTo(1);
    }

    @Test
    void recordsModelAndOverheadLatencyForSuccesses() {
        VariantMetrics metrics = new VariantMetrics(meters, "ep", "v1", "m");
        metrics.record(receivedSecondsAgo(2), modelTook(500), null);

        Timer model = registry.get("sluice.model.latency").timer();
        Timer overhead = registry.get("sluice.overhead.latency").timer();
        assertThat(model.count()).isEqualTo(1);
        assertThat(model.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(500, within(0.001));
        // Total was at least two seconds, of which half a second was the model's.
        assertThat(overhead.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(1500);
    }

    @Test
    void modelLatencyNeverExceedsTheTotal() {
        VariantMetrics metrics = new VariantMetrics(meters, "ep", "v1", "m");
        metrics.record(receivedSecondsAgo(1), modelTook(60_000), null);

        assertThat(registry.get("sluice.model.latency").timer().totalTime(TimeUnit.SECONDS)).isLessThan(2);
        assertThat(registry.get("sluice.overhead.latency").timer().totalTime(TimeUnit.SECONDS)).isLessThan(1);
    }

    @Test
    void p99FollowsTheMostRecentModelLatencies() {
        VariantMetrics metrics = new VariantMetrics(meters, "ep", "v1", "m");
        InferenceRequest request = receivedSecondsAgo(60);
        for (int i = 1; i <= 100; i++) {
            metrics.record(request, modelTook(i), null);
        }
        assertThat(metrics.stats().modelLatencyP99Millis()).isEqualTo(99.0);

        // 4096 fast answers push the slow history out of the window.
        for (int i = 0; i < 4096; i++) {
            metrics.record(request, modelTook(1), null);
        }
        assertThat(metrics.stats().modelLatencyP99Millis()).isEqualTo(1.0);
        assertThat(metrics.stats().invocations()).isEqualTo(4196);
    }

    @Test
    void gaugesShowWeightAndInstances() {
        VariantMetrics metrics = new VariantMetrics(meters, "ep", "v1", "m");
        metrics.setWeight(0.25);
        metrics.setInstances(3);

        assertThat(registry.get("sluice.variant.weight").gauge().value()).isEqualTo(0.25);
        assertThat(registry.get("sluice.variant.instances").gauge().value()).isEqualTo(3.0);
    }

    @Test
    void instanceCountersComeAndGoWithTheirInstances() {
        VariantMetrics metrics = new VariantMetrics(meters, "ep", "v1", "m");
        Counter counter = metrics.addInstance("i-1");
        counter.increment();

        assertThat(registry.get("sluice.instance.invocations").tag("instance", "i-1").counter().count()).isEqualTo(1);
        assertThatThrownBy(() -> metrics.addInstance("i-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("i-1");

        metrics.removeInstance("i-1");
        assertThat(registry.find("sluice.instance.invocations").counters()).isEmpty();
    }

    @Test
    void closeRemovesEveryMeter() {
        VariantMetrics metrics = new VariantMetrics(meters, "ep", "v1", "m");
        metrics.addInstance("i-1");
        metrics.addInstance("i-2");
        metrics.record(receivedSecondsAgo(1), modelTook(1), null);
        metrics.recordRetry();
        // 9 per variant (retries included) + 2 per-instance counters.
        assertThat(registry.getMeters()).hasSize(11);

        metrics.close();

        assertThat(registry.getMeters()).isEmpty();
        metrics.close();
        // Recording after close (a straggler finishing) must not bring the meters back.
        metrics.record(receivedSecondsAgo(1), modelTook(1), null);
        metrics.addInstance("i-3").increment();
        metrics.recordRetry();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void retriesAreCountedApartFromInvocations() {
        VariantMetrics metrics = new VariantMetrics(meters, "ep", "v1", "m");
        metrics.recordRetry();
        metrics.recordRetry();

        assertThat(metrics.retries()).isEqualTo(2);
        assertThat(count("sluice.instance.retries")).isEqualTo(2);
        assertThat(metrics.stats()).isEqualTo(VariantMetrics.Stats.EMPTY);
    }

    @Test
    void twoFleetsWithTheSameTagsShareMetersUntilTheLastCloses() {
        // Blue/green with unchanged variant and model names: both fleets carry identical tags.
        VariantMetrics blue = new VariantMetrics(meters, "ep", "v1", "m");
        VariantMetrics green = new VariantMetrics(meters, "ep", "v1", "m");
        blue.setInstances(2);
        green.setInstances(3);
        blue.record(receivedSecondsAgo(1), modelTook(1), null);
        green.record(receivedSecondsAgo(1), null, SluiceException.validation("x"));

        assertThat(count("sluice.invocations")).isEqualTo(2);
        assertThat(registry.get("sluice.variant.instances").gauge().value()).isEqualTo(5.0);
        // Alarms judge each fleet alone.
        assertThat(green.stats().invocations()).isEqualTo(1);
        assertThat(green.stats().errors4xx()).isEqualTo(1);

        blue.close();
        green.record(receivedSecondsAgo(1), modelTook(1), null);
        assertThat(count("sluice.invocations")).isEqualTo(3);
        assertThat(registry.get("sluice.variant.instances").gauge().value()).isEqualTo(3.0);

        green.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void closingOneVariantLeavesOthersAlone() {
        VariantMetrics one = new VariantMetrics(meters, "ep", "v1", "m");
        VariantMetrics two = new VariantMetrics(meters, "ep", "v2", "m");
        one.close();
        assertThat(registry.getMeters()).isNotEmpty()
                .allSatisfy(meter -> assertThat(meter.getId().getTag("variant")).isEqualTo("v2"));
        two.close();
    }

    @Test
    void metersCarryTheSageMakerDescriptionsAndHistograms() {
        new VariantMetrics(meters, "ep", "v1", "m");
        List<String> descriptions = registry.getMeters().stream().map(Meter::getId).map(Meter.Id::getDescription)
                .toList();
        assertThat(String.join(" ", descriptions)).contains("Invocations", "Invocation4XXErrors",
                "Invocation5XXErrors", "InvocationModelErrors", "ModelLatency", "OverheadLatency");
    }

    @Test
    void statsCombineSumsCountsAndTakesTheWorstP99() {
        VariantMetrics.Stats combined = VariantMetrics.Stats.combine(List.of(
                new VariantMetrics.Stats(10, 1, 2, 1, 30.0), new VariantMetrics.Stats(5, 0, 1, 0, 80.0)));
        assertThat(combined).isEqualTo(new VariantMetrics.Stats(15, 1, 3, 1, 80.0));
        assertThat(VariantMetrics.Stats.combine(List.of())).isEqualTo(VariantMetrics.Stats.EMPTY);
        assertThatThrownBy(() -> new VariantMetrics.Stats(-1, 0, 0, 0, 0)).hasMessageContaining("invocations");
    }
}
