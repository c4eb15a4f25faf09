package dev.sluice.autoscaler;

import dev.sluice.autoscaler.internal.Durations;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.Cancellable;
import dev.sluice.variants.Scheduler;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instances as pods of one Deployment per variant ({@link #deploymentName}), scaled by patching
 * {@code spec.replicas}, found through the {@code discovery.k8s.io/v1} EndpointSlices of the variant's Service (same
 * name as the Deployment). An endpoint counts as an instance only while it is ready and not terminating, so a pod
 * becomes routable when its readiness probe ({@code GET /ping}) passes, exactly the admission rule of the other
 * providers.
 *
 * <p>Scale-in picks the pod: after the caller has drained it, the pod gets {@code controller.kubernetes.io/pod-deletion-cost}
 * far below the others' and then the replica count drops, so the ReplicaSet controller deletes that pod and not one
 * still serving. (Pods that are pending or not ready are still deleted before it, by the controller's own ranking;
 * such pods serve no traffic, and the drained pod then stays out of routing until the next scale-in.)
 *
 * <p>Every Kubernetes call blocks on HTTP, so all of them run on the {@code executor} the caller names; one thread is
 * enough and keeps read-modify-write of the replica count serial. Waits are timed with the {@link Scheduler}. Only
 * one autoscaler should scale a variant: several gateway replicas each scaling would race on the replica count.
 */
public final class KubernetesCapacityProvider implements CapacityProvider {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesCapacityProvider.class);
    public static final String LABEL_NAME = "app.kubernetes.io/name";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String LABEL_ENDPOINT = "sluice.dev/endpoint";
    public static final String LABEL_VARIANT = "sluice.dev/variant";
    /** Set by the EndpointSlice controller on every slice of a Service. */
    static final String LABEL_SERVICE_NAME = "kubernetes.io/service-name";
    /** Kubernetes ≥ 1.22: the ReplicaSet controller deletes the pods with the lowest cost first. */
    public static final String POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
    private static final String DRAINED_COST = Integer.toString(Integer.MIN_VALUE);
    private static final int MAX_NAME = 63;

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final Scheduler scheduler;
    private final Executor executor;
    /** Instance ids handed out by {@link #add} and not yet removed, so two adds never return the same pod. */
    private final Set<String> claimed = new HashSet<>();
    private final Object lock = new Object();

    /**
     * @param client   owned by the caller (closed by it)
     * @param executor runs the blocking Kubernetes calls; name it (e.g. {@code sluice-kubernetes}), one thread is enough
     */
    public KubernetesCapacityProvider(KubernetesClient client, KubernetesSettings settings, Scheduler scheduler,
                                      Executor executor) {
        this.client = Objects.requireNonNull(client, "client");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * {@code sluice-<endpoint>-<variant>} in lower case; past 63 characters (a DNS label, which the Service name must
     * be) it is cut and ends in a hash of the full name so distinct variants keep distinct names.
     */
    public static String deploymentName(VariantKey variant) {
        String full = ("sluice-" + variant.endpointName() + "-" + variant.variantName()).toLowerCase(Locale.ROOT);
        if (full.length() <= MAX_NAME) {
            return full;
        }
        String hash = String.format("%08x", java.util.Arrays.hashCode(
                (variant.endpointName() + "/" + variant.variantName()).getBytes(StandardCharsets.UTF_8)));
        String head = full.substring(0, MAX_NAME - hash.length() - 1).replaceAll("-+$", "");
        return head + "-" + hash;
    }

    /** The labels of a variant's Deployment, pods and Service (SageMaker names are valid label values as they are). */
    public static Map<String, String> labels(VariantKey variant) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_NAME, "sluice-host");
        labels.put(LABEL_MANAGED_BY, "sluice");
        labels.put(LABEL_ENDPOINT, variant.endpointName());
        labels.put(LABEL_VARIANT, variant.variantName());
        return labels;
    }

    private static Map<String, String> selector(VariantKey variant) {
        Map<String, String> labels = labels(variant);
        labels.remove(LABEL_MANAGED_BY);
        return labels;
    }

    /**
     * Adds one replica and completes with the first endpoint that becomes ready and was not ready (or handed out)
     * before. On timeout the replica is taken back and the failure names the Deployment's status.
     */
    @Override
    public CompletableFuture<Instance> add(VariantKey variant) {
        Objects.requireNonNull(variant, "variant");
        CompletableFuture<Instance> result = new CompletableFuture<>();
        Instant deadline = scheduler.now().plus(settings.readyTimeout());
        CompletableFuture.supplyAsync(() -> {
            ensureDeployment(variant);
            synchronized (lock) {
                Set<String> known = new HashSet<>(readyInstances(variant).keySet());
                known.addAll(claimed);
                int replicas = changeReplicas(variant, +1);
                LOG.info("{}: scaled Deployment {}/{} to {} replicas", variant, settings.namespace(),
                        deploymentName(variant), replicas);
                return known;
            }
        }, executor).whenComplete((known, failure) -> {
            if (failure != null) {
                result.completeExceptionally(asSluice(failure, "could not scale out " + variant));
            } else {
                awaitNewEndpoint(variant, known, deadline, result);
            }
        });
        return result;
    }

    private void awaitNewEndpoint(VariantKey variant, Set<String> known, Instant deadline,
                                  CompletableFuture<Instance> result) {
        executor.execute(() -> {
            try {
                for (Map.Entry<String, Instance> ready : readyInstances(variant).entrySet()) {
                    synchronized (lock) {
                        if (!known.contains(ready.getKey()) && claimed.add(ready.getKey())) {
                            result.complete(ready.getValue());
                            return;
                        }
                    }
                }
            } catch (KubernetesClientException e) {
                LOG.warn("{}: listing EndpointSlices failed, retrying: {}", variant, e.getMessage());
            }
            if (scheduler.now().isAfter(deadline)) {
                result.completeExceptionally(timedOut(variant));
                return;
            }
            scheduler.schedule(() -> awaitNewEndpoint(variant, known, deadline, result), settings.pollInterval());
        });
    }

    private SluiceException timedOut(VariantKey variant) {
        String status;
        try {
            status = describe(deployment(variant));
            synchronized (lock) {
                changeReplicas(variant, -1);
            }
        } catch (RuntimeException e) {
            status = "status unavailable: " + e.getMessage();
        }
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "no new ready endpoint for Deployment "
                + settings.namespace() + "/" + deploymentName(variant) + " within " + Durations.human(settings.readyTimeout())
                + "; the replica was taken back (" + status + ")");
    }

    private static String describe(Deployment d) {
        if (d == null || d.getStatus() == null) {
            return "no status";
        }
        var s = d.getStatus();
        String conditions = s.getConditions() == null ? "" : s.getConditions().stream()
                .filter(c -> c.getMessage() != null)
                .map(DeploymentCondition::getMessage).collect(Collectors.joining("; ", "; ", ""));
        return "replicas " + s.getReplicas() + ", ready " + s.getReadyReplicas() + ", unavailable "
                + s.getUnavailableReplicas() + (conditions.equals("; ") ? "" : conditions);
    }

    @Override
    public CompletableFuture<Void> remove(Instance instance, CompletionStage<Void> drained) {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(drained, "drained");
        CompletableFuture<Void> gate = new CompletableFuture<>();
        drained.whenComplete((v, e) -> gate.complete(null));
        Cancellable grace = scheduler.schedule(() -> gate.complete(null), settings.drainTimeout());
        return gate.thenComposeAsync(ignored -> {
            grace.cancel();
            VariantKey variant = instance.variant();
            try {
                if (instance.id().startsWith(POD_PREFIX)) {
                    markForDeletion(instance.id().substring(POD_PREFIX.length()));
                }
                synchronized (lock) {
                    int replicas = changeReplicas(variant, -1);
                    claimed.remove(instance.id());
                    LOG.info("{}: removed {}; Deployment {}/{} scaled to {} replicas", variant, instance.id(),
                            settings.namespace(), deploymentName(variant), replicas);
                }
                return CompletableFuture.<Void>completedFuture(null);
            } catch (RuntimeException e) {
                return CompletableFuture.<Void>failedFuture(asSluice(e, "could not scale in " + variant));
            }
        }, executor);
    }

    private void markForDeletion(String pod) {
        try {
            client.pods().inNamespace(settings.namespace()).withName(pod).edit(p -> new PodBuilder(p)
                    .editMetadata().addToAnnotations(POD_DELETION_COST, DRAINED_COST).endMetadata().build());
        } catch (KubernetesClientException e) {
            // Gone already (evicted, deleted by hand): the scale-down still has to happen.
            LOG.info("could not annotate pod {} for deletion: {}", pod, e.getMessage());
        }
    }

    @Override
    public CompletableFuture<List<Instance>> instances(VariantKey variant) {
        return CompletableFuture.supplyAsync(() -> List.copyOf(readyInstances(variant).values()), executor);
    }

    /** The Deployment's {@code spec.replicas}, or 0 when it does not exist. */
    public CompletableFuture<Integer> replicas(VariantKey variant) {
        return CompletableFuture.supplyAsync(() -> {
            Deployment d = deployment(variant);
            return d == null ? 0 : replicasOf(d);
        }, executor);
    }

    /**
     * Sets {@code spec.replicas} directly (creating the Deployment from the template if needed), for a capacity target
     * that maps desired capacity to replicas and lets discovery follow. Scale-in this way lets the ReplicaSet pick
     * the pods; use {@link #remove} to drain a chosen one.
     */
    public CompletableFuture<Void> scale(VariantKey variant, int replicas) {
        if (replicas < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("replicas must not be negative"));
        }
        return CompletableFuture.runAsync(() -> {
            ensureDeployment(variant);
            synchronized (lock) {
                setReplicas(variant, replicas);
            }
        }, executor);
    }

    /** Nothing to stop: the pods belong to their Deployments and outlive this gateway. The client is the caller's. */
    @Override
    public void close() {
    }

    private static final String POD_PREFIX = "pod/";

    /** Ready, non-terminating endpoints of the variant's Service, by instance id ({@code pod/<name>} or the address). */
    private Map<String, Instance> readyInstances(VariantKey variant) {
        List<EndpointSlice> slices = client.discovery().v1().endpointSlices().inNamespace(settings.namespace())
                .withLabel(LABEL_SERVICE_NAME, deploymentName(variant)).list().getItems();
        Map<String, Instance> ready = new LinkedHashMap<>();
        for (EndpointSlice slice : slices) {
            int port = portOf(slice);
            if (slice.getEndpoints() == null) {
                continue;
            }
            for (Endpoint endpoint : slice.getEndpoints()) {
                if (!isReady(endpoint) || endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty()) {
                    continue;
                }
                String address = endpoint.getAddresses().get(0);
                ObjectReference ref = endpoint.getTargetRef();
                String id = ref != null && "Pod".equals(ref.getKind()) && ref.getName() != null
                        ? POD_PREFIX + ref.getName() : address;
                String host = address.contains(":") ? "[" + address + "]" : address;
                ready.put(id, new Instance.Remote(id, variant, URI.create("http://" + host + ":" + port)));
            }
        }
        return ready;
    }

    /**
     * The EndpointSlice API: {@code ready} nil means unknown and "should be interpreted as ready"; a terminating
     * endpoint takes no new requests.
     */
    private static boolean isReady(Endpoint endpoint) {
        EndpointConditions c = endpoint.getConditions();
        return c == null || (!Boolean.FALSE.equals(c.getReady()) && !Boolean.TRUE.equals(c.getTerminating()));
    }

    private int portOf(EndpointSlice slice) {
        List<EndpointPort> ports = slice.getPorts() == null ? List.of() : slice.getPorts();
        for (EndpointPort p : ports) {
            if (settings.portName().equals(p.getName()) && p.getPort() != null) {
                return p.getPort();
            }
        }
        for (EndpointPort p : ports) {
            if (p.getPort() != null) {
                return p.getPort();
            }
        }
        return settings.port();
    }

    private Deployment deployment(VariantKey variant) {
        return client.apps().deployments().inNamespace(settings.namespace()).withName(deploymentName(variant)).get();
    }

    /** spec.replicas; Kubernetes defaults a missing one to 1. */
    private static int replicasOf(Deployment d) {
        Integer r = d.getSpec() == null ? null : d.getSpec().getReplicas();
        return r == null ? 1 : r;
    }

    /** Read-modify-write of spec.replicas; callers hold {@link #lock}. Returns the new count. */
    private int changeReplicas(VariantKey variant, int delta) {
        Deployment d = deployment(variant);
        if (d == null) {
            throw missingDeployment(variant);
        }
        int replicas = Math.max(0, replicasOf(d) + delta);
        setReplicas(variant, replicas);
        return replicas;
    }

    private void setReplicas(VariantKey variant, int replicas) {
        client.apps().deployments().inNamespace(settings.namespace()).withName(deploymentName(variant))
                .edit(d -> new DeploymentBuilder(d).editOrNewSpec().withReplicas(replicas).endSpec().build());
    }

    private SluiceException missingDeployment(VariantKey variant) {
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "Deployment " + settings.namespace() + "/"
                + deploymentName(variant) + " does not exist; apply one (deploy/kubernetes/host-deployment.yaml) or "
                + "configure a Deployment template");
    }

    /** Creates the variant's Deployment (at 0 replicas) and headless Service from the template when missing. */
    private void ensureDeployment(VariantKey variant) {
        if (deployment(variant) != null) {
            return;
        }
        Deployment template = settings.template();
        if (template == null) {
            throw missingDeployment(variant);
        }
        String name = deploymentName(variant);
        Map<String, String> labels = labels(variant);
        Deployment created = new DeploymentBuilder(template)
                .editOrNewMetadata().withName(name).withNamespace(settings.namespace()).addToLabels(labels)
                .withResourceVersion(null).withUid(null).endMetadata()
                .editOrNewSpec().withReplicas(0)
                .withNewSelector().withMatchLabels(selector(variant)).endSelector()
                .editOrNewTemplate().editOrNewMetadata().addToLabels(labels).endMetadata().endTemplate()
                .endSpec().withStatus(null).build();
        if (created.getSpec().getTemplate().getSpec() != null) {
            List<Container> containers = new ArrayList<>();
            for (Container c : created.getSpec().getTemplate().getSpec().getContainers()) {
                List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
                env.add(new EnvVar("SLUICE_ENDPOINT", variant.endpointName(), null));
                env.add(new EnvVar("SLUICE_VARIANT", variant.variantName(), null));
                c.setEnv(env);
                containers.add(c);
            }
            created.getSpec().getTemplate().getSpec().setContainers(containers);
        }
        client.apps().deployments().inNamespace(settings.namespace()).resource(created).create();
        if (client.services().inNamespace(settings.namespace()).withName(name).get() == null) {
            Service service = new ServiceBuilder()
                    .withNewMetadata().withName(name).withNamespace(settings.namespace()).withLabels(labels).endMetadata()
                    // Headless: the gateway balances across pods itself (least outstanding requests), so it needs
                    // the pods' addresses, not a virtual IP.
                    .withNewSpec().withClusterIP("None").withSelector(selector(variant))
                    .addNewPort().withName(settings.portName()).withPort(settings.port())
                    .withTargetPort(new IntOrString(settings.portName())).endPort()
                    .endSpec().build();
            client.services().inNamespace(settings.namespace()).resource(service).create();
        }
        LOG.info("{}: created Deployment and Service {}/{} from the template", variant, settings.namespace(), name);
    }

    private static SluiceException asSluice(Throwable failure, String what) {
        SluiceException e = SluiceException.from(failure);
        if (e.code() != ErrorCode.INTERNAL_FAILURE) {
            return e;
        }
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, what + ": " + e.getMessage(), e.getCause());
    }
}
