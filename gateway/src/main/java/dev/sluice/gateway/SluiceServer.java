package dev.sluice.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.InferenceService;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.MultiModelConfig;
import dev.sluice.core.config.SecurityConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.internal.Authenticator;
import dev.sluice.gateway.internal.TlsKeys;
import io.netty.handler.ssl.SslContext;
import java.time.Clock;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.modelhost.HostedModel;
import dev.sluice.modelhost.ModelHost;
import dev.sluice.modelhost.ModelStores;
import dev.sluice.modelhost.MultiModelHost;
import dev.sluice.modelhost.RemoteHostClient;
import dev.sluice.gateway.control.ControlPlane;
import dev.sluice.gateway.control.StateStore;
import dev.sluice.gateway.control.internal.ControlPlaneRoutes;
import dev.sluice.gateway.control.InstanceProvider;
import dev.sluice.gateway.control.internal.HostInstanceProvider;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.pipeline.ProcessorRegistry;
import dev.sluice.variants.EndpointRouter;
import dev.sluice.variants.InstancePool;
import dev.sluice.variants.RoutingStrategy;
import dev.sluice.variants.RoutingTable;
import dev.sluice.variants.Scheduler;
import dev.sluice.variants.VariantInstance;
import dev.sluice.variants.VariantMeterRegistry;
import dev.sluice.variants.VariantMetrics;
import dev.sluice.variants.VariantRoute;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One serving process: model host, data plane and admin port, wired from a {@link ServerConfig}. The ports are
 * bound before the models finish loading so that {@code /ping} can answer 503 while they load, as SageMaker's
 * health check expects. A gateway's admin port also carries the SageMaker control plane, whose state lives in the
 * data directory and is restored on start; a standalone host ({@link ServerConfig.Role#HOST}) has none, and serves
 * the multi-model container API on its data port instead when it serves a multi-model set.
 */
public final class SluiceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceServer.class);
    /** OIP v2 platform name for ONNX Runtime (Triton's spelling, which v2 clients recognise). */
    static final String PLATFORM = "onnxruntime_onnx";
    /** SageMaker's default ContainerStartupHealthCheckTimeoutInSeconds is 4 minutes; a local container starts faster. */
    private static final Duration REMOTE_STARTUP_TIMEOUT = Duration.ofSeconds(120);

    private final ServerConfig config;
    private final PrometheusMeterRegistry registry;
    private final ModelHost host;
    private final EndpointRegistry endpoints;
    private final DataPlaneServer dataPlane;
    private final AdminServer admin;
    private final CompletableFuture<Void> modelsLoaded;
    private final JvmGcMetrics gcMetrics;
    private final Background background;
    /** Null on a host. */
    private final ControlPlane controlPlane;
    private final CompletableFuture<Void> restored;
    private final Map<String, MultiModelHost> multiModels;
    private final ProcessorRegistry processors;
    /** Owns the child processes of local-process instances. */
    private final HostInstanceProvider instances;
    /** The --pipeline endpoints' instances, released (processors closed) on shutdown. */
    private final List<InstanceProvider.Started> pipelines;

    /**
     * Threads and clients the server owns besides the ports and the model host. The model stores are shared by the
     * model host and every multi-model set on it, so the server owns them and closes them last.
     */
    private record Background(ScheduledExecutorService timers, ExecutorService shadows, RemoteHostClient remote,
                              ModelStores stores) implements AutoCloseable {
        static Background start(ModelStores stores) {
            ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                    task -> Thread.ofPlatform().name("sluice-deployments").daemon(true).unstarted(task));
            // Shadow comparisons are best effort: when they cannot keep up they are dropped, never queued unboundedly.
            ExecutorService shadows = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(1024),
                    task -> Thread.ofPlatform().name("sluice-shadow-compare").daemon(true).unstarted(task),
                    new ThreadPoolExecutor.DiscardPolicy());
            return new Background(timers, shadows, new RemoteHostClient(null, null,
                    RemoteHostClient.Settings.defaults()), stores);
        }

        @Override
        public void close() {
            remote.close();
            timers.shutdownNow();
            shadows.shutdownNow();
        }

        /** After the model host: its models may hold leases on downloaded artifacts until they are closed. */
        void closeStores() {
            stores.close();
        }
    }

    private SluiceServer(ServerConfig config, PrometheusMeterRegistry registry, ModelHost host,
                         EndpointRegistry endpoints, DataPlaneServer dataPlane, AdminServer admin,
                         CompletableFuture<Void> modelsLoaded, JvmGcMetrics gcMetrics, Background background,
                         ControlPlane controlPlane, CompletableFuture<Void> restored,
                         Map<String, MultiModelHost> multiModels, ProcessorRegistry processors,
                         List<InstanceProvider.Started> pipelines, HostInstanceProvider instances) {
        this.instances = instances;
        this.processors = processors;
        this.pipelines = pipelines;
        this.config = config;
        this.registry = registry;
        this.host = host;
        this.endpoints = endpoints;
        this.dataPlane = dataPlane;
        this.admin = admin;
        this.modelsLoaded = modelsLoaded;
        this.gcMetrics = gcMetrics;
        this.background = background;
        this.controlPlane = controlPlane;
        this.restored = restored;
        this.multiModels = multiModels;
    }

    /** {@link #start(ServerConfig, Path, Path)} with the control-plane state under {@code workDir/state}. */
    public static SluiceServer start(ServerConfig config, Path workDir) throws InterruptedException {
        return start(config, workDir, workDir.resolve("state"));
    }

    /**
     * Binds both ports, starts loading every configured model and, on a gateway, restores the control plane's
     * endpoints from {@code dataDir} (a host has no control plane and does not touch it); see {@link #modelsLoaded()}
     * and {@link #restored()}.
     */
    public static SluiceServer start(ServerConfig config, Path workDir, Path dataDir) throws InterruptedException {
        return start(config, workDir, dataDir, ControlPlane.Settings.defaults());
    }

    public static SluiceServer start(ServerConfig config, Path workDir, Path dataDir,
                                     ControlPlane.Settings controlSettings) throws InterruptedException {
        // Settings first: a bad prefix is refused before any thread or port exists.
        // So is a bad key pair: TLS material is read (and checked) before anything starts.
        SecurityConfig security = config.security();
        TlsKeys tls = security.tls() == null ? null : TlsKeys.load(security.tls());
        SslContext dataPlaneTls = tls == null ? null : tls.nettyServerContext();
        // A gateway's recommendation jobs call its own ports like any client; with authentication on they carry a
        // key made for this process alone (random, held in memory, never logged), accepted beside the configured ones.
        String selfKey = security.authenticates() && config.role() == ServerConfig.Role.GATEWAY ? randomKey() : null;
        SecurityConfig accepted = selfKey == null ? security : new SecurityConfig(security.auth(),
                java.util.stream.Stream.concat(security.apiKeySha256().stream(),
                        java.util.stream.Stream.of(SecurityConfig.apiKeyDigest(selfKey))).toList(),
                security.awsAccessKeys(), security.tls());
        Authenticator dataPlaneAuth = security.authenticates()
                ? new Authenticator(accepted, Authenticator.DATA_PLANE_SERVICES, Clock.systemUTC()) : null;
        Authenticator adminAuth = security.authenticates()
                ? new Authenticator(accepted, Authenticator.ADMIN_SERVICES, Clock.systemUTC()) : null;
        logSecurity(security, tls);
        Map<String, MultiModelHost.Settings> multiModelSettings = new LinkedHashMap<>();
        config.multiModels().forEach(m -> multiModelSettings.put(m.name(), settings(m)));
        ModelStores.Settings storeSettings = new ModelStores.Settings(config.s3().endpoint(), config.s3().pathStyle(),
                config.s3().region(), workDir.resolve(ModelHost.STORE_CACHE_DIR),
                ModelStores.Settings.DEFAULT_DISK_CACHE_BYTES);
        // Plugins are code: they load only from a directory the operator named, and a bad one stops the start.
        ProcessorRegistry processors = config.pluginsDir() == null ? ProcessorRegistry.builtIn()
                : ProcessorRegistry.withPlugins(config.pluginsDir());
        // Pipelines are checked like CreateModel before any port is bound: a bad file never half-starts a server.
        List<ModelDefinition> pipelines = config.pipelines();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);

        EndpointRegistry endpoints = new EndpointRegistry();
        config.models().forEach(m -> endpoints.expect(m.name()));
        pipelines.forEach(p -> endpoints.expect(p.modelName()));
        ModelStores stores = new ModelStores(storeSettings);
        ModelHost host = new ModelHost(workDir, registry, CodecRegistry.standard(), stores);
        Background background = Background.start(stores);
        Scheduler scheduler = Scheduler.system(background.timers());
        VariantMeterRegistry variantMeters = new VariantMeterRegistry(registry);
        boolean gateway = config.role() == ServerConfig.Role.GATEWAY;
        HostInstanceProvider instances = new HostInstanceProvider(host, registry, background.remote(), scheduler,
                REMOTE_STARTUP_TIMEOUT, processors, workDir);
        ControlPlane controlPlane = gateway ? new ControlPlane(new StateStore(dataDir, new ObjectMapper()), endpoints,
                instances, variantMeters, scheduler, background.shadows(), controlSettings, config.s3()) : null;
        // Creating a multi-model set loads nothing (each model loads on its first use), so it serves at once.
        Map<String, MultiModelHost> multiModels = new LinkedHashMap<>();
        multiModelSettings.forEach((name, settings) -> {
            MultiModelHost models = new MultiModelHost(name, settings, host, registry);
            multiModels.put(name, models);
            endpoints.register(endpointFor(name, name, models.service(), new ModelSignature(List.of(), List.of()),
                    variantMeters, background.shadows()));
        });
        MultiModelHost containerModels = config.containerModels().map(m -> multiModels.get(m.name())).orElse(null);
        int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        DataPlaneServer dataPlane = null;
        AdminServer admin = null;
        try {
            dataPlane = DataPlaneServer.start(config.bindAddress(), config.port(), (int) config.maxPayloadBytes(),
                    ioThreads, endpoints, containerModels, dataPlaneTls, dataPlaneAuth);
            DataPlaneServer plane = dataPlane;
            admin = AdminServer.start(config.adminBindAddress(), config.adminPort(), registry,
                    () -> endpoints.allReady() && !plane.state().isDraining(),
                    router -> {
                        if (controlPlane != null) {
                            ControlPlaneRoutes.install(router, controlPlane, new ObjectMapper());
                        }
                    }, tls, adminAuth);
        } catch (InterruptedException | RuntimeException e) {
            if (dataPlane != null) {
                dataPlane.close();
            }
            if (controlPlane != null) {
                controlPlane.close();
            }
            multiModels.values().forEach(MultiModelHost::close);
            background.close();
            host.close();
            background.closeStores();
            throw e;
        }
        if (controlPlane != null) {
            String scheme = tls == null ? "http" : "https";
            controlPlane.servedAt(java.net.URI.create(scheme + "://" + loopbackFor(config.adminBindAddress()) + ":"
                            + admin.port()),
                    java.net.URI.create(scheme + "://" + loopbackFor(config.bindAddress()) + ":" + dataPlane.port()),
                    selfKey == null ? null : "Bearer " + selfKey);
        }
        CompletableFuture<Void> restored = controlPlane != null ? controlPlane.restore()
                : CompletableFuture.completedFuture(null);
        List<CompletableFuture<?>> loads = new ArrayList<>();
        for (ModelConfig model : config.models()) {
            loads.add(host.load(model).thenApply(hosted -> {
                endpoints.register(endpointFor(hosted.name(), hosted.name(), hosted.service(), hosted.signature(),
                        variantMeters, background.shadows()));
                LOG.info("model '{}' ready", hosted.name());
                return hosted;
            }));
        }
        List<InstanceProvider.Started> startedPipelines = Collections.synchronizedList(new ArrayList<>());
        for (ModelDefinition pipeline : pipelines) {
            CompletableFuture<InstanceProvider.Started> started;
            try {
                instances.check(pipeline);
                started = instances.start(pipeline.modelName(), Endpoint.DEFAULT_VARIANT, pipeline, 1);
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            loads.add(started.thenApply(s -> {
                startedPipelines.add(s);
                endpoints.register(endpointFor(pipeline.modelName(), pipeline.modelName(), s.instance().service(),
                        s.signature(), variantMeters, background.shadows()));
                LOG.info("pipeline '{}' ready", pipeline.modelName());
                return null;
            }));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
        return new SluiceServer(config, registry, host, endpoints, dataPlane, admin, all, gcMetrics, background,
                controlPlane, restored, Collections.unmodifiableMap(multiModels), processors, startedPipelines,
                instances);
    }

    /** What protects the ports, for the operator: counts and ids, never a secret. */
    private static void logSecurity(SecurityConfig security, TlsKeys tls) {
        if (security.authenticates()) {
            LOG.info("authentication on: {} API key(s), AWS access keys {}", security.apiKeySha256().size(),
                    security.awsAccessKeys());
        } else {
            LOG.info("authentication off ({})", security.auth() == SecurityConfig.AuthMode.NONE
                    ? "turned off explicitly" : "no credentials configured; loopback only");
        }
        if (tls != null) {
            LOG.info("TLS on: certificate {} valid until {}", tls.certificate().getSubjectX500Principal(),
                    tls.certificate().getNotAfter().toInstant());
        }
    }

    /** @throws IllegalArgumentException naming the endpoint, for a prefix the multi-model host cannot read from */
    private static MultiModelHost.Settings settings(MultiModelConfig config) {
        try {
            return new MultiModelHost.Settings(config.prefix(),
                    config.defaultMemoryBudget() ? MultiModelHost.Settings.defaultMemoryBudget()
                            : config.memoryBudgetBytes(),
                    MultiModelHost.Settings.DEFAULT_LOAD_WAIT, config.cacheEnabled(), config.pipeline(),
                    config.runners(), config.batching(), config.options());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("multi-model endpoint '" + config.name() + "': " + e.getMessage(), e);
        }
    }

    /**
     * A model or multi-model set served from the command line is an endpoint of one variant ({@code AllTraffic}) with
     * one instance, routed and metered exactly like an endpoint created through the control plane.
     */
    private static Endpoint endpointFor(String name, String modelName, InferenceService service,
                                        ModelSignature signature, VariantMeterRegistry meters, Executor shadows) {
        InstancePool pool = new InstancePool(Endpoint.DEFAULT_VARIANT, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
                new VariantMetrics(meters, name, Endpoint.DEFAULT_VARIANT, modelName));
        pool.add(new VariantInstance(name + "-1", service));
        EndpointRouter router = new EndpointRouter(name, RoutingTable.of(
                List.of(new VariantRoute(Endpoint.DEFAULT_VARIANT, modelName, 1.0, pool)), List.of()), shadows);
        return new Endpoint(name, Endpoint.DEFAULT_VARIANT, modelName, PLATFORM, router, signature);
    }

    /** Completes once the control plane has read its state back and started every endpoint's fleet. */
    public CompletableFuture<Void> restored() {
        return restored;
    }

    /** The SageMaker control plane of a gateway; a model host has none. */
    public ControlPlane controlPlane() {
        if (controlPlane == null) {
            throw new IllegalStateException("a model host has no control plane");
        }
        return controlPlane;
    }

    /** The multi-model set served as endpoint {@code name}, if there is one. */
    public Optional<MultiModelHost> multiModel(String name) {
        return Optional.ofNullable(multiModels.get(name));
    }

    /** Completes when every configured model serves; fails with the first load failure. */
    public CompletableFuture<Void> modelsLoaded() {
        return modelsLoaded;
    }

    private static String randomKey() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    /** How this process reaches its own ports: a wildcard bind is reached on loopback. */
    private static String loopbackFor(String bindAddress) {
        return switch (bindAddress) {
            case "0.0.0.0", "::", "[::]", "" -> "127.0.0.1";
            default -> bindAddress.contains(":") && !bindAddress.startsWith("[") ? "[" + bindAddress + "]"
                    : bindAddress;
        };
    }

    public int port() {
        return dataPlane.port();
    }

    public int adminPort() {
        return admin.port();
    }

    /** Draining flag and in-flight count of the data plane. */
    public dev.sluice.gateway.internal.ServerState dataPlaneState() {
        return dataPlane.state();
    }

    public EndpointRegistry endpoints() {
        return endpoints;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public ServerConfig config() {
        return config;
    }

    /**
     * Graceful stop (SIGTERM): stop accepting, let in-flight requests finish within the drain window, then close
     * the admin port and the models.
     *
     * @return true when nothing was cut off
     */
    public boolean shutdown(Duration drain) throws InterruptedException {
        boolean drained = dataPlane.shutdown(drain);
        admin.close();
        if (controlPlane != null) {
            controlPlane.close();
        }
        // Before the model host: a multi-model set unloads its models through it.
        multiModels.values().forEach(MultiModelHost::close);
        releasePipelines();
        instances.close();
        background.close();
        host.close();
        background.closeStores();
        processors.close();
        gcMetrics.close();
        registry.close();
        return drained;
    }

    @Override
    public void close() throws InterruptedException {
        shutdown(Duration.ZERO);
    }

    private void releasePipelines() {
        List<InstanceProvider.Started> started;
        synchronized (pipelines) {
            started = List.copyOf(pipelines);
            pipelines.clear();
        }
        for (InstanceProvider.Started s : started) {
            try {
                s.release().get().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("releasing a pipeline failed", e);
            }
        }
    }
}
