package dev.sluice.gateway.control;

import static dev.sluice.gateway.control.ControlPlaneHarness.variant;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DesiredWeightAndCapacity;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantSummary;

/** State survives a restart; shadow variants and remote containers work through the same control plane. */
class ControlPlanePersistenceTest {
    @TempDir
    Path dir;

    @Test
    void endpointsServeAgainAfterARestartWithTheirWeights() throws Exception {
        Path mlp = OnnxFixtures.mlp(dir.resolve("models"));
        Path state = dir.resolve("state");
        try (ControlPlaneHarness first = new ControlPlaneHarness(dir.resolve("work1"), state)) {
            first.createModel("persist-a", "sluice/onnx", mlp);
            first.createModel("persist-b", "sluice/onnx", mlp);
            first.createConfig("persist-config", variant("A", "persist-a", 1, 1), variant("B", "persist-b", 1, 1));
            first.createEndpointAndWait("persist", "persist-config");
            first.sageMaker.updateEndpointWeightsAndCapacities(b -> b.endpointName("persist")
                    .desiredWeightsAndCapacities(DesiredWeightAndCapacity.builder().variantName("A")
                            .desiredWeight(0f).build()));
            first.awaitInService("persist");
        }
        try (ControlPlaneHarness second = new ControlPlaneHarness(dir.resolve("work2"), state)) {
            DescribeEndpointResponse restored = second.awaitInService("persist");
            assertThat(restored.endpointConfigName()).isEqualTo("persist-config");
            assertThat(restored.productionVariants()).extracting(ProductionVariantSummary::variantName,
                    ProductionVariantSummary::currentWeight).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("A", 0f), org.assertj.core.groups.Tuple.tuple("B", 1f));
            for (int i = 0; i < 20; i++) {
                assertThat(second.invokeCsv("persist", "1,2,3,4", null).invokedProductionVariant()).isEqualTo("B");
            }
            assertThat(second.sageMaker.describeModel(b -> b.modelName("persist-a")).primaryContainer().image())
                    .isEqualTo("sluice/onnx");
            assertThat(second.sageMaker.listEndpointConfigs(b -> b.nameContains("persist")).endpointConfigs())
                    .hasSize(1);
        }
    }

    @Test
    void shadowVariantGetsACopyAndReportsDifferences() throws Exception {
        Path mlp = OnnxFixtures.mlp(dir.resolve("models"));
        Path identity = OnnxFixtures.identity(dir.resolve("models"), dev.sluice.core.tensor.DataType.FP32);
        try (ControlPlaneHarness sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"))) {
            sdk.createModel("prod", "sluice/onnx", mlp);
            sdk.createModel("shadow", "sluice/onnx", identity);
            sdk.sageMaker.createEndpointConfig(b -> b.endpointConfigName("shadowed")
                    .productionVariants(variant("Production", "prod", 1, 1))
                    .shadowProductionVariants(ProductionVariant.builder().variantName("Shadow").modelName("shadow")
                            .initialInstanceCount(1).initialVariantWeight(1f).build()));
            sdk.createEndpointAndWait("shadowed", "shadowed");
            for (int i = 0; i < 40; i++) {
                assertThat(sdk.invokeCsv("shadowed", "1,2,3,4", null).invokedProductionVariant())
                        .isEqualTo("Production");
            }
            JsonNode report = awaitReport(sdk, "shadowed", 40);
            assertThat(report.get("productionVariant").asText()).isEqualTo("Production");
            assertThat(report.get("shadowVariant").asText()).isEqualTo("Shadow");
            // The shadow is a different model (identity vs MLP): every compared response differs.
            assertThat(report.get("differing").asLong()).isEqualTo(report.get("compared").asLong());
            assertThat(report.get("shadowErrors").asLong()).isZero();
        }
    }

    @Test
    void aRemoteContainerServesAsAVariantInstance() throws Exception {
        Path mlp = OnnxFixtures.mlp(dir.resolve("models"));
        ServerConfig remoteConfig = new ServerConfig("127.0.0.1", 0, 0, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(5), List.of(ModelConfig.tensor("remote-mlp", mlp.toString())));
        try (SluiceServer remote = SluiceServer.start(remoteConfig, dir.resolve("remote-work"));
             ControlPlaneHarness sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"))) {
            remote.modelsLoaded().get(60, TimeUnit.SECONDS);
            sdk.createModel("remote", "http://127.0.0.1:" + remote.port(), null);
            sdk.createConfig("remote-config", variant("Remote", "remote", 1, 1));
            sdk.createEndpointAndWait("remote", "remote-config");
            var response = sdk.invokeCsv("remote", "1,2,3,4", null);
            assertThat(response.invokedProductionVariant()).isEqualTo("Remote");
            double[] expected = OnnxFixtures.mlpReference(new float[] {1, 2, 3, 4});
            String[] values = response.body().asUtf8String().trim().split(",");
            assertThat(Double.parseDouble(values[0])).isCloseTo(expected[0], org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    private static JsonNode awaitReport(ControlPlaneHarness sdk, String endpoint, long compared) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + sdk.server.adminPort() + "/endpoints/" + endpoint
                + "/shadow-report");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode report = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            report = new ObjectMapper().readTree(r.body());
            if (report.get("compared").asLong() >= compared) {
                return report;
            }
            Thread.sleep(50);
        }
        return report;
    }
}
