package dev.sluice.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.SluiceException;
import dev.sluice.variants.Scheduler;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against fabric8's Kubernetes mock server in CRUD mode: it stores what is created and patched, so Deployments,
 * pods and EndpointSlices behave like an API server with no controllers. The test plays the controllers' part by
 * writing EndpointSlices itself.
 *
 * <p>Ordering without sleeps: the provider runs every Kubernetes call on one thread, so a {@code replicas()} call
 * made right after {@code add()} completes only after add's scale-out (and its snapshot of ready endpoints) did.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesCapacityProviderTest {
    private static final String NAMESPACE = "sluice";
    private static final VariantKey VARIANT = new VariantKey("scoring", "AllTraffic");
    private static final String NAME = "sluice-scoring-alltraffic";
    private static final long WAIT_SECONDS = 20;

    KubernetesClient client;
    private ExecutorService kubernetes;
    private ScheduledExecutorService timer;

    @BeforeEach
    void setUp() {
        kubernetes = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-kubernetes"));
        timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-kubernetes-timer"));
    }

    @AfterEach
    void tearDown() {
        kubernetes.shutdownNow();
        timer.shutdownNow();
    }

    private KubernetesCapacityProvider provider(KubernetesSettings settings) {
        return new KubernetesCapacityProvider(client, settings, Scheduler.system(timer), kubernetes);
    }

    private KubernetesSettings settings() {
        return KubernetesSettings.of(NAMESPACE).withTimings(Duration.ofSeconds(WAIT_SECONDS), Duration.ofMillis(20),
                Duration.ofSeconds(WAIT_SECONDS));
    }

    private void deployment(int replicas) {
        client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(NAME).withNamespace(NAMESPACE).withLabels(KubernetesCapacityProvider.labels(VARIANT)).endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec().build()).create();
    }

    private int replicas() {
        return client.apps().deployments().inNamespace(NAMESPACE).withName(NAME).get().getSpec().getReplicas();
    }

    private static Endpoint endpoint(String pod, String address, Boolean ready, Boolean terminating) {
        EndpointBuilder b = new EndpointBuilder().withAddresses(address)
                .withNewTargetRef().withKind("Pod").withName(pod).withNamespace(NAMESPACE).endTargetRef();
        if (ready != null || terminating != null) {
            b.withNewConditions().withReady(ready).withTerminating(terminating).endConditions();
        }
        return b.build();
    }

    private void slice(String name, String service, int port, Endpoint... endpoints) {
        EndpointSlice slice = new EndpointSliceBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE)
                .addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4").withEndpoints(endpoints)
                .addNewPort().withName("http").withPort(port).withProtocol("TCP").endPort().build();
        client.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(slice).createOr(r -> r.update());
    }

    @Test
    void discoversReadyEndpointsFromTheVariantsEndpointSlices() throws Exception {
        slice(NAME + "-abc", NAME, 9000,
                endpoint("pod-a", "10.0.0.1", true, false),
                endpoint("pod-b", "10.0.0.2", false, false),
                endpoint("pod-c", "10.0.0.3", true, true),
                endpoint("pod-d", "10.0.0.4", null, null));
        slice("other-xyz", "sluice-other-variant", 9000, endpoint("pod-z", "10.0.9.9", true, false));

        List<Instance> instances = provider(settings()).instances(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS);

        // Not ready and terminating endpoints are no instances; a missing "ready" means ready (the API's rule).
        assertThat(instances).containsExactly(
                new Instance.Remote("pod/pod-a", VARIANT, URI.create("http://10.0.0.1:9000")),
                new Instance.Remote("pod/pod-d", VARIANT, URI.create("http://10.0.0.4:9000")));
    }

    @Test
    void scaleOutPatchesReplicasAndAdmitsTheNewEndpointOnlyOnceReady() throws Exception {
        deployment(1);
        slice(NAME + "-abc", NAME, 8080, endpoint("pod-a", "10.0.0.1", true, false),
                endpoint("pod-b", "10.0.0.2", false, false));
        KubernetesCapacityProvider provider = provider(settings());

        CompletableFuture<Instance> added = provider.add(VARIANT);
        assertThat(provider.replicas(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(replicas()).isEqualTo(2);
        // pod-b is there but not ready: a barrier through the provider's thread, and still nothing admitted.
        provider.instances(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(added).isNotDone();

        slice(NAME + "-abc", NAME, 8080, endpoint("pod-a", "10.0.0.1", true, false),
                endpoint("pod-b", "10.0.0.2", true, false));

        assertThat(added.get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isEqualTo(new Instance.Remote("pod/pod-b", VARIANT, URI.create("http://10.0.0.2:8080")));
    }

    @Test
    void aReplicaThatNeverBecomesReadyIsTakenBack() {
        deployment(0);
        slice(NAME + "-abc", NAME, 8080, endpoint("pod-a", "10.0.0.1", false, false));
        KubernetesCapacityProvider provider = provider(KubernetesSettings.of(NAMESPACE)
                .withTimings(Duration.ofMillis(300), Duration.ofMillis(20), Duration.ZERO));

        assertThatThrownBy(() -> provider.add(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SluiceException.class)
                .hasMessageContaining("no new ready endpoint for Deployment sluice/sluice-scoring-alltraffic within 300 ms; "
                        + "the replica was taken back");
        assertThat(replicas()).isZero();
    }

    @Test
    void scaleInWaitsForTheDrainThenMarksThePodAndScalesDown() throws Exception {
        deployment(2);
        for (String pod : List.of("pod-a", "pod-b")) {
            client.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName(pod)
                    .withNamespace(NAMESPACE).endMetadata().build()).create();
        }
        KubernetesCapacityProvider provider = provider(settings());
        Instance podA = new Instance.Remote("pod/pod-a", VARIANT, URI.create("http://10.0.0.1:8080"));
        CompletableFuture<Void> drained = new CompletableFuture<>();

        CompletableFuture<Void> removed = provider.remove(podA, drained);
        assertThat(provider.replicas(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(removed).isNotDone();

        drained.complete(null);
        removed.get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(replicas()).isEqualTo(1);
        assertThat(client.pods().inNamespace(NAMESPACE).withName("pod-a").get().getMetadata().getAnnotations())
                .containsEntry("controller.kubernetes.io/pod-deletion-cost", "-2147483648");
        assertThat(client.pods().inNamespace(NAMESPACE).withName("pod-b").get().getMetadata().getAnnotations())
                .isNullOrEmpty();
    }

    @Test
    void aMissingDeploymentWithoutATemplateFailsWithWhatToDo() {
        assertThatThrownBy(() -> provider(settings()).add(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS))
                .cause().hasMessage("Deployment sluice/sluice-scoring-alltraffic does not exist; apply one "
                        + "(deploy/kubernetes/host-deployment.yaml) or configure a Deployment template");
    }

    @Test
    void createsTheDeploymentAndHeadlessServiceFromTheTemplate() throws Exception {
        Deployment template = new DeploymentBuilder().withNewMetadata().withName("template").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("host")
                .withImage("ghcr.io/example/sluice:latest")
                .withArgs("host", "--port", "8080", "--model", "$(SLUICE_VARIANT)=/models/$(SLUICE_ENDPOINT)")
                .endContainer().endSpec().endTemplate().endSpec().build();
        KubernetesCapacityProvider provider = provider(settings().withTemplate(template));

        CompletableFuture<Instance> added = provider.add(VARIANT);
        assertThat(provider.replicas(VARIANT).get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(1);
        slice(NAME + "-abc", NAME, 8080, endpoint("pod-a", "10.0.0.1", true, false));
        assertThat(added.get(WAIT_SECONDS, TimeUnit.SECONDS).id()).isEqualTo("pod/pod-a");

        Deployment created = client.apps().deployments().inNamespace(NAMESPACE).withName(NAME).get();
        assertThat(created.getMetadata().getLabels()).containsEntry("sluice.dev/endpoint", "scoring")
                .containsEntry("sluice.dev/variant", "AllTraffic").containsEntry("app.kubernetes.io/managed-by", "sluice");
        assertThat(created.getSpec().getSelector().getMatchLabels()).containsEntry("sluice.dev/variant", "AllTraffic")
                .doesNotContainKey("app.kubernetes.io/managed-by");
        assertThat(created.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("sluice.dev/variant",
                "AllTraffic");
        assertThat(created.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .contains(new EnvVar("SLUICE_ENDPOINT", "scoring", null), new EnvVar("SLUICE_VARIANT", "AllTraffic", null));
        Service service = client.services().inNamespace(NAMESPACE).withName(NAME).get();
        assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(service.getSpec().getSelector()).isEqualTo(created.getSpec().getSelector().getMatchLabels());
        assertThat(service.getSpec().getPorts().get(0).getName()).isEqualTo("http");
    }

    /** The example manifests must be what the provider looks for, and the Role must allow what it does. */
    @Test
    void theExampleManifestsMatchTheProvidersNamesAndNeeds() throws Exception {
        List<HasMetadata> host;
        List<HasMetadata> gateway;
        try (InputStream in = Files.newInputStream(Path.of("../deploy/kubernetes/host-deployment.yaml"));
             InputStream in2 = Files.newInputStream(Path.of("../deploy/kubernetes/gateway.yaml"))) {
            host = client.load(in).items();
            gateway = client.load(in2).items();
        }
        Deployment deployment = (Deployment) host.stream().filter(Deployment.class::isInstance).findFirst().orElseThrow();
        Service service = (Service) host.stream().filter(Service.class::isInstance).findFirst().orElseThrow();
        assertThat(deployment.getMetadata().getName()).isEqualTo(KubernetesCapacityProvider.deploymentName(VARIANT));
        assertThat(deployment.getMetadata().getLabels()).isEqualTo(KubernetesCapacityProvider.labels(VARIANT));
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(KubernetesCapacityProvider.labels(VARIANT));
        assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(service.getSpec().getSelector());
        assertThat(KubernetesCapacityProvider.labels(VARIANT)).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getMetadata().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(service.getSpec().getPorts().get(0).getName()).isEqualTo(KubernetesSettings.DEFAULT_PORT_NAME);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe()
                .getHttpGet().getPath()).isEqualTo("/ping");

        Role role = (Role) gateway.stream().filter(Role.class::isInstance).findFirst().orElseThrow();
        assertThat(verbs(role, "apps", "deployments")).contains("get", "patch", "create");
        assertThat(verbs(role, "discovery.k8s.io", "endpointslices")).contains("list", "watch");
        assertThat(verbs(role, "", "pods")).contains("get", "patch");
        assertThat(verbs(role, "", "services")).contains("get", "create");

        // Applied as they are, the provider scales them.
        client.apps().deployments().inNamespace(NAMESPACE).resource(deployment).create();
        provider(settings()).scale(VARIANT, 3).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(replicas()).isEqualTo(3);
    }

    private static List<String> verbs(Role role, String apiGroup, String resource) {
        return role.getRules().stream().filter(r -> r.getApiGroups().contains(apiGroup)
                && r.getResources().contains(resource)).flatMap(r -> r.getVerbs().stream()).toList();
    }

    @Test
    void deploymentNamesAreDnsLabels() {
        assertThat(KubernetesCapacityProvider.deploymentName(VARIANT)).isEqualTo(NAME);
        String longName = "a".repeat(63);
        String name = KubernetesCapacityProvider.deploymentName(new VariantKey(longName, "variant-" + "b".repeat(50)));
        assertThat(name).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").startsWith("sluice-aaa");
        assertThat(name).isNotEqualTo(KubernetesCapacityProvider.deploymentName(
                new VariantKey(longName, "variant-" + "c".repeat(50))));
    }
}
