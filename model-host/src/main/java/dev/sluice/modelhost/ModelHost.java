package dev.sluice.modelhost;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.modelhost.internal.ModelArtifacts;
import dev.sluice.modelhost.internal.OnnxModel;
import dev.sluice.pipeline.ContainerPipeline;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.ProcessorRegistry;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.spi.ProcessorProvider;
import dev.sluice.pipeline.Pipelines;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Loads models and keeps them served: localizes the source through {@link ModelStores} (S3 objects and prefixes are
 * downloaded into its cache), resolves the model file, creates the ONNX Runtime runners and assembles the pipeline
 * {@link ModelConfig#pipeline()} names. Loading and unloading run on the host's own loader threads, never on the
 * caller's (it may be an event loop or a control-plane request).
 */
public final class ModelHost implements AutoCloseable {
    /** Time spent downloading a model's artifacts, per model (SageMaker's ModelDownloadingTime). */
    public static final String DOWNLOAD_TIME_METRIC = "sluice.model.download.time";
    /** Where the three-argument constructor keeps downloads, under the work directory. */
    public static final String STORE_CACHE_DIR = "store-cache";
    /** Time in one container of an inference pipeline, per model and container (SageMaker's ContainerLatency). */
    public static final String CONTAINER_LATENCY_METRIC = "sluice.container.latency";
    private static final Logger LOG = LoggerFactory.getLogger(ModelHost.class);
    private static final int LOADER_THREADS = 2;
    /**
     * The first ONNX Runtime environment is created on a loader thread, and its native start-up recurses deeply on a
     * long class path (about 12,000 frames measured with a 17 kB {@code -cp}), overflowing the default 1 MiB stack
     * with a SIGSEGV and no error report. 16 MiB leaves ample room; the threads are few.
     */
    private static final long LOADER_STACK_BYTES = 16L << 20;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final int PROCESSING_QUEUE = 4096;

    private final Path workDir;
    private final MeterRegistry registry;
    private final CodecRegistry codecs;
    private final ModelStores stores;
    private final boolean ownsStores;
    private final ThreadPoolExecutor loader;
    /**
     * Heavy pipeline processors (image decoding, large CSV parsing) run here rather than on a Netty event loop: one
     * thread per core, and a bounded queue so an overload is refused (503) instead of piling up.
     */
    private final ThreadPoolExecutor processing;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    /** Built-in models extracted once, by source; guarded by itself. */
    private final Map<String, ModelArtifacts.Resolved> builtins = new java.util.HashMap<>();
    private final Map<io.micrometer.core.instrument.Meter.Id, AtomicInteger> containerTimerLeases = new java.util.HashMap<>();
    private volatile boolean closed;

    /**
     * A name taken by a model that is loading or loaded, with what the model holds beyond its {@link HostedModel}:
     * the lease on a downloaded artifact and its download timer, released when the model goes.
     */
    private record Slot(ModelConfig config, long sequence, CompletableFuture<HostedModel> future,
                        AtomicReference<ModelStores.Localized> lease, AtomicReference<Timer> downloadTimer) {
        Slot(ModelConfig config, long sequence) {
            this(config, sequence, new CompletableFuture<>(), new AtomicReference<>(), new AtomicReference<>());
        }
    }

    /**
     * A host with its own {@link ModelStores}: S3 through the SDK's default configuration, downloads cached under
     * {@code workDir/}{@value #STORE_CACHE_DIR} (created on the first download) with the default bound; closed with
     * the host.
     *
     * @param workDir  where archives and built-in models are extracted, one fresh subdirectory per load (created
     *                 when missing)
     * @param registry where the models' meters go
     * @param codecs   the payload codecs the pipelines decode and encode with
     */
    public ModelHost(Path workDir, MeterRegistry registry, CodecRegistry codecs) {
        this(workDir, registry, codecs, new ModelStores(ModelStores.Settings.defaults(
                Objects.requireNonNull(workDir, "workDir").resolve(STORE_CACHE_DIR))), true);
    }

    /**
     * @param stores where sources are localized; shared with other users (a multi-model host, say) and closed by
     *               its owner, not by this host
     */
    public ModelHost(Path workDir, MeterRegistry registry, CodecRegistry codecs, ModelStores stores) {
        this(workDir, registry, codecs, Objects.requireNonNull(stores, "stores"), false);
    }

    private ModelHost(Path workDir, MeterRegistry registry, CodecRegistry codecs, ModelStores stores,
                      boolean ownsStores) {
        this.workDir = Objects.requireNonNull(workDir, "workDir");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.codecs = Objects.requireNonNull(codecs, "codecs");
        this.stores = stores;
        this.ownsStores = ownsStores;
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create model work directory " + workDir.toAbsolutePath(), e);
        }
        AtomicInteger threads = new AtomicInteger();
        this.loader = new ThreadPoolExecutor(LOADER_THREADS, LOADER_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                task -> Thread.ofPlatform().name("sluice-model-loader-" + threads.getAndIncrement()).daemon(true)
                        .stackSize(LOADER_STACK_BYTES)
                        .unstarted(task));
        loader.allowCoreThreadTimeOut(true);
        int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
        AtomicInteger processingThreads = new AtomicInteger();
        this.processing = new ThreadPoolExecutor(cores, cores, 30, TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(PROCESSING_QUEUE),
                task -> Thread.ofPlatform().name("sluice-processing-" + processingThreads.getAndIncrement())
                        .daemon(true).unstarted(task));
        processing.allowCoreThreadTimeOut(true);
    }

    /**
     * Loads a model in the background. The future fails with {@link IllegalArgumentException} for a bad source,
     * model or pipeline configuration, and when the name is already taken.
     */
    public CompletableFuture<HostedModel> load(ModelConfig config) {
        Objects.requireNonNull(config, "config");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("model host is closed"));
        }
        Slot slot = new Slot(config, sequence.getAndIncrement());
        if (slots.putIfAbsent(config.name(), slot) != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("model '" + config.name()
                    + "' is already loaded or loading"));
        }
        try {
            loader.execute(() -> load(slot));
        } catch (RejectedExecutionException e) {
            slots.remove(config.name(), slot);
            return CompletableFuture.failedFuture(new IllegalStateException("model host is closed"));
        }
        // A copy, so a caller completing it cannot make the host believe the model is ready.
        return slot.future().copy();
    }

    private void load(Slot slot) {
        ModelConfig config = slot.config();
        long start = System.nanoTime();
        Path modelDir = null;
        OnnxModel model = null;
        Pipeline pipeline = null;
        try {
            if (closed || slots.get(config.name()) != slot) {
                throw new IllegalStateException("model '" + config.name() + "' was unloaded before it was loaded");
            }
            modelDir = Files.createTempDirectory(workDir, config.name() + "-");
            ModelArtifacts.Resolved artifacts = resolveArtifacts(slot, modelDir);
            long resolved = System.nanoTime();
            // Per-sequence embedding pipelines exist so that sequences never share a run; batching would undo that.
            boolean perSequence = Boolean.parseBoolean(config.options().get(Pipelines.OPTION_PER_SEQUENCE));
            BatchingConfig batching = perSequence ? BatchingConfig.disabled() : config.batching();
            model = OnnxModel.load(config.name(), artifacts.modelFile(), config.runners(), batching, registry);
            long sessions = System.nanoTime();
            pipeline = switch (config.pipeline()) {
                case ModelConfig.PIPELINE_SENTENCE_EMBEDDING -> {
                    Path tokenizer = artifacts.tokenizerJson().orElseThrow(() -> new IllegalArgumentException(
                            "model '" + config.name() + "': pipeline '" + ModelConfig.PIPELINE_SENTENCE_EMBEDDING
                                    + "' needs a " + ModelArtifacts.TOKENIZER_FILE + " beside "
                                    + artifacts.modelFile() + " (or source " + ModelConfig.BUILTIN_MINILM + ")"));
                    yield Pipelines.sentenceEmbedding(config.name(), model, tokenizer, config.options(), codecs);
                }
                default -> Pipelines.tensor(config.name(), model, codecs);
            };
            HostedModel hosted = new HostedModel(config, pipeline, model, modelDir,
                    Duration.ofNanos(System.nanoTime() - start), Instant.now());
            if (closed || slots.get(config.name()) != slot) {
                throw new IllegalStateException("model '" + config.name() + "' was unloaded while it was loading");
            }
            ModelStores.Localized localized = slot.lease().get();
            if (localized != null && localized.downloaded()) {
                Timer timer = Timer.builder(DOWNLOAD_TIME_METRIC).tag("model", config.name())
                        .description("Time to download the model's artifacts (SageMaker's ModelDownloadingTime)")
                        .register(registry);
                timer.record(localized.downloadTime());
                slot.downloadTimer().set(timer);
            }
            slot.future().complete(hosted);
            // Where a load (and so a serverless cold start) spends its time: artifacts (download, unpack), ONNX
            // Runtime sessions (graph optimisation, one per runner), the pipeline (tokenizer).
            LOG.info("loaded " + hosted + " in " + hosted.loadTime().toMillis() + " ms (artifacts "
                    + (resolved - start) / 1_000_000 + " ms, sessions " + (sessions - resolved) / 1_000_000
                    + " ms, pipeline " + (System.nanoTime() - sessions) / 1_000_000 + " ms)");
        } catch (Throwable failure) {
            slots.remove(config.name(), slot);
            closeQuietly(pipeline, model, modelDir);
            release(slot);
            slot.future().completeExceptionally(failure);
        }
    }

    /**
     * Loads a multi-container model in the background: its model containers load as models of this host (each with
     * its own runners, queue and batcher, named {@code <pipeline>-c<N>}), its processors are created from
     * {@code processors} on the loader threads with their ModelDataUrl localized like a model's. Fails with
     * {@link IllegalArgumentException} when a processor image is unknown or a container's options or model are bad;
     * whatever was loaded by then is released again.
     *
     * <p>Per-container latency is recorded as {@value #CONTAINER_LATENCY_METRIC} (tags {@code model},
     * {@code container}), SageMaker's ContainerLatency.
     */
    public CompletableFuture<HostedPipeline> loadPipeline(PipelineSpec spec, ProcessorRegistry processors) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(processors, "processors");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("model host is closed"));
        }
        long start = System.nanoTime();
        int count = spec.containers().size();
        List<CompletableFuture<ContainerPipeline.Container>> parts = new ArrayList<>();
        List<String> modelNames = new ArrayList<>();
        List<AutoCloseable> resources = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < count; i++) {
            PipelineSpec.Container container = spec.containers().get(i);
            switch (container) {
                case PipelineSpec.Model m -> {
                    String modelName = containerModelName(spec.hostName(), i);
                    ModelConfig config = m.config();
                    modelNames.add(modelName);
                    parts.add(load(new ModelConfig(modelName, config.source(), config.pipeline(), config.runners(),
                            config.batching(), config.options()))
                            .thenApply(hosted -> new ContainerPipeline.ModelContainer(m.hostname(), hosted.model())));
                }
                case PipelineSpec.Remote r -> parts.add(CompletableFuture.completedFuture(
                        new ContainerPipeline.RemoteContainer(r.hostname(), r.service())));
                case PipelineSpec.Processor p -> {
                    ProcessorProvider provider = processors.find(p.image()).orElse(null);
                    if (provider == null) {
                        parts.add(CompletableFuture.failedFuture(new IllegalArgumentException("container '"
                                + p.hostname() + "': no processor for image '" + p.image() + "'; processors: "
                                + processors.providers().keySet())));
                        continue;
                    }
                    parts.add(CompletableFuture.supplyAsync(() -> createProcessor(spec.hostName(), p, provider, resources),
                            loader));
                }
            }
        }
        CompletableFuture<HostedPipeline> result = new CompletableFuture<>();
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((ignored, failure) -> {
            List<ContainerPipeline.Container> containers = new ArrayList<>();
            for (CompletableFuture<ContainerPipeline.Container> part : parts) {
                if (!part.isCompletedExceptionally()) {
                    containers.add(part.join());
                }
            }
            if (failure != null || closed) {
                releasePipeline(containers, modelNames, resources);
                result.completeExceptionally(failure != null ? unwrapCompletion(failure)
                        : new IllegalStateException("model host is closed"));
                return;
            }
            List<Timer> timers = new ArrayList<>();
            ContainerPipeline pipeline;
            try {
                Map<String, Timer> byContainer = new java.util.HashMap<>();
                for (ContainerPipeline.Container c : containers) {
                    Timer timer = leaseContainerTimer(spec.name(), c.hostname());
                    timers.add(timer);
                    byContainer.put(c.hostname(), timer);
                }
                pipeline = new ContainerPipeline(spec.name(), spec.mode(), containers, codecs,
                        (container, nanos) -> byContainer.get(container).record(nanos, TimeUnit.NANOSECONDS),
                        List.of(), processing);
            } catch (RuntimeException e) {
                timers.forEach(this::returnContainerTimer);
                releasePipeline(containers, modelNames, resources);
                result.completeExceptionally(e);
                return;
            }
            AtomicReference<CompletableFuture<Void>> unloaded = new AtomicReference<>();
            ContainerPipeline built = pipeline;
            result.complete(new HostedPipeline(pipeline, Duration.ofNanos(System.nanoTime() - start), () -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                if (!unloaded.compareAndSet(null, done)) {
                    return unloaded.get();
                }
                try {
                    built.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing pipeline '" + spec.name() + "' failed", e);
                }
                timers.forEach(this::returnContainerTimer);
                releasePipeline(List.of(), modelNames, resources).whenComplete((v, t) -> done.complete(null));
                return done;
            }));
            LOG.info("loaded pipeline " + pipeline + " in " + Duration.ofNanos(System.nanoTime() - start).toMillis()
                    + " ms");
        });
        return result;
    }

    /**
     * Instances of one pipeline model share its meters (they are tagged by model and container, not instance), so a
     * meter leaves the registry only when the last instance using it is unloaded.
     */
    private Timer leaseContainerTimer(String model, String container) {
        synchronized (containerTimerLeases) {
            Timer timer = Timer.builder(CONTAINER_LATENCY_METRIC).tag("model", model).tag("container", container)
                    .description("Time in one container of an inference pipeline (SageMaker's ContainerLatency)")
                    .register(registry);
            containerTimerLeases.computeIfAbsent(timer.getId(), id -> new AtomicInteger()).incrementAndGet();
            return timer;
        }
    }

    private void returnContainerTimer(Timer timer) {
        synchronized (containerTimerLeases) {
            AtomicInteger leases = containerTimerLeases.get(timer.getId());
            if (leases != null && leases.decrementAndGet() <= 0) {
                containerTimerLeases.remove(timer.getId());
                registry.remove(timer);
            }
        }
    }

    /** Names a pipeline's model container within the host: {@code <pipeline>-c<N>}, within the 63-character rule. */
    static String containerModelName(String pipeline, int index) {
        String suffix = "-c" + (index + 1);
        String base = pipeline.length() + suffix.length() <= 63 ? pipeline
                : pipeline.substring(0, 63 - suffix.length()).replaceAll("-+$", "");
        return base + suffix;
    }

    private ContainerPipeline.Container createProcessor(String pipeline, PipelineSpec.Processor spec,
                                                        ProcessorProvider provider, List<AutoCloseable> resources) {
        Path dir = null;
        if (spec.source() != null) {
            try {
                Path work = Files.createTempDirectory(workDir, pipeline + "-" + spec.hostname() + "-");
                resources.add(() -> deleteRecursively(work));
                dir = processorDir(spec.source().trim(), work, resources);
            } catch (IOException e) {
                throw new UncheckedIOException("container '" + spec.hostname() + "': cannot prepare its files", e);
            }
        }
        ContainerProcessor processor = provider.create(new ProcessorContext(spec.hostname(), spec.environment(), dir,
                codecs));
        return new ContainerPipeline.ProcessorContainer(spec.hostname(), processor);
    }

    /** A processor's ModelDataUrl as a directory: built-in files, a localized directory, an extracted archive. */
    private Path processorDir(String source, Path work, List<AutoCloseable> resources) {
        if (source.regionMatches(true, 0, "builtin:", 0, 8)) {
            ModelArtifacts.Resolved builtin = builtin(source);
            return builtin.tokenizerJson().orElse(builtin.modelFile()).getParent();
        }
        ModelStores.Localized localized = stores.localize(source);
        Path path = localized.path();
        String file = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (Files.isRegularFile(path) && (file.endsWith(".tar.gz") || file.endsWith(".tgz"))) {
            try {
                ModelArtifacts.extractTar(path, work);
            } finally {
                localized.close();
            }
            return work;
        }
        resources.add(localized::close);
        return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    }

    /** Closes processors and their files, unloads model containers; completes when all of it is done. */
    private CompletableFuture<Void> releasePipeline(List<ContainerPipeline.Container> containers,
                                                    List<String> modelNames, List<AutoCloseable> resources) {
        for (ContainerPipeline.Container c : containers) {
            if (c instanceof ContainerPipeline.ProcessorContainer p) {
                try {
                    p.processor().close();
                } catch (Exception e) {
                    LOG.warn("closing processor '" + p.hostname() + "' failed", e);
                }
            }
        }
        List<CompletableFuture<Void>> unloads = new ArrayList<>();
        for (String model : modelNames) {
            unloads.add(unload(model).exceptionally(ignored -> null));
        }
        return CompletableFuture.allOf(unloads.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> {
            List<AutoCloseable> owned;
            synchronized (resources) {
                owned = new ArrayList<>(resources);
                resources.clear();
            }
            for (AutoCloseable resource : owned.reversed()) {
                try {
                    resource.close();
                } catch (Exception e) {
                    LOG.warn("releasing a pipeline resource failed", e);
                }
            }
        });
    }

    private static Throwable unwrapCompletion(Throwable failure) {
        Throwable t = failure;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Localizes the source (built-in models bypass the stores) and resolves the model file in it. A lease on a
     * download is kept while the model is loaded when the model is read from the cache itself (an .onnx object, a
     * prefix): ONNX Runtime may map external weights from there, and the cache's accounting should keep counting
     * those bytes. An archive is extracted into the model's own work directory, after which the download is not
     * read again, so its lease goes at once and the cache may evict it.
     */
    private ModelArtifacts.Resolved resolveArtifacts(Slot slot, Path modelDir) {
        String source = slot.config().source().trim();
        if (source.regionMatches(true, 0, "builtin:", 0, 8)) {
            return builtin(source);
        }
        ModelStores.Localized localized = stores.localize(source);
        slot.lease().set(localized);
        ModelArtifacts.Resolved artifacts = ModelArtifacts.resolve(localized.path(), modelDir);
        boolean extracted = isInside(artifacts.modelFile(), modelDir)
                && artifacts.tokenizerJson().map(t -> isInside(t, modelDir)).orElse(true);
        if (extracted) {
            localized.close();
        }
        return artifacts;
    }

    /**
     * A built-in model's files, extracted from the class path once per host and shared read-only by every load:
     * copying the 23 MB MiniLM out of its jar took half of a serverless cold start (120 of 251 ms measured by
     * bench/coldstart.sh). Extracted into a fresh directory and renamed into place, so a crash mid-copy never leaves
     * a half-written model to be found by the next start.
     */
    private ModelArtifacts.Resolved builtin(String source) {
        synchronized (builtins) {
            ModelArtifacts.Resolved cached = builtins.get(source.toLowerCase(java.util.Locale.ROOT));
            if (cached != null && Files.isRegularFile(cached.modelFile())) {
                return cached;
            }
            try {
                Path target = workDir.resolve("builtin-" + source.substring("builtin:".length())
                        .replaceAll("[^a-zA-Z0-9._-]", "_"));
                deleteRecursively(target);
                Path staging = Files.createTempDirectory(workDir, "builtin-staging-");
                ModelArtifacts.resolve(source, staging);
                Files.move(staging, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                ModelArtifacts.Resolved resolved = ModelArtifacts.resolveDirectory(target);
                builtins.put(source.toLowerCase(java.util.Locale.ROOT), resolved);
                return resolved;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract " + source + " into " + workDir, e);
            }
        }
    }

    private static boolean isInside(Path file, Path dir) {
        return file.toAbsolutePath().normalize().startsWith(dir.toAbsolutePath().normalize());
    }

    /** Ends the model's lease on its download and drops its download timer. */
    private void release(Slot slot) {
        ModelStores.Localized localized = slot.lease().getAndSet(null);
        if (localized != null) {
            try {
                localized.close();
            } catch (RuntimeException e) {
                LOG.warn("releasing the artifacts of model '" + slot.config().name() + "' failed", e);
            }
        }
        Timer timer = slot.downloadTimer().getAndSet(null);
        if (timer != null) {
            registry.remove(timer);
        }
    }

    /**
     * Stops serving a model: new requests fail at once, queued ones finish (bounded by the model's drain timeout),
     * then its resources are released. Completes when that is done; fails with NOT_FOUND for an unknown name.
     */
    public CompletableFuture<Void> unload(String name) {
        Slot slot = name == null ? null : slots.remove(name);
        if (slot == null) {
            return CompletableFuture.failedFuture(new SluiceException(ErrorCode.NOT_FOUND, "no model '" + name + "'"));
        }
        // A model still loading sees its slot gone and closes itself; a loaded one is closed here.
        CompletableFuture<Void> done = new CompletableFuture<>();
        slot.future().whenComplete((hosted, failure) -> {
            if (hosted == null) {
                done.complete(null);
                return;
            }
            try {
                loader.execute(() -> {
                    closeQuietly(hosted.pipeline(), hosted.onnxModel(), hosted.workDir());
                    release(slot);
                    done.complete(null);
                });
            } catch (RejectedExecutionException e) {
                closeQuietly(hosted.pipeline(), hosted.onnxModel(), hosted.workDir());
                release(slot);
                done.complete(null);
            }
        });
        return done;
    }

    /** The model if it is loaded and ready. */
    public Optional<HostedModel> get(String name) {
        Slot slot = name == null ? null : slots.get(name);
        if (slot == null || !slot.future().isDone() || slot.future().isCompletedExceptionally()) {
            return Optional.empty();
        }
        return Optional.of(slot.future().join());
    }

    public boolean isReady(String name) {
        return get(name).isPresent();
    }

    /** The ready models, in the order their loads were requested. */
    public List<HostedModel> models() {
        return slots.values().stream()
                .sorted(Comparator.comparingLong(Slot::sequence))
                .map(slot -> get(slot.config().name()))
                .flatMap(Optional::stream)
                .toList();
    }

    /**
     * Stops every model: pipelines first (nothing new enters), then the models (their queues drain), then the loader
     * threads. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Slot> taken = new ArrayList<>();
        for (Slot slot : List.copyOf(slots.values())) {
            if (slots.remove(slot.config().name(), slot)) {
                taken.add(slot);
            }
        }
        // Loads in flight see the host closed and clean up after themselves; waiting for them first means every
        // model that did become ready is in hand below.
        loader.shutdown();
        processing.shutdown();
        try {
            if (!loader.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("model loads still running after " + CLOSE_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<HostedModel> ready = new ArrayList<>();
        List<Slot> readySlots = new ArrayList<>();
        for (Slot slot : taken) {
            if (slot.future().isDone() && !slot.future().isCompletedExceptionally()) {
                ready.add(slot.future().join());
                readySlots.add(slot);
            }
        }
        for (HostedModel hosted : ready) {
            closeQuietly(hosted.pipeline(), null, null);
        }
        for (HostedModel hosted : ready) {
            closeQuietly(null, hosted.onnxModel(), hosted.workDir());
        }
        readySlots.forEach(this::release);
        if (ownsStores) {
            try {
                stores.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the model stores failed", e);
            }
        }
    }

    private static void closeQuietly(Pipeline pipeline, OnnxModel model, Path dir) {
        if (pipeline != null) {
            try {
                pipeline.close();
            } catch (RuntimeException e) {
                LOG.warn("closing pipeline '" + pipeline.name() + "' failed", e);
            }
        }
        if (model != null) {
            try {
                model.close();
            } catch (RuntimeException e) {
                LOG.warn("closing model '" + model.name() + "' failed", e);
            }
        }
        if (dir != null) {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete model work directory " + dir, e);
        }
    }
}
