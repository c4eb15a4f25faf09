package dev.sluice.variants;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Multi-model routing: a target model sticks to the instance that holds it and spills only when that one is busy. */
class TargetModelRoutingTest {
    private final VariantMeterRegistry meters = new VariantMeterRegistry(new SimpleMeterRegistry());

    /** One per pool: a VariantMetrics registers each instance id once. */
    private VariantMetrics metrics() {
        return new VariantMetrics(meters, "ep", "v1", "m");
    }

    static InferenceRequest forModel(String targetModel) {
        return new InferenceRequest(Fixtures.bytes("{\"x\":1}"), "application/json", "application/json", null,
                targetModel, null, null, null, System.nanoTime());
    }

    /** Answers at once with its own id, so a response tells which instance served it. */
    static InferenceService named(String id) {
        return request -> CompletableFuture.completedFuture(Fixtures.response(id));
    }

    static String servedBy(InstancePool pool, String targetModel) {
        return Fixtures.text(pool.invoke(forModel(targetModel)).toCompletableFuture().join());
    }

    /** Holds every call open and remembers which model each was for. */
    static final class Holding implements InferenceService {
        final List<CompletableFuture<InferenceResponse>> calls = new CopyOnWriteArrayList<>();
        final List<String> models = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
            CompletableFuture<InferenceResponse> call = new CompletableFuture<>();
            calls.add(call);
            models.add(request.targetModel());
            return call;
        }

