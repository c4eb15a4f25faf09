package dev.sluice.gateway.control.internal;

import dev.sluice.autoscaler.Instance;
import dev.sluice.autoscaler.LocalProcessCapacityProvider;
import dev.sluice.autoscaler.LocalProcessSettings;
import dev.sluice.autoscaler.VariantKey;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.gateway.HostMain;
import dev.sluice.gateway.control.InstanceProvider;
import dev.sluice.modelhost.RemoteHostClient;
import dev.sluice.variants.Scheduler;
import dev.sluice.variants.VariantInstance;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Variant instances as child processes ({@code SLUICE_INSTANCES=local-process} on the model's container): each is a
 * model host JVM ({@link HostMain}) on free loopback ports, started with this JVM's own java and class path, admitted
 * to routing once {@code /ping} answers, and — since {@link Fleets#stopInstances} takes it out of routing and waits
 * for its requests first — stopped with SIGTERM only after it has drained. A crashed or hung child fails its health
 * probe and leaves routing like any remote host.
 */
final class LocalProcessInstances implements AutoCloseable {
    private static final ModelSignature UNKNOWN = new ModelSignature(List.of(), List.of());
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

    private final LocalProcessCapacityProvider provider;
    private final RemoteHostClient remote;
    /** {@code NAME=PATH} of each variant's model, read when the provider launches one of its instances. */
    private final Map<VariantKey, String> models = new ConcurrentHashMap<>();

    LocalProcessInstances(Path workDir, Scheduler scheduler, RemoteHostClient remote) {
        this.remote = remote;
        Path children = workDir.resolve("local-instances");
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        LocalProcessSettings.LaunchCommand command = (variant, port, adminPort) -> {
            List<String> line = new ArrayList<>(List.of(java,
                    // The loader threads need a deep stack on a long class path (see ModelHost); DJL stays offline.
                    "-Xss16m", "-Dai.djl.offline=true", "-XX:+UseSerialGC", "-Xmx1g",
                    "-cp", classPath, HostMain.class.getName(),
                    "--port", Integer.toString(port), "--admin-port", Integer.toString(adminPort),
                    "--bind", "127.0.0.1", "--model", models.get(variant),
                    "--work-dir", children.resolve(variant.endpointName() + "-" + variant.variantName() + "-" + port)
                            .toString()));
            return line;
        };
        this.provider = new LocalProcessCapacityProvider(LocalProcessSettings.of(command, children.resolve("logs")),
                scheduler, HttpClient.newHttpClient());
    }

    CompletableFuture<InstanceProvider.Started> start(String id, String endpoint, String variant, String modelName,
                                                      String source) {
        VariantKey key = new VariantKey(endpoint, variant);
        models.put(key, modelName + "=" + source);
        return provider.add(key).thenApply(instance -> {
            URI uri = ((Instance.Remote) instance).uri();
            return new InstanceProvider.Started(new VariantInstance(id, remote.container(uri)), UNKNOWN,
                    HostInstanceProvider.PLATFORM_ONNX, () -> provider.remove(instance),
                    () -> remote.ping(uri, PING_TIMEOUT));
        });
    }

    @Override
    public void close() {
        provider.close();
    }
}
