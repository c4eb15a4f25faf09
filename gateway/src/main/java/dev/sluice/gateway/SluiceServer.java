package dev.sluice.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.modelhost.HostedModel;
import dev.sluice.modelhost.ModelHost;
import dev.sluice.modelhost.RemoteHostClient;
import dev.sluice.gateway.control.ControlPlane;
import dev.sluice.gateway.control.StateStore;
import dev.sluice.gateway.control.internal.ControlPlaneRoutes;
import dev.sluice.gateway.control.internal.HostInstanceProvider;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One serving process: model host, data plane and admin port, wired from a {@link ServerConfig}. The ports are
 * bound before the models finish loading so that {@code /ping} can answer 503 while they load, as SageMaker's
 * health check expects. The admin port also carries the SageMaker control plane, whose state lives in the data
 * directory and is restored on start.
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
    private final ControlPlane controlPlane;
    private final CompletableFuture<Void> restored;

    /** Threads and clients the server owns besides the ports and the model host. */
    private record Background(ScheduledExecutorService timers, ExecutorService shadows, RemoteHostClient remote)
            implements AutoCloseable {
        static Background start() {
            ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                    task -> Thread.ofPlatform().name("sluice-deployments").daemon(true).unstarted(task));
            // Shadow comparisons are best effort: when they cannot keep up they are dropped, never queued unboundedly.
            ExecutorService shadows = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(1024),
                    task -> Thread.ofPlatform().name("sluice-shadow-compare").daemon(true).unstarted(task),
                    new ThreadPoolExecutor.DiscardPolicy());
            return new Background(timers, shadows, new RemoteHostClient(null, null,
                    RemoteHostClient.Settings.defaults()));
        }

        @Override
        public void close() {
            remote.close();
            timers.shutdownNow();
            shadows.shutdownNow();
        }
    }

    private SluiceServer(ServerConfig config, PrometheusMeterRegistry registry, ModelHost host,
                         EndpointRegistry endpoints, DataPlaneServer dataPlane, AdminServer admin,
                         CompletableFuture<Void> modelsLoaded, JvmGcMetrics gcMetrics, Background background,
                         ControlPlane controlPlane, CompletableFuture<Void> restored) {
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
    }

    /** {@link #start(ServerConfig, Path, Path)} with the control-plane state under {@code workDir/state}. */
    public static SluiceServer start(ServerConfig config, Path workDir) throws InterruptedException {
        return start(config, workDir, workDir.resolve("state"));
    }

    /**
     * Binds both ports, starts loading every configured model and restores the control plane's endpoints from
     * {@code dataDir}; see {@link #modelsLoaded()} and {@link #restored()}.
     */
    public static SluiceServer start(ServerConfig config, Path workDir, Path dataDir) throws InterruptedException {
        return start(config, workDir, dataDir, ControlPlane.Settings.defaults());
    }

    public static SluiceServer start(ServerConfig config, Path workDir, Path dataDir,
                                     ControlPlane.Settings controlSettings) throws InterruptedException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);

        EndpointRegistry endpoints = new EndpointRegistry();
        config.models().forEach(m -> endpoints.expect(m.name()));
        ModelHost host = new ModelHost(workDir, registry, CodecRegistry.standard());
        Background background = Background.start();
        Scheduler scheduler = Scheduler.system(background.timers());
        VariantMeterRegistry variantMeters = new VariantMeterRegistry(registry);
        ControlPlane controlPlane = new ControlPlane(new StateStore(dataDir, new ObjectMapper()), endpoints,
                new HostInstanceProvider(host, background.remote(), scheduler, REMOTE_STARTUP_TIMEOUT), variantMeters,
                scheduler, background.shadows(), controlSettings);
        int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        DataPlaneServer dataPlane = null;
        AdminServer admin = null;
        try {
            dataPlane = DataPlaneServer.start(config.bindAddress(), config.port(), (int) config.maxPayloadBytes(),
                    ioThreads, endpoints);
            DataPlaneServer plane = dataPlane;
            admin = AdminServer.start(config.bindAddress(), config.adminPort(), registry,
                    () -> endpoints.allReady() && !plane.state().isDraining(),
                    router -> ControlPlaneRoutes.install(router, controlPlane, new ObjectMapper()));
        } catch (InterruptedException | RuntimeException e) {
            if (dataPlane != null) {
                dataPlane.close();
            }
            controlPlane.close();
            background.close();
            host.close();
            throw e;
        }
        CompletableFuture<Void> restored = controlPlane.restore();
        List<CompletableFuture<HostedModel>> loads = new ArrayList<>();
        for (ModelConfig model : config.models()) {
            loads.add(host.load(model).thenApply(hosted -> {
                endpoints.register(endpointFor(hosted, variantMeters, background.shadows()));
                LOG.info("model '{}' ready", hosted.name());
                return hosted;
            }));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
        return new SluiceServer(config, registry, host, endpoints, dataPlane, admin, all, gcMetrics, background,
                controlPlane, restored);
    }

    /**
     * A model served from the command line is an endpoint of one variant ({@code AllTraffic}) with one instance,
     * routed and metered exactly like an endpoint created through the control plane.
     */
    private static Endpoint endpointFor(HostedModel hosted, VariantMeterRegistry meters,
                                        java.util.concurrent.Executor shadows) {
        String name = hosted.name();
        InstancePool pool = new InstancePool(Endpoint.DEFAULT_VARIANT, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
                new VariantMetrics(meters, name, Endpoint.DEFAULT_VARIANT, name));
        pool.add(new VariantInstance(name + "-1", hosted.service()));
        EndpointRouter router = new EndpointRouter(name, RoutingTable.of(
                List.of(new VariantRoute(Endpoint.DEFAULT_VARIANT, name, 1.0, pool)), List.of()), shadows);
        return new Endpoint(name, Endpoint.DEFAULT_VARIANT, name, PLATFORM, router, hosted.signature());
    }

    /** Completes once the control plane has read its state back and started every endpoint's fleet. */
    public CompletableFuture<Void> restored() {
        return restored;
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    /** Completes when every configured model serves; fails with the first load failure. */
    public CompletableFuture<Void> modelsLoaded() {
        return modelsLoaded;
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
        controlPlane.close();
        background.close();
        host.close();
        gcMetrics.close();
        registry.close();
        return drained;
    }

    @Override
    public void close() throws InterruptedException {
        shutdown(Duration.ZERO);
    }
}
