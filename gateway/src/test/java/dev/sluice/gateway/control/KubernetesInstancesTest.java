package dev.sluice.gateway.control;

import static dev.sluice.gateway.control.ControlPlaneHarness.variant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.autoscaler.KubernetesCapacityProvider;
import dev.sluice.autoscaler.VariantKey;
import dev.sluice.gateway.control.RemoteAndMultiModelVariantsTest.ThirdPartyContainer;
import dev.sluice.modelhost.testing.OnnxFixtures;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;

/**
 * {@code SLUICE_INSTANCES=kubernetes}: an endpoint whose instances are pods of the variant's Deployment, against
 * fabric8's mock API server (which has no controllers: the test plays the EndpointSlice controller's part and points
 * the "pod" at a real container contract server on loopback).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesInstancesTest {
    private static final String NAMESPACE = "sluice";
    private static final VariantKey VARIANT = new VariantKey("k8s", "AllTraffic");

    KubernetesClient client;
    @TempDir
    Path dir;

    private int replicas(String name) {
        return client.apps().deployments().inNamespace(NAMESPACE).withName(name).get().getSpec().getReplicas();
    }

    @Test
    void anEndpointScalesTheVariantsDeploymentAndRoutesToItsReadyPod() throws Exception {
        String name = KubernetesCapacityProvider.deploymentName(VARIANT);
        client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE)
                .withLabels(KubernetesCapacityProvider.labels(VARIANT)).endMetadata()
                .withNewSpec().withReplicas(0).endSpec().build()).create();
        try (ControlPlaneHarness sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"));
             ThirdPartyContainer pod = new ThirdPartyContainer("pod", 0)) {
            sdk.sageMaker.createModel(b -> b.modelName("k8s").primaryContainer(ContainerDefinition.builder()
                    .image("sluice/onnx").modelDataUrl(OnnxFixtures.mlp(dir.resolve("m")).toString())
                    .environment(Map.of("SLUICE_INSTANCES", "kubernetes", "SLUICE_KUBERNETES_NAMESPACE", NAMESPACE,
                            "SLUICE_KUBERNETES_MASTER", client.getConfiguration().getMasterUrl())).build()));
            sdk.createConfig("k8s-config", variant("AllTraffic", "k8s", 1, 1));
            sdk.sageMaker.createEndpoint(b -> b.endpointName("k8s").endpointConfigName("k8s-config"));

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (replicas(name) != 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(replicas(name)).as("the Deployment was scaled out").isEqualTo(1);
            // The EndpointSlice controller's part: the new pod is ready at the container server's address.
            client.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(new EndpointSliceBuilder()
                    .withNewMetadata().withName(name + "-abc").withNamespace(NAMESPACE)
                    .addToLabels("kubernetes.io/service-name", name).endMetadata()
                    .withAddressType("IPv4").withEndpoints(new EndpointBuilder().withAddresses("127.0.0.1")
                            .withNewConditions().withReady(true).endConditions()
                            .withNewTargetRef().withKind("Pod").withName(name + "-pod-1").withNamespace(NAMESPACE)
                            .endTargetRef().build())
                    .addNewPort().withName("http").withPort(pod.port).withProtocol("TCP").endPort().build()).create();

            sdk.awaitInService("k8s");
            String answer = sdk.runtime.invokeEndpoint(b -> b.endpointName("k8s").contentType("text/plain")
                    .body(SdkBytes.fromUtf8String("hello"))).body().asUtf8String();
            assertThat(answer).isEqualTo("pod:hello");

            // Deleting the endpoint drains the pod's instance and scales the Deployment back down.
            sdk.sageMaker.deleteEndpoint(b -> b.endpointName("k8s"));
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (replicas(name) != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(replicas(name)).as("scaled back in").isZero();
        }
    }
}
