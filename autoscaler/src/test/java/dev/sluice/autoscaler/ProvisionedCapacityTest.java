package dev.sluice.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ProvisionedCapacityTest {
    private static final VariantKey VARIANT = new VariantKey("scoring", "AllTraffic");

    /** Records the order of routing and provider calls; adds complete when the test says so. */
    private final List<String> events = new ArrayList<>();
    private final List<CompletableFuture<Instance>> pendingAdds = new ArrayList<>();
    private final List<CompletionStage<Void>> drainedStages = new ArrayList<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private boolean failRetire;
    private final AtomicInteger ids = new AtomicInteger();

    private final CapacityProvider provider = new CapacityProvider() {
        @Override
        public CompletableFuture<Instance> add(VariantKey variant) {
            events.add("add");
            CompletableFuture<Instance> f = new CompletableFuture<>();
            pendingAdds.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Void> remove(Instance instance, CompletionStage<Void> drainedSignal) {
            events.add("remove " + instance.id());
            drainedStages.add(drainedSignal);
            return drainedSignal.toCompletableFuture().thenRun(() -> events.add("stopped " + instance.id()));
        }

        @Override
        public CompletableFuture<List<Instance>> instances(VariantKey variant) {
            return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public void close() {
        }
    };

    private final ProvisionedCapacity.Routing routing = new ProvisionedCapacity.Routing() {
        @Override
        public void admit(Instance instance) {
            events.add("admit " + instance.id());
        }

        @Override
        public CompletionStage<Void> retire(Instance instance) {
            events.add("retire " + instance.id());
            if (failRetire) {
                throw new IllegalStateException("routing is gone");
            }
            return drained;
        }
    };

    private Instance instance() {
        return new Instance.Remote("i" + ids.incrementAndGet(), VARIANT, URI.create("http://127.0.0.1:1"));
    }

    @Test
    void scaleOutAdmitsEachInstanceAsItBecomesReady() {
        ProvisionedCapacity fleet = new ProvisionedCapacity(VARIANT, provider, routing, List.of());

        CompletableFuture<Void> done = fleet.setDesiredCapacity(2, "test");
        assertThat(events).containsExactly("add", "add");
        pendingAdds.get(1).complete(instance());
        assertThat(fleet.currentCapacity()).isEqualTo(1);
        assertThat(done).isNotDone();
        pendingAdds.get(0).complete(instance());

        assertThat(done).isCompleted();
        assertThat(fleet.currentCapacity()).isEqualTo(2);
        assertThat(events).containsExactly("add", "add", "admit i1", "admit i2");
    }

    @Test
    void aFailedAddFailsTheChangeAndKeepsTheInstancesThatCameUp() {
        ProvisionedCapacity fleet = new ProvisionedCapacity(VARIANT, provider, routing, List.of());
        CompletableFuture<Void> done = fleet.setDesiredCapacity(2, "test");
        pendingAdds.get(0).complete(instance());
        pendingAdds.get(1).completeExceptionally(new IllegalStateException("exited with code 3"));

        assertThatThrownBy(done::join).hasMessageContaining("exited with code 3");
        assertThat(fleet.currentCapacity()).isEqualTo(1);
    }

    @Test
    void scaleInRetiresTheNewestFromRoutingAndStopsOnlyAfterTheyDrained() {
        Instance old = instance();
        Instance newest = instance();
        ProvisionedCapacity fleet = new ProvisionedCapacity(VARIANT, provider, routing, List.of(old, newest));

        CompletableFuture<Void> done = fleet.setDesiredCapacity(1, "test");

        assertThat(fleet.instances()).containsExactly(old);
        assertThat(events).containsExactly("retire i2", "remove i2");
        assertThat(done).isNotDone();
        drained.complete(null);
        assertThat(done).isCompleted();
        assertThat(events).containsExactly("retire i2", "remove i2", "stopped i2");
    }

    @Test
    void aRoutingThatCannotRetireLeavesTheProvidersDrainGrace() {
        failRetire = true;
        ProvisionedCapacity fleet = new ProvisionedCapacity(VARIANT, provider, routing, List.of(instance()));

        fleet.setDesiredCapacity(0, "test");

        // Never "drained": the provider stops it only after its own bounded grace.
        assertThat(drainedStages).singleElement().satisfies(stage -> assertThat(stage.toCompletableFuture()).isNotDone());
        assertThat(fleet.currentCapacity()).isZero();
    }
}
