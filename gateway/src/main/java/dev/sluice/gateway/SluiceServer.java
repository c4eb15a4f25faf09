package dev.sluice.gateway;

import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.modelhost.HostedModel;
import dev.sluice.modelhost.ModelHost;
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
 * health check expects.
 */
public final class SluiceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceServer.class);
    /** OIP v2 platform name for ONNX Runtime (Triton's spelling, which v2 clients recognise). */
    static final String PLATFORM = "onnxruntime_onnx";

    private final ServerConfig config;
    private final PrometheusMeterRegistry registry;
    private final ModelHost host;
    private final EndpointRegistry endpoints;
    private final DataPlaneServer dataPlane;
    private final AdminServer admin;
    private final CompletableFuture<Void> modelsLoaded;
    private final JvmGcMetrics gcMetrics;

    private SluiceServer(ServerConfig config, PrometheusMeterRegistry registry, ModelHost host,
                         EndpointRegistry endpoints, DataPlaneServer dataPlane, AdminServer admin,
                         CompletableFuture<Void> modelsLoaded, JvmGcMetrics gcMetrics) {
        this.config = config;
        this.registry = registry;
        this.host = host;
        this.endpoints = endpoints;
        this.dataPlane = dataPlane;
        this.admin = admin;
        this.modelsLoaded = modelsLoaded;
        this.gcMetrics = gcMetrics;
    }

    /** Binds both ports and starts loading every model; see {@link #modelsLoaded()}. */
    public static SluiceServer start(ServerConfig config, Path workDir) throws InterruptedException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);

        EndpointRegistry endpoints = new EndpointRegistry();
        config.models().forEach(m -> endpoints.expect(m.name()));
        ModelHost host = new ModelHost(workDir, registry, CodecRegistry.standard());
        int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        DataPlaneServer dataPlane = null;
        AdminServer admin = null;
        try {
            dataPlane = DataPlaneServer.start(config.bindAddress(), config.port(), (int) config.maxPayloadBytes(),
                    ioThreads, endpoints);
            DataPlaneServer plane = dataPlane;
            admin = AdminServer.start(config.bindAddress(), config.adminPort(), registry,
                    () -> endpoints.allReady() && !plane.state().isDraining(), router -> { });
        } catch (InterruptedException | RuntimeException e) {
            if (dataPlane != null) {
                dataPlane.close();
            }
            host.close();
            throw e;
        }
        List<CompletableFuture<HostedModel>> loads = new ArrayList<>();
        for (ModelConfig model : config.models()) {
            loads.add(host.load(model).thenApply(hosted -> {
                endpoints.register(endpointFor(hosted, registry));
                LOG.info("model '{}' ready", hosted.name());
                return hosted;
            }));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
        return new SluiceServer(config, registry, host, endpoints, dataPlane, admin, all, gcMetrics);
    }

    private static Endpoint endpointFor(HostedModel hosted, PrometheusMeterRegistry registry) {
        String name = hosted.name();
        return new Endpoint(name, Endpoint.DEFAULT_VARIANT, name, PLATFORM,
                new MeteredInferenceService(hosted.service(), registry, name, Endpoint.DEFAULT_VARIANT, name),
                hosted.signature());
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
