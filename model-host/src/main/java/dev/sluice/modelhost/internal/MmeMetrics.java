package dev.sluice.modelhost.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.function.Supplier;

/**
 * The meters of one multi-model host, named after SageMaker's multi-model metrics (SAGEMAKER-CONTRACT.md §4) and
 * tagged {@code host=<name>} only: with thousands of models per host, a model tag would make thousands of series.
 * ModelDownloadingTime is ModelHost's (it fetches the artifacts).
 */
public final class MmeMetrics {
    public static final String LOADING_WAIT_TIME = "sluice.mme.model.loading.wait.time";
    public static final String LOADING_TIME = "sluice.mme.model.loading.time";
    public static final String UNLOADING_TIME = "sluice.mme.model.unloading.time";
    public static final String CACHE_HITS = "sluice.mme.model.cache.hits";
    public static final String CACHE_MISSES = "sluice.mme.model.cache.misses";
    public static final String EVICTIONS = "sluice.mme.model.evictions";
    public static final String LOADED_MODELS = "sluice.mme.loaded.models";
    public static final String MEMORY_USED = "sluice.mme.memory.used.bytes";
    public static final String MEMORY_BUDGET = "sluice.mme.memory.budget.bytes";
    public static final String TAG_HOST = "host";

    private final MeterRegistry registry;
    public final Timer loadingWaitTime;
    public final Timer loadingTime;
    public final Timer unloadingTime;
    public final Counter cacheHits;
    public final Counter cacheMisses;
    public final Counter evictions;
    private final List<Meter> gauges;

    public MmeMetrics(MeterRegistry registry, String host, Supplier<Number> loadedModels, Supplier<Number> usedBytes,
                      long budgetBytes) {
        this.registry = registry;
        this.loadingWaitTime = Timer.builder(LOADING_WAIT_TIME).tag(TAG_HOST, host)
                .description("ModelLoadingWaitTime: how long an invocation waited for its model to load")
                .register(registry);
        this.loadingTime = Timer.builder(LOADING_TIME).tag(TAG_HOST, host)
                .description("ModelLoadingTime: time to load a model (artifact resolution and sessions)")
                .register(registry);
        this.unloadingTime = Timer.builder(UNLOADING_TIME).tag(TAG_HOST, host)
                .description("ModelUnloadingTime: time to unload a model and free its memory")
                .register(registry);
        this.cacheHits = Counter.builder(CACHE_HITS).tag(TAG_HOST, host)
                .description("ModelCacheHit: invocations whose model was already loaded")
                .register(registry);
        this.cacheMisses = Counter.builder(CACHE_MISSES).tag(TAG_HOST, host)
                .description("Invocations that had to wait for their model to load")
                .register(registry);
        this.evictions = Counter.builder(EVICTIONS).tag(TAG_HOST, host)
                .description("Models unloaded to make room in the memory budget")
                .register(registry);
        this.gauges = List.of(
                Gauge.builder(LOADED_MODELS, loadedModels).tag(TAG_HOST, host)
                        .description("LoadedModelCount: models in memory").strongReference(true).register(registry),
                Gauge.builder(MEMORY_USED, usedBytes).tag(TAG_HOST, host).baseUnit("bytes")
                        .description("Summed footprints of the models in memory").strongReference(true)
                        .register(registry),
                Gauge.builder(MEMORY_BUDGET, () -> budgetBytes).tag(TAG_HOST, host).baseUnit("bytes")
                        .description("Bound on the summed footprints").strongReference(true).register(registry));
    }

    /** Takes every meter of this host out of the registry, so a host created again under the name starts clean. */
    public void remove() {
        for (Meter meter : List.of(loadingWaitTime, loadingTime, unloadingTime, cacheHits, cacheMisses, evictions)) {
            registry.remove(meter);
        }
        gauges.forEach(registry::remove);
    }
}
