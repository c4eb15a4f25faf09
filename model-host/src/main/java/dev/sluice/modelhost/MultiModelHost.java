package dev.sluice.modelhost;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.modelhost.internal.MmeEnvironment;
import dev.sluice.modelhost.internal.MmeMemory;
import dev.sluice.modelhost.internal.MmeMetrics;
import dev.sluice.modelhost.internal.MmePins;
import dev.sluice.modelhost.internal.MmeWarmup;
import dev.sluice.modelhost.internal.MultiModelPaths;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SageMaker multi-model host (SAGEMAKER-CONTRACT.md §4): one endpoint, many models under one prefix, each loaded on
 * first use through {@link ModelHost} and kept in an LRU cache bounded by memory.
 *
 * <p>How it stays off the caller's thread: a hit is a map lookup and one compare-and-set on the model's pin count;
 * a miss registers a callback on the model's load and a timer for the wait bound. Loads, evictions and unloads run one
 * at a time on this host's own loader thread ({@code sluice-mme-<name>-loader}), which waits on ModelHost's loader
 * threads; one at a time so that the change of resident memory across a load belongs to that load.
 *
 * <p>Explicitly loaded models ({@link #load}) share the cache and the budget with implicit ones and are evicted the
 * same way when memory is short; a client of the container API sees 404 afterwards and loads again, which is what
 * SageMaker's platform does with its containers.
 */
public final class MultiModelHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MultiModelHost.class);
    /** How long {@link #close()} waits for its unloads (ModelHost's own drain timeout is 10 s per model). */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Remembered footprints (one per source): enough for the largest hosts SageMaker documents, bounded. */
    private static final int REMEMBERED_FOOTPRINTS = 10_000;
    private static final int MAX_MODEL_NAME_LENGTH = 63;
    /** The typical footprint follows fresh loads with weight 1/8: a few dozen loads carry it, one outlier does not. */
    private static final long TYPICAL_WEIGHT = 8;
    /** Bound on the warm-up inference of a load (it runs on the model's own runner, normally in milliseconds). */
    private static final Duration FIRST_RUN_TIMEOUT = Duration.ofSeconds(30);
    /** SageMaker's bound on a TargetModel, applied to explicit names too: they share one namespace. */
    private static final int MAX_NAME_LENGTH = 1024;

    /**
     * How a multi-model host serves its models.
     *
     * @param prefix            where target models live: a directory path, a {@code file://} URI or an {@code s3://}
     *                          prefix
     * @param memoryBudgetBytes bound on the summed footprints of loaded models
     * @param loadWait          how long a request waits for its model to load before answering 429
     *                          ModelNotReadyException while loading continues in the background (SageMaker semantics)
     * @param cacheEnabled      false is SageMaker's {@code ModelCacheSetting=Disabled}: unload after each invocation
     * @param pipeline          {@link ModelConfig#pipeline()} of every model
     * @param runners           {@link ModelConfig#runners()} of every model
     * @param batching          {@link ModelConfig#batching()} of every model
     * @param options           {@link ModelConfig#options()} of every model
     */
    public record Settings(String prefix, long memoryBudgetBytes, Duration loadWait, boolean cacheEnabled,
                           String pipeline, RunnerConfig runners, BatchingConfig batching,
                           Map<String, String> options) {
        /**
         * Five seconds: far above what a small model takes to load from local disk (milliseconds, see
         * docs/benchmarks.md) and well inside the 60 s a SageMaker client waits for an answer, so a slow load (a large
         * artifact, a queue of cold models) turns into a prompt 429 the client can retry instead of a connection held
         * open towards its own timeout. The load itself continues either way.
         */
        public static final Duration DEFAULT_LOAD_WAIT = Duration.ofSeconds(5);
        /**
         * One runner with one intra-op thread per model: a multi-model host holds hundreds of small models, and every
         * extra runner is another ONNX Runtime session (its own copy of the weights) and another thread per model.
         */
        public static final RunnerConfig DEFAULT_RUNNERS = new RunnerConfig(1, 1, RunnerConfig.DEFAULT_QUEUE_CAPACITY);
        /** Share of the memory outside the Java heap that {@link #defaultMemoryBudget()} gives to models. */
        public static final double DEFAULT_BUDGET_SHARE = 0.5;
        /** Floor of {@link #defaultMemoryBudget()}, for JVMs whose heap takes (nearly) all memory. */
        public static final long MIN_DEFAULT_BUDGET = 256L << 20;

        public Settings {
            if (prefix == null || prefix.isBlank()) {
                throw new IllegalArgumentException("prefix must not be empty");
            }
            if (prefix.startsWith("s3://")) {
                if (prefix.length() <= "s3://".length() || prefix.startsWith("s3:///")) {
                    throw new IllegalArgumentException("prefix must name a bucket, got '" + prefix + "'");
                }
            } else if (prefix.startsWith("file:")) {
                try {
                    MultiModelPaths.localPath(prefix);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("prefix is not a valid file: URI: '" + prefix + "'", e);
                }
            } else if (prefix.contains("://")) {
                throw new IllegalArgumentException("prefix must be a directory path, a file:// URI or an s3:// prefix, "
                        + "got '" + prefix + "'");
            }
            if (memoryBudgetBytes <= 0) {
                throw new IllegalArgumentException("memoryBudgetBytes must be > 0, got " + memoryBudgetBytes);
            }
            Objects.requireNonNull(loadWait, "loadWait");
            if (loadWait.isNegative()) {
                throw new IllegalArgumentException("loadWait must not be negative, got " + loadWait);
            }
            pipeline = pipeline == null ? ModelConfig.PIPELINE_TENSOR : pipeline;
            if (!pipeline.equals(ModelConfig.PIPELINE_TENSOR)
                    && !pipeline.equals(ModelConfig.PIPELINE_SENTENCE_EMBEDDING)) {
                throw new IllegalArgumentException("pipeline must be '" + ModelConfig.PIPELINE_TENSOR + "' or '"
                        + ModelConfig.PIPELINE_SENTENCE_EMBEDDING + "', got '" + pipeline + "'");
            }
            runners = runners == null ? DEFAULT_RUNNERS : runners;
            batching = batching == null ? BatchingConfig.defaults() : batching;
            options = options == null ? Map.of() : Map.copyOf(options);
        }

        /**
         * {@link #defaultMemoryBudget()}, the {@link #DEFAULT_LOAD_WAIT} wait bound, cache on, the tensor pipeline,
         * {@link #DEFAULT_RUNNERS} and default batching.
         */
        public static Settings defaults(String prefix) {
            return new Settings(prefix, defaultMemoryBudget(), DEFAULT_LOAD_WAIT, true, ModelConfig.PIPELINE_TENSOR,
                    DEFAULT_RUNNERS, BatchingConfig.defaults(), Map.of());
        }

        /**
         * {@value #DEFAULT_BUDGET_SHARE} × (memory this process may use − maximum Java heap), at least
         * {@link #MIN_DEFAULT_BUDGET}. Models live outside the heap (ONNX Runtime sessions are native), so the heap is
         * taken off first; half of the rest, because the rest also holds what footprints do not count: metaspace, code
         * cache and thread stacks, buffers a model grows for larger requests after its footprint was measured, memory
         * the C allocator keeps after unloads, the page cache the artifacts are read through, and whatever else runs on
         * the machine. "May use" is the container's limit where there is one. Half is also what the measurements allow
         * at most: under heavy churn (8,400 loads and evictions of 1 MiB models in 48 s) resident memory grew by 2.0
         * times the summed footprints with glibc's default malloc arenas, 1.3 times with MALLOC_ARENA_MAX=2
         * (docs/benchmarks.md). On the 2-core development machine with the JVM's default heap:
         * (24,105 MiB − 6,028 MiB) / 2 = 9,038 MiB.
         */
        public static long defaultMemoryBudget() {
            long physical = MmeMemory.physicalMemoryBytes();
            if (physical <= 0) {
                return MIN_DEFAULT_BUDGET;
            }
            long heap = Runtime.getRuntime().maxMemory();
            long offHeap = heap == Long.MAX_VALUE ? physical / 2 : physical - heap;
            return Math.max(MIN_DEFAULT_BUDGET, (long) (offHeap * DEFAULT_BUDGET_SHARE));
        }

        public Settings withMemoryBudget(long bytes) {
            return new Settings(prefix, bytes, loadWait, cacheEnabled, pipeline, runners, batching, options);
        }

        public Settings withLoadWait(Duration wait) {
            return new Settings(prefix, memoryBudgetBytes, wait, cacheEnabled, pipeline, runners, batching, options);
        }

        public Settings withCacheEnabled(boolean enabled) {
            return new Settings(prefix, memoryBudgetBytes, loadWait, enabled, pipeline, runners, batching, options);
        }
    }

    /**
     * One model in memory, as the container API lists it.
     *
     * @param name           the target model path (implicit loads) or the {@code model_name} of an explicit load
     * @param url            where it was loaded from
     * @param footprintBytes what it counts against the budget (see {@link MultiModelHost} on how it is measured)
     * @param lastUsedNanos  ticker time of its last invocation (or of its load); orders the LRU
     * @param inFlight       invocations using it now
     */
    public record LoadedModel(String name, String url, long footprintBytes, Instant loadedAt, long lastUsedNanos,
                              int inFlight) {
    }

    private final String name;
    private final Settings settings;
    private final ModelHost host;
    private final MmeEnvironment env;
    private final boolean ownsEnvironment;
    private final MmeMetrics metrics;
    private final String modelNamePrefix;
    private final InferenceService service = this::invokeTarget;
    /** Every name being loaded or loaded; an entry leaves it as soon as it starts draining towards an unload. */
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Admitted and not yet freed, draining ones included: what {@link #usedBytes()} sums. */
    private final Set<Entry> resident = ConcurrentHashMap.newKeySet();
    private final AtomicLong usedBytes = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    /**
     * Resident bytes that unloads freed but the process kept (the C allocator holds on to them and later loads reuse
     * them); loads that grow resident memory less than a model like them holds are charged from it (see
     * {@link #admit}). At most the budget. Loader thread only.
     */
    private long slack;
    /** Moving average of footprints measured with no slack to reuse (fresh loads). Loader thread only. */
    private long typicalFootprint;
    /** Last measured footprint per source, the estimate before it loads again. Loader thread only. */
    private final Map<String, Long> footprints = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REMEMBERED_FOOTPRINTS;
        }
    };
    private volatile boolean closed;

    /**
     * @param name     the endpoint's (or host's) name: the {@code host} tag of the metrics and part of thread names
     * @param host     loads and serves the models; shared with others is fine, it is not closed by this host
     * @param registry where the {@code sluice.mme.*} meters go
     */
    public MultiModelHost(String name, Settings settings, ModelHost host, MeterRegistry registry) {
        this(name, settings, host, registry, MmeEnvironment.system(checkName(name)), true);
    }

    /** With a virtual environment (ticker, timer, loader, memory probe) that this host does not close. */
    MultiModelHost(String name, Settings settings, ModelHost host, MeterRegistry registry, MmeEnvironment env) {
        this(name, settings, host, registry, env, false);
    }

    private MultiModelHost(String name, Settings settings, ModelHost host, MeterRegistry registry, MmeEnvironment env,
                           boolean ownsEnvironment) {
        this.name = checkName(name);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.host = Objects.requireNonNull(host, "host");
        this.env = Objects.requireNonNull(env, "env");
        this.ownsEnvironment = ownsEnvironment;
        String prefix = sanitize(name);
        this.modelNamePrefix = prefix.isEmpty() ? "mme"
                : trimHyphens(prefix.substring(0, Math.min(prefix.length(), 24)));
        this.metrics = new MmeMetrics(Objects.requireNonNull(registry, "registry"), name, resident::size,
                usedBytes::get, settings.memoryBudgetBytes());
        // What the process pays once (ONNX Runtime's environment, its first session) must not be charged to the first
        // model: done up front, on the loader thread, before any footprint is measured (see MmeWarmup).
        env.loader().execute(() -> {
            try {
                MmeWarmup.runtime();
            } catch (Throwable t) {
                LOG.warn("ONNX Runtime could not start; model loads will fail", t);
            }
        });
    }

    private static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        return name;
    }

    public String name() {
        return name;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The endpoint-facing service: the model is {@link InferenceRequest#targetModel()} (required), joined to the
     * prefix and loaded on first use. Never blocks.
     */
    public InferenceService service() {
        return service;
    }

    private CompletionStage<InferenceResponse> invokeTarget(InferenceRequest request) {
        String target = request.targetModel();
        if (target == null || target.isEmpty()) {
            return CompletableFuture.failedFuture(SluiceException.validation(
                    "X-Amzn-SageMaker-Target-Model is required for multi-model endpoint " + name));
        }
        String source;
        try {
            source = ModelStores.join(settings.prefix(), target);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(SluiceException.from(e));
        }
        return invoke(target, source, request);
    }

    /**
     * Container API {@code POST /models}: loads {@code url} (absolute path, {@code file:} or {@code s3://} URL, or a
     * path relative to the prefix) under {@code name}. Fails with 409 ALREADY_LOADED when the name is loaded or
     * loading, 507 when the model alone is larger than the whole budget, 503 when the budget is held by models
     * serving requests, 400 for a bad or missing url. Completes when the model is loaded (no wait bound: the caller asked to load).
     */
    public CompletableFuture<LoadedModel> load(String name, String url) {
        if (closed) {
            return CompletableFuture.failedFuture(closedError());
        }
        String source;
        try {
            checkModelName(name);
            source = resolveUrl(url);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(SluiceException.from(e));
        }
        while (true) {
            Entry current = entries.get(name);
            if (current != null && !current.pins.isDraining()) {
                return CompletableFuture.failedFuture(new SluiceException(ErrorCode.ALREADY_LOADED, "model '" + name
                        + "' is already " + (current.hosted != null ? "loaded" : "loading")));
            }
            Entry fresh = new Entry(name, source, modelName(name), true);
            if (install(name, current, fresh)) {
                startLoad(fresh);
                // A derived future, so a caller completing it cannot make this host believe the model is ready.
                return fresh.ready.thenApply(Entry::describe);
            }
        }
    }

    /** Absolute paths, {@code file:} and {@code s3://} URLs as given; anything else is relative to the prefix. */
    private String resolveUrl(String url) {
        if (url == null || url.isBlank()) {
            throw SluiceException.validation("url must not be empty");
        }
        if (url.regionMatches(true, 0, "s3://", 0, 5) || url.regionMatches(true, 0, "file:", 0, 5)) {
            return url;
        }
        try {
            if (Path.of(url).isAbsolute()) {
                return url;
            }
        } catch (InvalidPathException e) {
            throw SluiceException.validation("url '" + url + "' is not a valid path: " + e.getReason());
        }
        return ModelStores.join(settings.prefix(), url);
    }

    private static void checkModelName(String name) {
        if (name == null || name.isBlank()) {
            throw SluiceException.validation("model_name must not be empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw SluiceException.validation("model_name must be at most " + MAX_NAME_LENGTH
                    + " characters, got " + name.length());
        }
        if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw SluiceException.validation("model_name must not contain control characters");
        }
    }

    /** Container API {@code GET /models}: the loaded models, sorted by name. */
    public List<LoadedModel> models() {
        return entries.values().stream()
                .filter(Entry::isServing)
                .map(Entry::describe)
                .sorted(Comparator.comparing(LoadedModel::name))
                .toList();
    }

    /** Container API {@code GET /models/{name}}. */
    public Optional<LoadedModel> model(String name) {
        Entry entry = name == null ? null : entries.get(name);
        return entry != null && entry.isServing() ? Optional.of(entry.describe()) : Optional.empty();
    }

    public boolean isLoaded(String name) {
        return model(name).isPresent();
    }

    /**
     * Container API {@code DELETE /models/{name}}: 404 NOT_FOUND unless the name is loaded (or loading). New requests
     * stop reaching the model at once; it is unloaded when its in-flight requests have finished, and the future
     * completes when its memory is freed (sessions closed).
     */
    public CompletableFuture<Void> unload(String name) {
        Entry entry = name == null ? null : entries.get(name);
        if (entry == null || entry.pins.isDraining()) {
            return CompletableFuture.failedFuture(notLoaded(name));
        }
        startUnload(entry);
        return entry.freed.thenApply(ignored -> null);
    }

    /**
     * Container API {@code POST /models/{name}/invoke}: 404 unless the name is loaded or loading; never starts a load.
     * A model still loading is waited for, up to the wait bound, like a target model.
     */
    public CompletionStage<InferenceResponse> invoke(String name, InferenceRequest request) {
        if (name == null) {
            return CompletableFuture.failedFuture(notLoaded(null));
        }
        return invoke(name, null, request);
    }

    public long memoryBudgetBytes() {
        return settings.memoryBudgetBytes();
    }

    /** Summed footprints of the models in memory, those waiting to be freed included. */
    public long usedBytes() {
        return usedBytes.get();
    }

    /** Completes once the loader has run everything queued before this call (tests use it as a barrier). */
    CompletableFuture<Void> whenLoaderIdle() {
        CompletableFuture<Void> idle = new CompletableFuture<>();
        env.loader().execute(() -> idle.complete(null));
        return idle;
    }

    /** @param source where to load from when missing; null for the container API's invoke, which never loads */
    private CompletionStage<InferenceResponse> invoke(String key, String source, InferenceRequest request) {
        long start = System.nanoTime();
        while (true) {
            if (closed) {
                return CompletableFuture.failedFuture(closedError());
            }
            Entry entry = entries.get(key);
            if (entry == null || entry.pins.isDraining()) {
                if (source == null) {
                    return CompletableFuture.failedFuture(notLoaded(key));
                }
                // Single flight: whoever installs the entry starts the one load; everyone else pins that entry.
                Entry fresh = new Entry(key, source, modelName(key), false);
                if (install(key, entry, fresh)) {
                    startLoad(fresh);
                }
                continue;
            }
            if (!entry.pins.tryAcquire()) {
                // It started draining between the lookup and the pin: look again (a fresh load replaces it).
                continue;
            }
            if (entry.hosted != null) {
                metrics.cacheHits.increment();
                return serve(entry, request);
            }
            metrics.cacheMisses.increment();
            return awaitLoad(entry, request, start);
        }
    }

    private boolean install(String key, Entry current, Entry fresh) {
        return current == null ? entries.putIfAbsent(key, fresh) == null : entries.replace(key, current, fresh);
    }

    /** The request holds a pin on {@code entry}, which is loading: served when it is ready, or 429 at the bound. */
    private CompletionStage<InferenceResponse> awaitLoad(Entry entry, InferenceRequest request, long start) {
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        AtomicBoolean decided = new AtomicBoolean();
        Runnable cancelTimer = () -> { };
        if (!entry.ready.isDone()) {
            try {
                cancelTimer = env.schedule(settings.loadWait(), () -> {
                    if (decided.compareAndSet(false, true)) {
                        metrics.loadingWaitTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                        release(entry);
                        result.completeExceptionally(new SluiceException(ErrorCode.MODEL_NOT_READY, "model '"
                                + entry.name + "' is still loading; retry"));
                    }
                });
            } catch (RejectedExecutionException e) {
                // Only after close(), which fails the load, and so this request, with 503.
            }
        }
        Runnable cancel = cancelTimer;
        // The load completes on the loader thread: the hand-off moves to the waiters executor so that decoding the
        // waiting requests never delays the next load.
        entry.ready.whenComplete((ready, failure) -> dispatch(() -> {
            if (!decided.compareAndSet(false, true)) {
                return;
            }
            cancel.run();
            metrics.loadingWaitTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (failure != null) {
                release(entry);
                result.completeExceptionally(SluiceException.from(failure));
                return;
            }
            serve(entry, request).whenComplete((response, error) -> {
                if (error != null) {
                    result.completeExceptionally(SluiceException.from(error));
                } else {
                    result.complete(response);
                }
            });
        }));
        return result;
    }

    private void dispatch(Runnable task) {
        try {
            env.waiters().execute(task);
        } catch (RejectedExecutionException e) {
            // Only after close(): no waiters thread any more, and what is left to do is to answer the request.
            task.run();
        }
    }

    /** Runs the request on a loaded, pinned model; the pin is given back when the answer is complete. */
    private CompletionStage<InferenceResponse> serve(Entry entry, InferenceRequest request) {
        entry.lastUsed = env.nanoTime();
        CompletionStage<InferenceResponse> stage;
        try {
            stage = entry.hosted.service().invoke(request);
        } catch (Throwable t) {
            stage = CompletableFuture.failedFuture(SluiceException.from(t));
        }
        return stage.whenComplete((response, failure) -> {
            if (!settings.cacheEnabled()) {
                // ModelCacheSetting=Disabled: drain first, so no later request reuses the model; then our own pin
                // goes, and the last pin out starts the unload.
                startUnload(entry);
            }
            release(entry);
        });
    }

    private void release(Entry entry) {
        if (entry.pins.release()) {
            queueUnload(entry);
        }
    }

    /** Stops new requests reaching the entry; it is unloaded once its in-flight requests are done. Any thread. */
    private void startUnload(Entry entry) {
        entries.remove(entry.name, entry);
        if (entry.pins.drain() == MmePins.Drain.DRAINED_NOW) {
            queueUnload(entry);
        }
    }

    private void queueUnload(Entry entry) {
        try {
            env.loader().execute(() -> unloadNow(entry));
        } catch (RejectedExecutionException e) {
            // The host is closed: close() frees every resident model itself.
        }
    }

    private void startLoad(Entry entry) {
        try {
            env.loader().execute(() -> load(entry));
        } catch (RejectedExecutionException e) {
            entries.remove(entry.name, entry);
            entry.ready.completeExceptionally(closedError());
        }
    }

    // ---- loader thread only from here: loads, evictions and unloads, one at a time ----

    private void load(Entry entry) {
        try {
            admit(entry);
        } catch (Throwable failure) {
            // Not cached: the entry goes, so the next request for the name loads again.
            entries.remove(entry.name, entry);
            SluiceException error = SluiceException.from(failure);
            if (error.code() == ErrorCode.INTERNAL_FAILURE) {
                LOG.warn("multi-model host '" + name + "': loading " + entry.describeName() + " failed", failure);
            }
            entry.ready.completeExceptionally(error);
            if (failure instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Footprint: the change of resident memory (VmRSS) across the ModelHost load, plus the "slack" (below) it takes
     * over, at least the artifact's bytes on disk (ONNX Runtime holds every weight in memory). This host runs its loads
     * and unloads one at a time, so the change belongs to this model's sessions, runner thread and pipeline.
     *
     * <p>Slack: the C allocator keeps most small blocks an unload frees (measured on a small MLP: a fresh load and
     * first run took 270 KiB, its unload gave back 65 KiB), and the next load reuses them: its own change of resident
     * memory (75 KiB) is a fraction of what it holds. Counting only that change, footprints shrink with every eviction
     * and the cache holds ever more models in the same budget. So each unload adds what it did not give back
     * (footprint minus the drop of resident memory) to {@link #slack}, free memory the process keeps, and a load whose
     * own change is below what a model like it holds (its last footprint, else {@link #typicalFootprint}) is charged
     * the difference from the slack. Charging it all the slack instead overshoots the other way: measured, a budget
     * for 100 small models ended up holding 4, each charged for memory the others had left.
     *
     * <p>The window includes one warm-up inference ({@link #firstRun}); ONNX Runtime's one-time costs were paid at
     * construction ({@link MmeWarmup#runtime()}). Errors left: whatever else happens during a load counts in (other
     * hosts or endpoints loading at the same time, requests being served, Java heap pages first touched;
     * overestimate), the first loads still pay class loading and JIT compilation (about 1.5 MiB), a model unlike the
     * typical one may be charged too much or too little slack, and buffers a model grows later for larger requests are
     * not counted (underestimate). For models of a few hundred KiB the allocator's own noise is as large as a model:
     * a budget for 100 such MLPs held up to 244 of them, while 1 MiB models stayed at 100-102 (docs/benchmarks.md).
     */
    private void admit(Entry entry) throws InterruptedException {
        if (closed) {
            throw closedError();
        }
        if (entry.pins.isDraining()) {
            throw new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "model '" + entry.name
                    + "' was unloaded before it finished loading");
        }
        long onDisk;
        try {
            onDisk = MultiModelPaths.sizeOnDisk(entry.source);
        } catch (NoSuchFileException e) {
            throw SluiceException.validation("could not load " + entry.describeName() + ": " + entry.source
                    + " does not exist");
        }
        long budget = settings.memoryBudgetBytes();
        // The estimate is the last measurement of this source, or its size on disk: a first load may overshoot the
        // budget by its own footprint until the post-load check below evicts.
        long estimate = Math.max(footprints.getOrDefault(entry.source, 0L), onDisk);
        if (estimate > budget) {
            throw tooLarge(entry, estimate);
        }
        if (!makeRoom(estimate, entry)) {
            throw budgetExhausted(entry, estimate);
        }
        long before = env.residentBytes();
        long started = System.nanoTime();
        HostedModel hosted;
        try {
            hosted = host.load(new ModelConfig(entry.modelName, entry.source, settings.pipeline(), settings.runners(),
                    settings.batching(), settings.options())).get();
        } catch (ExecutionException e) {
            throw loadFailure(entry, e.getCause());
        }
        firstRun(entry, hosted);
        metrics.loadingTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        long after = env.residentBytes();
        long floor = Math.max(onDisk, MultiModelPaths.sizeOf(hosted.workDir()));
        boolean measured = before >= 0 && after >= 0;
        long delta = measured ? after - before : 0;
        // The model's own growth: what 507 is about.
        long own = Math.max(delta, floor);
        long footprint = own;
        if (measured) {
            // What it took from the slack: up to what a model like it holds (its last footprint, else the typical
            // fresh one), never more (the slack is free memory that later loads reuse too), never beyond the budget.
            long expected = footprints.getOrDefault(entry.source, typicalFootprint);
            long charged = Math.min(Math.min(slack, Math.max(0, expected - delta)), Math.max(0, budget - own));
            slack -= charged;
            footprint = Math.max(delta + charged, floor);
            if (slack == 0 && charged == 0) {
                // Nothing reused, so this was a clean measurement of a fresh load: it teaches the typical footprint.
                typicalFootprint = typicalFootprint == 0 ? footprint
                        : typicalFootprint + (footprint - typicalFootprint) / TYPICAL_WEIGHT;
            }
        }
        footprints.put(entry.source, footprint);
        entry.footprint = footprint;
        if (own > budget || !makeRoom(footprint, entry)) {
            unloadMeasured(entry);
            throw own > budget ? tooLarge(entry, own) : budgetExhausted(entry, footprint);
        }
        entry.loadedAt = hosted.loadedAt();
        entry.lastUsed = env.nanoTime();
        entry.hosted = hosted;
        resident.add(entry);
        usedBytes.addAndGet(footprint);
        LOG.debug("multi-model host '{}': loaded {} ({} bytes, {} of {} used)", name, entry.describeName(), footprint,
                usedBytes.get(), budget);
        entry.ready.complete(entry);
    }

    /**
     * One inference on zeros, inside the footprint measurement: a model allocates its activation buffers (and its
     * runner thread its malloc arena) at its first run, measured at +90 KiB on a small MLP that loads in 180 KiB, and
     * that would otherwise be counted nowhere. It also spares the first real request the cold run. A model that
     * refuses zeros is served anyway; it just is not warmed.
     */
    private void firstRun(Entry entry, HostedModel hosted) throws InterruptedException {
        try {
            hosted.model().infer(MmeWarmup.zeros(hosted.modelSignature())).toCompletableFuture()
                    .get(FIRST_RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("multi-model host '{}': first run of {} on zeros failed: {}", name, entry.describeName(),
                    e.toString());
        }
    }

    /** Evicts idle models, least recently used first, until {@code needed} more bytes fit the budget. */
    private boolean makeRoom(long needed, Entry loading) {
        long budget = settings.memoryBudgetBytes();
        if (usedBytes.get() + needed <= budget) {
            return true;
        }
        List<Entry> idle = new ArrayList<>();
        for (Entry entry : resident) {
            if (entry != loading && entry.pins.inFlight() == 0 && !entry.pins.isDraining()) {
                idle.add(entry);
            }
        }
        // Sorting on the miss path instead of keeping an access-ordered list: a hit then touches no shared structure
        // (one volatile write), and a miss costs a model load anyway, far more than sorting a few thousand entries.
        idle.sort(Comparator.comparingLong(entry -> entry.lastUsed));
        for (Entry victim : idle) {
            if (usedBytes.get() + needed <= budget) {
                break;
            }
            // Fails when a request pinned it after the scan: a model that is serving is never evicted.
            if (victim.pins.tryRetireIdle()) {
                entries.remove(victim.name, victim);
                metrics.evictions.increment();
                LOG.debug("multi-model host '{}': evicting {} ({} bytes)", name, victim.describeName(),
                        victim.footprint);
                unloadNow(victim);
            }
        }
        return usedBytes.get() + needed <= budget;
    }

    private void unloadNow(Entry entry) {
        if (!resident.remove(entry)) {
            // Never admitted (its load failed or was skipped), or already freed.
            entry.freed.complete(null);
            return;
        }
        long started = System.nanoTime();
        unloadMeasured(entry);
        metrics.unloadingTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        usedBytes.addAndGet(-entry.footprint);
        entry.freed.complete(null);
    }

    /** Unloads from ModelHost; what the process keeps of the model's footprint becomes slack (see {@link #admit}). */
    private void unloadMeasured(Entry entry) {
        long before = env.residentBytes();
        unloadFromHost(entry.modelName);
        long after = env.residentBytes();
        if (before >= 0 && after >= 0) {
            long kept = entry.footprint - Math.max(0, before - after);
            slack = Math.min(settings.memoryBudgetBytes(), slack + Math.max(0, kept));
        }
    }

    private void unloadFromHost(String modelName) {
        try {
            host.unload(modelName).get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("multi-model host '" + name + "': unloading '" + modelName + "' failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private SluiceException loadFailure(Entry entry, Throwable cause) {
        SluiceException error = SluiceException.from(cause);
        // A target model that is not there, or not a model, is the client's mistake: SageMaker answers a bad
        // TargetModel with a 400 ValidationError naming it.
        if (error.code() == ErrorCode.NOT_FOUND
                || (error.code() == ErrorCode.INTERNAL_FAILURE
                        && error.getCause() instanceof IllegalArgumentException)) {
            return new SluiceException(ErrorCode.VALIDATION_ERROR, "could not load " + entry.describeName() + " from "
                    + entry.source + ": " + error.getMessage(), error.getCause());
        }
        return error;
    }

    private SluiceException tooLarge(Entry entry, long bytes) {
        return new SluiceException(ErrorCode.INSUFFICIENT_STORAGE, entry.describeName() + " needs " + bytes
                + " bytes, more than the whole memory budget (" + settings.memoryBudgetBytes()
                + " bytes) of multi-model host " + name);
    }

    private SluiceException budgetExhausted(Entry entry, long bytes) {
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "memory budget exhausted by models in use: "
                + entry.describeName() + " needs " + bytes + " bytes, " + usedBytes.get() + " of "
                + settings.memoryBudgetBytes() + " bytes are held by models serving requests; retry");
    }

    private SluiceException notLoaded(String key) {
        return new SluiceException(ErrorCode.NOT_FOUND, "model '" + key + "' is not loaded on multi-model host "
                + name);
    }

    private SluiceException closedError() {
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "multi-model host " + name + " is closed");
    }

    /**
     * A unique ModelHost name ("&lt;host&gt;-mm&lt;n&gt;-&lt;target&gt;", 1-63 characters): the sequence keeps a reload
     * of a model apart from its previous copy that may still be unloading; the host name keeps hosts sharing a
     * ModelHost apart.
     */
    private String modelName(String key) {
        String head = modelNamePrefix + "-mm" + sequence.incrementAndGet();
        String tail = sanitize(key);
        String full = tail.isEmpty() ? head : head + "-" + tail;
        return trimHyphens(full.length() > MAX_MODEL_NAME_LENGTH ? full.substring(0, MAX_MODEL_NAME_LENGTH) : full);
    }

    private static String sanitize(String text) {
        return trimHyphens(text.replaceAll("[^a-zA-Z0-9]+", "-"));
    }

    private static String trimHyphens(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && text.charAt(from) == '-') {
            from++;
        }
        while (to > from && text.charAt(to - 1) == '-') {
            to--;
        }
        return text.substring(from, to);
    }

    /**
     * Fails waiting requests and queued loads with 503, unloads every model this host loaded (ModelHost lets their
     * queued requests finish) and stops its threads. The ModelHost stays open. Idempotent; waits up to 30 s.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Entry entry : List.copyOf(entries.values())) {
            entries.remove(entry.name, entry);
            entry.pins.drain();
            entry.ready.completeExceptionally(closedError());
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable unloadAll = () -> {
            for (Entry entry : List.copyOf(resident)) {
                unloadNow(entry);
            }
            done.complete(null);
        };
        try {
            // Behind whatever load is running, so nothing it admits is missed; loads queued after it see `closed`.
            env.loader().execute(unloadAll);
        } catch (RejectedExecutionException e) {
            unloadAll.run();
        }
        try {
            done.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("multi-model host '" + name + "': models still unloading after " + CLOSE_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsEnvironment) {
            env.close();
        }
        metrics.remove();
    }

    @Override
    public String toString() {
        return "MultiModelHost[" + name + ", prefix=" + settings.prefix() + ", " + resident.size() + " models, "
                + usedBytes.get() + "/" + settings.memoryBudgetBytes() + " bytes]";
    }

    /** A name being loaded, loaded, or draining towards its unload. */
    private static final class Entry {
        final String name;
        final String source;
        final String modelName;
        final boolean explicit;
        final MmePins pins = new MmePins();
        /** Completes (on the loader thread) when admitted; fails when the load fails or is refused. */
        final CompletableFuture<Entry> ready = new CompletableFuture<>();
        /** Completes when the model is out of memory again (or never got in). */
        final CompletableFuture<Void> freed = new CompletableFuture<>();
        /** Set once, just before {@link #ready} completes. */
        volatile HostedModel hosted;
        volatile long footprint;
        volatile Instant loadedAt;
        volatile long lastUsed;

        Entry(String name, String source, String modelName, boolean explicit) {
            this.name = name;
            this.source = source;
            this.modelName = modelName;
            this.explicit = explicit;
        }

        boolean isServing() {
            return hosted != null && !pins.isDraining();
        }

        LoadedModel describe() {
            return new LoadedModel(name, source, footprint, loadedAt, lastUsed, pins.inFlight());
        }

        String describeName() {
            return (explicit ? "model '" : "target model '") + name + "'";
        }
    }
}
