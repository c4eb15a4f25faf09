package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.hosting.EndpointConfigDefinition;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.core.hosting.ProductionVariant;
import dev.sluice.gateway.control.InstanceProvider;
import dev.sluice.variants.HealthChecker;
import dev.sluice.variants.InstancePool;
import dev.sluice.variants.RoutingStrategy;
import dev.sluice.variants.VariantMetrics;
import dev.sluice.variants.VariantMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Starts and stops fleets: every instance of every variant of an endpoint config, in parallel. Completions hop to the
 * control-plane executor, the only thread that mutates {@link LiveVariant}s.
 */
public final class Fleets {
    private final InstanceProvider provider;
    private final VariantMeterRegistry meters;
    private final Executor controlPlane;
    private final HealthChecker health;
    private final ServerlessScaler serverless;

    /**
     * @param health polls the health probe of every remote instance, so a host that stops answering {@code /ping}
     *               stops getting requests until it answers again
     */
    public Fleets(InstanceProvider provider, VariantMeterRegistry meters, Executor controlPlane,
                  HealthChecker health, ServerlessScaler serverless) {
        this.serverless = serverless;
        serverless.bind(this);
        this.provider = provider;
        this.meters = meters;
        this.controlPlane = controlPlane;
        this.health = health;
    }

    /**
     * Starts a fleet; on any instance failing, the started ones are released and the future fails with a message fit
     * for {@code FailureReason}.
     *
     * @param weights   the weight to start each variant with (absent: its InitialVariantWeight)
     * @param instances the instance count to start each variant with (absent: its InitialInstanceCount)
     * @param models    the model definitions by name
     */
    public CompletableFuture<Fleet> start(String endpoint, String configName, JsonNode configRequest,
                                          EndpointConfigDefinition config, Map<String, JsonNode> modelRequests,
                                          Function<String, ModelDefinition> models, Map<String, Double> weights,
                                          Map<String, Integer> instances, Instant now) {
        List<LiveVariant> variants = new ArrayList<>();
        List<LiveVariant> shadows = new ArrayList<>();
        for (ProductionVariant v : config.productionVariants()) {
            variants.add(live(endpoint, configName, v, models.apply(v.modelName()), false, weights, instances, now));
        }
        for (ProductionVariant v : config.shadowProductionVariants()) {
            shadows.add(live(endpoint, configName, v, models.apply(v.modelName()), true, weights, instances, now));
        }
        Fleet fleet = new Fleet(configName, configRequest, config, Map.copyOf(modelRequests), variants, shadows, now);
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (LiveVariant variant : fleet.all()) {
            for (int i = 0; i < variant.desiredInstances; i++) {
                starts.add(startInstance(endpoint, variant));
            }
        }
        CompletableFuture<Fleet> done = new CompletableFuture<>();
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).whenCompleteAsync((ignored, failure) -> {
            if (failure == null) {
                fleet.all().forEach(v -> v.status = null);
                done.complete(fleet);
            } else {
                release(fleet).whenComplete((x, y) -> done.completeExceptionally(failure));
            }
        }, controlPlane);
        return done;
    }

    private LiveVariant live(String endpoint, String configName, ProductionVariant v, ModelDefinition model,
                             boolean shadow, Map<String, Double> weights, Map<String, Integer> instances,
                             Instant now) {
        VariantMetrics metrics = new VariantMetrics(meters, endpoint, v.variantName(), v.modelName());
        InstancePool pool = new InstancePool(v.variantName(), RoutingStrategy.parse(v.routingStrategy()), metrics);
        // A serverless variant starts with one instance, so CreateEndpoint proves the model loads; it goes to zero
        // once idle (ServerlessScaler).
        int count = instances.getOrDefault(v.variantName(), Math.max(1, v.initialInstanceCount()));
        LiveVariant live = new LiveVariant(v, model, pool, shadow,
                weights.getOrDefault(v.variantName(), v.initialVariantWeight()), count);
        if (v.isServerless()) {
            serverless.install(endpoint, live);
        }
        metrics.setWeight(live.weight);
        live.status = "Creating";
        live.statusSince = now;
        return live;
    }

    public ServerlessScaler serverless() {
        return serverless;
    }

    /** Starts one more instance of a variant and puts it in routing once it can serve. */
    public CompletableFuture<Void> startInstance(String endpoint, LiveVariant variant) {
        return provider.start(endpoint, variant.name(), variant.model, variant.nextIndex++)
                .handleAsync((started, failure) -> {
                    if (failure != null) {
                        SluiceException e = SluiceException.from(failure);
                        throw new SluiceException(e.code() == ErrorCode.INTERNAL_FAILURE
                                ? ErrorCode.VALIDATION_EXCEPTION : e.code(),
                                "variant " + variant.name() + ": " + e.getMessage(), e);
                    }
                    variant.instances.add(started);
                    variant.pool.add(started.instance());
                    if (started.healthProbe() != null) {
                        health.watch(variant.pool, started.instance().id(), started.healthProbe());
                    }
                    return null;
                }, controlPlane);
    }

    /** Takes {@code count} instances of a variant out of routing, newest first, and stops each once drained. */
    public CompletableFuture<Void> stopInstances(LiveVariant variant, int count) {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (int i = 0; i < count && !variant.instances.isEmpty(); i++) {
            InstanceProvider.Started started = variant.instances.remove(variant.instances.size() - 1);
            health.unwatch(variant.pool, started.instance().id());
            stops.add(variant.pool.remove(started.instance().id())
                    .thenCompose(drained -> started.release().get()));
        }
        return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new));
    }

    /** Drains and stops every instance of a fleet, then drops its meters. Never fails. */
    public CompletableFuture<Void> release(Fleet fleet) {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (LiveVariant variant : fleet.all()) {
            stops.add(stopInstances(variant, variant.instances.size())
                    .handle((ignored, failure) -> {
                        variant.pool.metrics().close();
                        return null;
                    }));
        }
        return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).exceptionally(ignored -> null);
    }
}