        void completeAll() {
            calls.forEach(call -> call.complete(Fixtures.response("done")));
        }
    }

    private InstancePool pool(RoutingStrategy strategy, int instances) {
        InstancePool pool = new InstancePool("v1", strategy, metrics());
        for (int i = 0; i < instances; i++) {
            pool.add(new VariantInstance("v1-" + i, named("v1-" + i)));
        }
        return pool;
    }

    @ParameterizedTest
    @EnumSource(RoutingStrategy.class)
    void theSameTargetModelAlwaysGoesToTheSameInstance(RoutingStrategy strategy) {
        InstancePool pool = pool(strategy, 8);
        Map<String, String> placement = new HashMap<>();
        for (int round = 0; round < 50; round++) {
            for (int m = 0; m < 40; m++) {
                String model = "model-" + m + ".tar.gz";
                String instance = servedBy(pool, model);
                assertThat(placement.putIfAbsent(model, instance)).as(model).isIn(null, instance);
            }
        }
        assertThat(new HashSet<>(placement.values())).as("40 models use more than one instance").hasSizeGreaterThan(4);
    }

    @Test
    void placementDependsOnIdsOnlySoEveryGatewayReplicaAgrees() {
        InstancePool one = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, 6);
        InstancePool other = new InstancePool("v1", RoutingStrategy.RANDOM, metrics());
        // Same ids, other order of joining.
        for (int i = 5; i >= 0; i--) {
            other.add(new VariantInstance("v1-" + i, named("v1-" + i)));
        }
        for (int m = 0; m < 200; m++) {
            assertThat(servedBy(other, "m" + m)).isEqualTo(servedBy(one, "m" + m));
        }
    }

    @Test
    void manyDistinctModelsSpreadEvenlyOverTheInstances() {
        int instances = 8;
        int models = 16_000;
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, instances);
        Map<String, Integer> counts = new HashMap<>();
        for (int m = 0; m < models; m++) {
            counts.merge(servedBy(pool, "customer-" + m + "/model.tar.gz"), 1, Integer::sum);
        }
        // Binomial: mean 2000, sigma 42; +-10% is more than 4.7 sigma, and the hash is deterministic anyway.
        assertThat(counts).hasSize(instances);
        assertThat(counts.values()).allSatisfy(count -> assertThat(count).isBetween(1800, 2200));
    }

    @Test
    void aHotModelSpillsToItsSecondInstanceOnlyWhenTheFirstIsBusierByTheThreshold() {
        InstancePool pool = new InstancePool("v1", RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, metrics());
        Map<String, Holding> services = new HashMap<>();
        for (int i = 0; i < 4; i++) {
            Holding service = new Holding();
            services.put("v1-" + i, service);
            pool.add(new VariantInstance("v1-" + i, service));
        }
        int threshold = InstancePool.HOT_MODEL_SPREAD_THRESHOLD;

        // Up to the threshold the model stays where it is, even with three idle instances beside it.
        for (int i = 0; i < threshold; i++) {
            pool.invoke(forModel("hot"));
        }
        String first = busiest(pool, services.keySet());
        assertThat(pool.outstanding(first)).isEqualTo(threshold);
        assertThat(pool.outstanding()).isEqualTo(threshold);

        pool.invoke(forModel("hot"));
        Set<String> used = new HashSet<>();
        services.forEach((id, service) -> {
            if (!service.calls.isEmpty()) {
                used.add(id);
            }
        });
        assertThat(used).hasSize(2);
        String second = used.stream().filter(id -> !id.equals(first)).findFirst().orElseThrow();
        assertThat(pool.outstanding(second)).isEqualTo(1);

        // Held open, the load alternates between exactly these two, the first staying ahead by under the threshold
        // plus one.
        for (int i = 0; i < 35; i++) {
            pool.invoke(forModel("hot"));
        }
        assertThat(pool.outstanding(first) + pool.outstanding(second)).isEqualTo(40);
        assertThat(pool.outstanding(first) - pool.outstanding(second)).isBetween((long) threshold - 1,
                (long) threshold);
        services.forEach((id, service) -> {
            if (!id.equals(first) && !id.equals(second)) {
                assertThat(service.calls).as(id).isEmpty();
            }
        });

        // Load gone: the model goes back to its first instance.
        services.values().forEach(Holding::completeAll);
        pool.invoke(forModel("hot"));
        assertThat(pool.outstanding(first)).isEqualTo(1);

        // The first taken out of routing: the second, which already holds the model, inherits it.
        pool.setHealthy(first, false);
        pool.invoke(forModel("hot"));
        assertThat(pool.outstanding(second)).isEqualTo(1);
    }

    @Test
    void loadFromOtherRequestsAlsoCountsWhenDecidingToSpill() {
        // Placement depends on ids only, so an instant pool with the same ids tells where "m" lives.
        String home = servedBy(pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, 2), "m");
        String other = home.equals("v1-0") ? "v1-1" : "v1-0";
        InstancePool pool = new InstancePool("v1", RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, metrics());
        Map<String, Holding> services = Map.of("v1-0", new Holding(), "v1-1", new Holding());
        services.forEach((id, service) -> pool.add(new VariantInstance(id, service)));
        pool.setHealthy(other, false);
        for (int i = 0; i < InstancePool.HOT_MODEL_SPREAD_THRESHOLD; i++) {
            pool.invoke(Fixtures.request());
        }
        pool.setHealthy(other, true);

        pool.invoke(forModel("m"));

        // "m" itself is cool, but its instance is busy with untargeted work: the request goes where there is room.
        assertThat(services.get(other).models).containsExactly("m");
        assertThat(services.get(home).models).hasSize(InstancePool.HOT_MODEL_SPREAD_THRESHOLD).containsOnlyNulls();
    }

    @Test
    void untargetedRequestsKeepTheStrategyAndTargetedOnesAvoidUnhealthyInstances() {
        InstancePool pool = pool(RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, 3);
        String home = servedBy(pool, "model-x");
        pool.setHealthy(home, false);

        List<String> served = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            served.add(servedBy(pool, "model-x"));
        }
        assertThat(served).doesNotContain(home).containsOnly(served.get(0));

        pool.setHealthy(home, true);
        assertThat(servedBy(pool, "model-x")).as("back home once healthy").isEqualTo(home);
    }

    private static String busiest(InstancePool pool, Set<String> ids) {
        return ids.stream().max((x, y) -> Long.compare(pool.outstanding(x), pool.outstanding(y))).orElseThrow();
    }
}
