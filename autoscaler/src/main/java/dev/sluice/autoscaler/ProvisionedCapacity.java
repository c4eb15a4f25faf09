package dev.sluice.autoscaler;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link CapacityTarget} over a {@link CapacityProvider}: scale-out adds instances and admits each to routing as it
 * becomes ready; scale-in takes the newest instances out of routing first, lets the caller's routing report when
 * their in-flight requests have finished, and only then has the provider stop them, so a scale-in fails no request.
 */
public final class ProvisionedCapacity implements CapacityTarget {

    /** The variant's routing, as the gateway owns it. Both calls must be quick and must not block. */
    public interface Routing {
        /** Puts a ready instance into routing. */
        void admit(Instance instance);

        /**
         * Takes an instance out of routing (no new requests reach it) and returns a stage that completes when the
         * requests already on it have finished.
         */
        CompletionStage<Void> retire(Instance instance);
    }

    private final VariantKey variant;
    private final CapacityProvider provider;
    private final Routing routing;
    /** Admitted instances, oldest first; guarded by itself. */
    private final List<Instance> instances = new ArrayList<>();

    /** {@code existing}: instances already serving the variant (admitted), e.g. rediscovered after a restart. */
    public ProvisionedCapacity(VariantKey variant, CapacityProvider provider, Routing routing, List<Instance> existing) {
        this.variant = Objects.requireNonNull(variant, "variant");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.routing = Objects.requireNonNull(routing, "routing");
        this.instances.addAll(existing);
    }

    /** The admitted instances, oldest first. */
    public List<Instance> instances() {
        synchronized (instances) {
            return List.copyOf(instances);
        }
    }

    @Override
    public int currentCapacity() {
        synchronized (instances) {
            return instances.size();
        }
    }

    /**
     * Adds or removes the difference, all at once. Completes when every new instance is admitted and every removed
     * one stopped; if some adds fail the rest stay admitted and the future fails with the first failure.
     */
    @Override
    public CompletableFuture<Void> setDesiredCapacity(int desired, String cause) {
        if (desired < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("desired must not be negative, got: "
                    + desired));
        }
        List<CompletableFuture<?>> steps = new ArrayList<>();
        List<Instance> retiring = new ArrayList<>();
        int toAdd;
        synchronized (instances) {
            toAdd = desired - instances.size();
            // Newest first: the oldest instances have the warmest caches.
            while (instances.size() > desired) {
                retiring.add(instances.remove(instances.size() - 1));
            }
        }
        for (int i = 0; i < toAdd; i++) {
            steps.add(provider.add(variant).thenAccept(instance -> {
                synchronized (instances) {
                    instances.add(instance);
                }
                routing.admit(instance);
            }));
        }
        for (Instance instance : retiring) {
            // A routing that cannot say when the instance drained leaves it the provider's bounded drain grace, not
            // an instant stop: quiet then never completes.
            CompletableFuture<Void> quiet = new CompletableFuture<>();
            try {
                routing.retire(instance).whenComplete((v, e) -> {
                    if (e == null) {
                        quiet.complete(null);
                    }
                });
            } catch (RuntimeException e) {
                // fall through to the grace
            }
            steps.add(provider.remove(instance, quiet));
        }
        return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new));
    }
}
