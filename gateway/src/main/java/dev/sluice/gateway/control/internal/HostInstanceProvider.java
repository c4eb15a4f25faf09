package dev.sluice.gateway.control.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.artifact.ArtifactManifest;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.hosting.ContainerDefinition;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.gateway.control.InstanceProvider;
import dev.sluice.modelhost.HostedModel;
import dev.sluice.modelhost.ModelHost;
import dev.sluice.modelhost.MultiModelHost;
import dev.sluice.modelhost.PipelineSpec;
import dev.sluice.pipeline.ContainerPipeline;
import dev.sluice.pipeline.ProcessorRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import dev.sluice.modelhost.RemoteHostClient;
import dev.sluice.variants.Scheduler;
import dev.sluice.variants.VariantInstance;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Instances as this JVM runs them: {@code sluice/onnx} and {@code sluice/sentence-embedding} images become models
 * loaded into the {@link ModelHost} (one load per instance, so each instance has its own sessions and runners);
 * an {@code http(s)://host:port} image is a remote container reached through the {@link RemoteHostClient}.
 */
public final class HostInstanceProvider implements InstanceProvider {
    public static final String IMAGE_ONNX = "sluice/onnx";
    public static final String IMAGE_SENTENCE_EMBEDDING = "sluice/sentence-embedding";
    public static final String PLATFORM_ONNX = "onnxruntime_onnx";
    public static final String PLATFORM_REMOTE = "remote";
    /** Platform reported for multi-container models. */
    public static final String PLATFORM_PIPELINE = "sluice_pipeline";
    /** Environment keys read by Sluice itself; every other key is handed to the pipeline as an option. */
    public static final String ENV_WORKERS = "SAGEMAKER_MODEL_SERVER_WORKERS";
    public static final String ENV_INTRA_OP_THREADS = "SLUICE_INTRA_OP_THREADS";
    public static final String ENV_QUEUE_CAPACITY = "SLUICE_QUEUE_CAPACITY";
    public static final String ENV_BATCHING = "SLUICE_BATCHING";
    public static final String ENV_MAX_BATCH_SIZE = "SLUICE_MAX_BATCH_SIZE";
    public static final String ENV_MAX_BATCH_DELAY_MS = "SLUICE_MAX_BATCH_DELAY_MS";
    /** Multi-model containers: bytes (or 512m, 2g) of model footprint one instance may hold. */
    public static final String ENV_MEMORY_BUDGET = "SLUICE_MODEL_MEMORY_BUDGET";
    /** Where a variant's instances run: {@code in-process} (default) or {@code local-process} (child hosts). */
    public static final String ENV_INSTANCES = "SLUICE_INSTANCES";
    public static final String INSTANCES_IN_PROCESS = "in-process";
    public static final String INSTANCES_LOCAL_PROCESS = "local-process";
    public static final String INSTANCES_KUBERNETES = "kubernetes";
    private static final String MULTI_MODEL = "MultiModel";
    private static final Set<String> SLUICE_KEYS = Set.of(ENV_WORKERS, ENV_INTRA_OP_THREADS, ENV_QUEUE_CAPACITY,
            ENV_BATCHING, ENV_MAX_BATCH_SIZE, ENV_MAX_BATCH_DELAY_MS, ENV_MEMORY_BUDGET, ENV_INSTANCES,
            KubernetesInstances.ENV_MASTER, KubernetesInstances.ENV_NAMESPACE);
    private static final Duration PING_INTERVAL = Duration.ofMillis(250);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    private static final ModelSignature UNKNOWN = new ModelSignature(List.of(), List.of());

    private final ModelHost host;
    private final ProcessorRegistry processors;
    private final LocalProcessInstances localProcesses;
    private final KubernetesInstances kubernetes;
    private final MeterRegistry registry;
    private final RemoteHostClient remote;
    private final Scheduler scheduler;
    private final Duration remoteStartupTimeout;
    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param remoteStartupTimeout how long a remote container may take to answer {@code /ping} (SageMaker's
     *                             ContainerStartupHealthCheckTimeoutInSeconds)
     */
    public HostInstanceProvider(ModelHost host, MeterRegistry registry, RemoteHostClient remote, Scheduler scheduler,
                                Duration remoteStartupTimeout, ProcessorRegistry processors, Path workDir) {
        this.localProcesses = new LocalProcessInstances(workDir, scheduler, remote);
        this.kubernetes = new KubernetesInstances(scheduler, remote);
        this.host = host;
        this.processors = processors;
        this.registry = registry;
        this.remote = remote;
        this.scheduler = scheduler;
        this.remoteStartupTimeout = remoteStartupTimeout;
    }

    @Override
    public void check(ModelDefinition model) {
        if (isPipeline(model)) {
            checkPipeline(model);
            return;
        }
        ContainerDefinition container = model.containers().get(0);
        String field = model.primaryContainer() ? "PrimaryContainer" : "Containers.1";
        String image = container.image();
        if (image == null) {
            throw invalid(field + ".Image", "Image is required: " + IMAGE_ONNX + ", " + IMAGE_SENTENCE_EMBEDDING
                    + " or the http(s):// URL of a running container");
        }
        if (isRemote(image)) {
            for (URI uri : remoteUrls(image)) {
                if (uri.getHost() == null || uri.getPort() == 0) {
                    throw invalid(field + ".Image", "'" + uri + "' is not a container URL (http://host:port)");
                }
            }
            return;
        }
        String base = baseImage(image);
        if (!base.equals(IMAGE_ONNX) && !base.equals(IMAGE_SENTENCE_EMBEDDING)) {
            throw invalid(field + ".Image", "'" + image + "' is not a Sluice image; use " + IMAGE_ONNX + ", "
                    + IMAGE_SENTENCE_EMBEDDING + " or the http(s):// URL of a running container");
        }
        if (base.equals(IMAGE_ONNX) && container.modelDataUrl() == null) {
            throw invalid(field + ".ModelDataUrl", "ModelDataUrl is required for " + IMAGE_ONNX);
        }
        checkCompiledArtifact(field, container);
        String instances = container.environment().get(ENV_INSTANCES);
        if (instances != null && !List.of(INSTANCES_IN_PROCESS, INSTANCES_LOCAL_PROCESS, INSTANCES_KUBERNETES)
                .contains(instances)) {
            throw invalid(field + ".Environment." + ENV_INSTANCES, "must be " + INSTANCES_IN_PROCESS + ", "
                    + INSTANCES_LOCAL_PROCESS + " or " + INSTANCES_KUBERNETES + ", got '" + instances + "'");
        }
        if ((INSTANCES_LOCAL_PROCESS.equals(instances) || INSTANCES_KUBERNETES.equals(instances))
                && (container.multiModel() || !base.equals(IMAGE_ONNX))) {
            throw invalid(field + ".Environment." + ENV_INSTANCES, instances + " runs single-model "
                    + IMAGE_ONNX + " containers");
        }
        modelConfig("check", container);
    }

    @Override
    public CompletableFuture<Started> start(String endpoint, String variant, ModelDefinition model, int index) {
        String id = variant + "-" + index;
        if (isPipeline(model)) {
            PipelineSpec spec;
            try {
                spec = pipelineSpec(model.modelName(), hostName(model.modelName()), model);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            return host.loadPipeline(spec, processors).thenApply(hosted -> new Started(
                    new VariantInstance(id, hosted.service()), hosted.signature(), PLATFORM_PIPELINE,
                    () -> hosted.unload(), null));
        }
        ContainerDefinition container = model.containers().get(0);
        if (isRemote(container.image())) {
            // Several URLs in one Image are the hosts of the variant: instance i is the i-th (round robin).
            List<URI> urls = remoteUrls(container.image());
            URI base = urls.get(index % urls.size());
            VariantInstance instance = new VariantInstance(id, remote.container(base));
            return awaitPing(base, scheduler.now().plus(remoteStartupTimeout))
                    .thenApply(ignored -> new Started(instance, UNKNOWN, PLATFORM_REMOTE,
                            () -> CompletableFuture.completedFuture(null), () -> remote.ping(base, PING_TIMEOUT)));
        }
        ModelConfig config;
        try {
            config = modelConfig(hostName(model.modelName()), container);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (INSTANCES_LOCAL_PROCESS.equals(container.environment().get(ENV_INSTANCES))) {
            return localProcesses.start(id, endpoint, variant, model.modelName(), config.source());
        }
        if (INSTANCES_KUBERNETES.equals(container.environment().get(ENV_INSTANCES))) {
            return kubernetes.start(id, endpoint, variant, container.environment());
        }
        if (MULTI_MODEL.equals(container.mode())) {
            try {
                return CompletableFuture.completedFuture(multiModel(id, config, container));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return host.load(config).thenApply(hosted -> started(id, hosted));
    }

    /**
     * A multi-model instance: an LRU cache of models under the container's ModelDataUrl prefix, loaded on first use of
     * each {@code X-Amzn-SageMaker-Target-Model}. Creating it loads nothing, so it is ready at once.
     */
    private Started multiModel(String id, ModelConfig config, ContainerDefinition container) {
        MultiModelHost.Settings defaults = MultiModelHost.Settings.defaults(container.modelDataUrl());
        Map<String, String> env = container.environment();
        RunnerConfig runners = env.containsKey(ENV_WORKERS) ? config.runners() : defaults.runners();
        long budget = env.containsKey(ENV_MEMORY_BUDGET) ? sizeEnv(env, ENV_MEMORY_BUDGET)
                : defaults.memoryBudgetBytes();
        MultiModelHost mme = new MultiModelHost(config.name(), new MultiModelHost.Settings(container.modelDataUrl(),
                budget, defaults.loadWait(), !"Disabled".equals(container.modelCacheSetting()), config.pipeline(),
                runners, config.batching(), config.options()), host, registry);
        return new Started(new VariantInstance(id, mme.service()), UNKNOWN, PLATFORM_ONNX, () -> {
            mme.close();
            return CompletableFuture.completedFuture(null);
        }, null);
    }

    private Started started(String id, HostedModel hosted) {
        return new Started(new VariantInstance(id, hosted.service()), hosted.signature(), PLATFORM_ONNX,
                () -> host.unload(hosted.name()).exceptionally(ignored -> null), null);
    }

    /**
     * A model runs as an inference pipeline when it has several containers, Direct mode, or a single processor
     * container (a pre-processor alone is a pipeline of one).
     */
    private boolean isPipeline(ModelDefinition model) {
        if (model.containers().size() > 1 || ModelDefinition.MODE_DIRECT.equals(model.executionMode())) {
            return true;
        }
        String image = model.containers().get(0).image();
        return image != null && !isRemote(image) && processors.find(image).isPresent();
    }

    private void checkPipeline(ModelDefinition model) {
        List<ContainerDefinition> containers = model.containers();
        for (int i = 0; i < containers.size(); i++) {
            ContainerDefinition container = containers.get(i);
            String field = model.primaryContainer() ? "PrimaryContainer" : "Containers." + (i + 1);
            String image = container.image();
            if (image == null) {
                throw invalid(field + ".Image", "Image is required in an inference pipeline: " + IMAGE_ONNX
                        + ", a processor (" + String.join(", ", processors.providers().keySet())
                        + ") or the http(s):// URL of a running container");
            }
            if (container.multiModel()) {
                throw invalid(field + ".Mode", "a container of an inference pipeline serves one model; MultiModel"
                        + " containers cannot be part of one");
            }
            if (isRemote(image)) {
                List<URI> urls = remoteUrls(image);
                if (urls.size() != 1 || urls.get(0).getHost() == null || urls.get(0).getPort() == 0) {
                    throw invalid(field + ".Image", "'" + image + "' must be one container URL (http://host:port)"
                            + " in an inference pipeline");
                }
                continue;
            }
            String base = baseImage(image);
            if (base.equals(IMAGE_ONNX)) {
                if (container.modelDataUrl() == null) {
                    throw invalid(field + ".ModelDataUrl", "ModelDataUrl is required for " + IMAGE_ONNX);
                }
                modelConfig("check", container);
                checkCompiledArtifact(field, container);
                continue;
            }
            if (base.equals(IMAGE_SENTENCE_EMBEDDING)) {
                throw invalid(field + ".Image", IMAGE_SENTENCE_EMBEDDING + " is a whole pipeline already; in a"
                        + " multi-container model use sluice/tokenizer, " + IMAGE_ONNX + " and sluice/pooling");
            }
            if (processors.find(image).isEmpty()) {
                throw invalid(field + ".Image", "'" + image + "' is not a Sluice image; use " + IMAGE_ONNX
                        + ", a processor (" + String.join(", ", processors.providers().keySet())
                        + ") or the http(s):// URL of a running container");
            }
        }
    }

    /** The containers as the model host loads them; hostnames default to {@code container-N}. */
    private PipelineSpec pipelineSpec(String name, String hostName, ModelDefinition model) {
        List<PipelineSpec.Container> containers = new java.util.ArrayList<>();
        for (int i = 0; i < model.containers().size(); i++) {
            ContainerDefinition container = model.containers().get(i);
            String hostname = container.containerHostname() != null ? container.containerHostname()
                    : "container-" + (i + 1);
            String image = container.image();
            if (isRemote(image)) {
                URI base = remoteUrls(image).get(0);
                containers.add(new PipelineSpec.Remote(hostname, remote.container(base)));
            } else if (baseImage(image).equals(IMAGE_ONNX)) {
                containers.add(new PipelineSpec.Model(hostname, modelConfig("c" + (i + 1), container)));
            } else {
                containers.add(new PipelineSpec.Processor(hostname, image, container.modelDataUrl() == null ? null
                        : source(container.modelDataUrl()), container.environment()));
            }
        }
        return new PipelineSpec(name, hostName, ModelDefinition.MODE_DIRECT.equals(model.executionMode())
                ? ContainerPipeline.Mode.DIRECT : ContainerPipeline.Mode.SERIAL, containers);
    }

    private CompletableFuture<Void> awaitPing(URI base, Instant deadline) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        pingUntil(base, deadline, ready);
        return ready;
    }

    private void pingUntil(URI base, Instant deadline, CompletableFuture<Void> ready) {
        remote.ping(base, PING_TIMEOUT).whenComplete((ok, failure) -> {
            if (Boolean.TRUE.equals(ok)) {
                ready.complete(null);
            } else if (scheduler.now().isAfter(deadline)) {
                ready.completeExceptionally(new SluiceException(ErrorCode.VALIDATION_EXCEPTION,
                        "the container at " + base + " did not pass the /ping health check within "
                                + remoteStartupTimeout.toSeconds() + " s"));
            } else {
                scheduler.schedule(() -> pingUntil(base, deadline, ready), PING_INTERVAL);
            }
        });
    }

    /**
     * A compiled artifact (its {@code manifest.json}) for another platform, CPU features this machine lacks, or a GPU
     * it does not have is refused at CreateModel, not at the first load: the operator learns it from the call that
     * named it. Only local artifacts can be read here; an S3 one is checked when it loads.
     */
    private static void checkCompiledArtifact(String field, ContainerDefinition container) {
        String url = container.modelDataUrl();
        if (url == null || container.multiModel() || url.regionMatches(true, 0, "s3:", 0, 3)
                || url.regionMatches(true, 0, "builtin:", 0, 8)) {
            return;
        }
        Path path;
        try {
            path = Path.of(source(url));
        } catch (RuntimeException e) {
            return;
        }
        if (!java.nio.file.Files.exists(path)) {
            return;
        }
        java.util.Optional<String> problem;
        try {
            problem = ArtifactManifest.peek(path).flatMap(ArtifactManifest::incompatibility);
        } catch (RuntimeException e) {
            throw invalid(field + ".ModelDataUrl", "the artifact's manifest.json cannot be read: " + e.getMessage());
        }
        problem.ifPresent(message -> {
            throw invalid(field + ".ModelDataUrl", message);
        });
    }

    /** Stops the child processes of local-process instances. */
    public void close() {
        localProcesses.close();
        kubernetes.close();
    }

    /** Model host names must be unique per load and follow the endpoint-name rule. */
    private String hostName(String modelName) {
        String prefix = "i" + sequence.incrementAndGet() + "-";
        String name = prefix + modelName;
        return name.length() <= 63 ? name : name.substring(0, 63).replaceAll("-+$", "");
    }

    static ModelConfig modelConfig(String name, ContainerDefinition container) {
        Map<String, String> env = container.environment();
        String pipeline = baseImage(container.image()).equals(IMAGE_SENTENCE_EMBEDDING)
                ? ModelConfig.PIPELINE_SENTENCE_EMBEDDING : ModelConfig.PIPELINE_TENSOR;
        String source = container.modelDataUrl() == null ? ModelConfig.BUILTIN_MINILM
                : source(container.modelDataUrl());
        RunnerConfig defaults = RunnerConfig.defaults();
        RunnerConfig runners = new RunnerConfig(
                intEnv(env, ENV_WORKERS, defaults.workers()),
                intEnv(env, ENV_INTRA_OP_THREADS, defaults.intraOpThreads()),
                intEnv(env, ENV_QUEUE_CAPACITY, defaults.queueCapacity()));
        BatchingConfig batching = BatchingConfig.defaults();
        boolean batchingOn = !"false".equalsIgnoreCase(env.getOrDefault(ENV_BATCHING, "true"));
        String delay = env.get(ENV_MAX_BATCH_DELAY_MS);
        batching = new BatchingConfig(batchingOn, intEnv(env, ENV_MAX_BATCH_SIZE, batching.maxBatchSize()),
                delay == null ? batching.maxQueueDelay() : Duration.ofNanos(Math.round(number(ENV_MAX_BATCH_DELAY_MS,
                        delay) * 1_000_000)), batching.preferredBatchSizes());
        Map<String, String> options = new HashMap<>();
        env.forEach((key, value) -> {
            if (!SLUICE_KEYS.contains(key)) {
                options.put(key, value);
            }
        });
        try {
            return new ModelConfig(name, source, pipeline, runners, batching, options);
        } catch (IllegalArgumentException e) {
            throw invalid("Environment", e.getMessage());
        }
    }

    /** A local path or {@code file://} URL becomes a path; anything else (s3://, builtin:) goes to the host as is. */
    private static String source(String url) {
        if (url.startsWith("file:")) {
            return Path.of(URI.create(url)).toString();
        }
        return url;
    }

    private static int intEnv(Map<String, String> env, String key, int fallback) {
        String value = env.get(key);
        if (value == null) {
            return fallback;
        }
        double parsed = number(key, value);
        if (parsed != Math.rint(parsed) || parsed < 0 || parsed > Integer.MAX_VALUE) {
            throw invalid("Environment." + key, "must be a whole number, got '" + value + "'");
        }
        return (int) parsed;
    }

    private static double number(String key, String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw invalid("Environment." + key, "must be a number, got '" + value + "'");
        }
    }

    private static List<URI> remoteUrls(String image) {
        return java.util.Arrays.stream(image.split(",")).map(String::trim).filter(u -> !u.isEmpty())
                .map(u -> {
                    try {
                        return URI.create(u);
                    } catch (IllegalArgumentException e) {
                        throw invalid("Image", "'" + u + "' is not a URL");
                    }
                }).toList();
    }

    /** 1048576, 512m, 2g, 1.5G: a byte size as operators write it. */
    static long sizeEnv(Map<String, String> env, String key) {
        String value = env.get(key).trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = value.isEmpty() ? ' ' : value.charAt(value.length() - 1);
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            default -> { }
        }
        double number = number(key, unit == 1 ? value : value.substring(0, value.length() - 1));
        if (!(number > 0) || number * unit > Long.MAX_VALUE / 2) {
            throw invalid("Environment." + key, "must be a positive size such as 512m or 2g, got '" + env.get(key)
                    + "'");
        }
        return (long) (number * unit);
    }

    static boolean isRemote(String image) {
        String lower = image.toLowerCase(Locale.ROOT);
        return lower.startsWith("http://") || lower.startsWith("https://");
    }

    /** {@code sluice/onnx:1.2} → {@code sluice/onnx}: tags are accepted and ignored, as any image tag would be. */
    private static String baseImage(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    private static SluiceException invalid(String field, String message) {
        return new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "Value at '" + field + "' is invalid: " + message);
    }
}
