package dev.sluice.gateway.control.internal;

import dev.sluice.autoscaler.Instance;
import dev.sluice.autoscaler.KubernetesCapacityProvider;
import dev.sluice.autoscaler.KubernetesSettings;
import dev.sluice.autoscaler.VariantKey;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.gateway.control.InstanceProvider;
import dev.sluice.modelhost.RemoteHostClient;
import dev.sluice.variants.Scheduler;
import dev.sluice.variants.VariantInstance;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Variant instances as pods ({@code SLUICE_INSTANCES=kubernetes} on the model's container): the variant's Deployment
 * {@code sluice-<endpoint>-<variant>} (made from {@code deploy/kubernetes/host-deployment.yaml}) is scaled by one
 * replica per instance and the instance is the pod that becomes ready in its EndpointSlices; removing one drains it
 * (Fleets takes it out of routing first) and scales the Deployment down with that pod marked for deletion.
 *
 * <p>The API server is the in-cluster one (or {@code ~/.kube/config}) unless the container names
 * {@code SLUICE_KUBERNETES_MASTER}; the namespace is the container's {@code SLUICE_KUBERNETES_NAMESPACE}, else the
 * gateway process's (as deploy/kubernetes/gateway.yaml sets it), else {@code default}. One
 * client and provider per (master, namespace), created on first use, so a gateway that never sees such a model never
 * talks to Kubernetes.
 */
final class KubernetesInstances implements AutoCloseable {
    static final String ENV_MASTER = "SLUICE_KUBERNETES_MASTER";
    static final String ENV_NAMESPACE = "SLUICE_KUBERNETES_NAMESPACE";
    private static final ModelSignature UNKNOWN = new ModelSignature(List.of(), List.of());
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

    private record Cluster(KubernetesClient client, KubernetesCapacityProvider provider) {
    }

    private final Scheduler scheduler;
    private final RemoteHostClient remote;
    private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
    /** Every Kubernetes call blocks, so they run on one named thread of their own, never on the control thread. */
    private final ExecutorService calls = Executors.newSingleThreadExecutor(
            task -> Thread.ofPlatform().name("sluice-kubernetes").daemon(true).unstarted(task));

    KubernetesInstances(Scheduler scheduler, RemoteHostClient remote) {
        this.scheduler = scheduler;
        this.remote = remote;
    }

    CompletableFuture<InstanceProvider.Started> start(String id, String endpoint, String variant,
                                                      Map<String, String> environment) {
        KubernetesCapacityProvider provider = cluster(environment.get(ENV_MASTER),
                environment.getOrDefault(ENV_NAMESPACE, System.getenv().getOrDefault(ENV_NAMESPACE, "default")))
                .provider();
        return provider.add(new VariantKey(endpoint, variant)).thenApply(instance -> {
            URI uri = ((Instance.Remote) instance).uri();
            return new InstanceProvider.Started(new VariantInstance(id, remote.container(uri)), UNKNOWN,
                    HostInstanceProvider.PLATFORM_ONNX, () -> provider.remove(instance),
                    () -> remote.ping(uri, PING_TIMEOUT));
        });
    }

    private Cluster cluster(String master, String namespace) {
        return clusters.computeIfAbsent((master == null ? "" : master) + "|" + namespace, key -> {
            Config config = master == null ? Config.autoConfigure(null)
                    : new ConfigBuilder().withMasterUrl(master).build();
            KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
            return new Cluster(client, new KubernetesCapacityProvider(client, KubernetesSettings.of(namespace),
                    scheduler, calls));
        });
    }

    @Override
    public void close() {
        List<Cluster> all = new ArrayList<>(clusters.values());
        clusters.clear();
        for (Cluster cluster : all) {
            cluster.provider().close();
            cluster.client().close();
        }
        calls.shutdownNow();
    }
}
