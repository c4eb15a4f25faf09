package dev.sluice.gateway.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.S3Config;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantServerlessConfig;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantSummary;

/**
 * Serverless endpoints through the SDK: idle variants scale to zero, the next request starts them again (measured
 * as ModelSetupTime), and requests over MaxConcurrency are throttled at once.
 */
class ServerlessEndpointTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    static Path dir;
    static ControlPlaneHarness sdk;

    @BeforeAll
    static void start() throws Exception {
        sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"), S3Config.DEFAULT,
                new ControlPlane.Settings("us-east-1", "000000000000", Duration.ofMillis(100), Duration.ofMillis(100))
                        .withServerless(Duration.ofMillis(500), Duration.ofSeconds(60)));
    }

    @AfterAll
    static void stop() throws Exception {
        sdk.close();
    }

    private static ProductionVariant serverless(String model, int maxConcurrency, Integer provisioned) {
        return ProductionVariant.builder().variantName("AllTraffic").modelName(model)
                .serverlessConfig(ProductionVariantServerlessConfig.builder().memorySizeInMB(2048)
                        .maxConcurrency(maxConcurrency).provisionedConcurrency(provisioned).build())
                .build();
    }

    private static ProductionVariantSummary variant(String endpoint) {
        return sdk.sageMaker.describeEndpoint(b -> b.endpointName(endpoint)).productionVariants().get(0);
    }

    private static int awaitInstances(String endpoint, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int current = variant(endpoint).currentInstanceCount();
        while (current != count && System.nanoTime() < deadline) {
            Thread.sleep(50);
            current = variant(endpoint).currentInstanceCount();
        }
        return current;
    }

    private static String metrics() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sdk.server.adminPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void anIdleVariantScalesToZeroAndTheNextRequestStartsIt() throws Exception {
        sdk.createModel("sls-mlp", "sluice/onnx", OnnxFixtures.mlp(dir.resolve("mlp")));
        sdk.createConfig("sls-config", serverless("sls-mlp", 4, null));
        sdk.createEndpointAndWait("sls", "sls-config");
        assertThat(variant("sls").currentServerlessConfig().maxConcurrency()).isEqualTo(4);
        assertThat(sdk.invokeCsv("sls", "1,2,3,4", null).body().asUtf8String()).isNotBlank();

        // No requests for the idle timeout: the model is unloaded.
        assertThat(awaitInstances("sls", 0)).isZero();

        // The next request waits for a cold start and is answered.
        String answer = sdk.invokeCsv("sls", "1,2,3,4", null).body().asUtf8String();
        double[] expected = OnnxFixtures.mlpReference(new float[] {1, 2, 3, 4});
        assertThat(Double.parseDouble(answer.trim().split(",")[0]))
                .isCloseTo(expected[0], org.assertj.core.data.Offset.offset(1e-4));
        assertThat(variant("sls").currentInstanceCount()).isEqualTo(1);
        assertThat(metrics()).containsPattern(
                "sluice_model_setup_time_seconds_count\\{endpoint=\"sls\",variant=\"AllTraffic\"} 1\\b");
    }

    @Test
    void provisionedConcurrencyKeepsTheVariantWarm() throws Exception {
        sdk.createModel("warm-mlp", "sluice/onnx", OnnxFixtures.mlp(dir.resolve("warm")));
        sdk.createConfig("warm-config", serverless("warm-mlp", 2, 1));
        sdk.createEndpointAndWait("warm", "warm-config");
        sdk.invokeCsv("warm", "1,2,3,4", null);
        Thread.sleep(1500);
        assertThat(variant("warm").currentInstanceCount()).isEqualTo(1);
    }

    @Test
    void requestsOverMaxConcurrencyAreThrottledAtOnce() throws Exception {
        sdk.sageMaker.createModel(b -> b.modelName("sls-slow").primaryContainer(ContainerDefinition.builder()
                .image("sluice/onnx").modelDataUrl(OnnxFixtures.slow(dir.resolve("slow"), 24).toUri().toString())
                .environment(Map.of("SAGEMAKER_MODEL_SERVER_WORKERS", "1", "SLUICE_BATCHING", "false")).build()));
        sdk.createConfig("slow-config", serverless("sls-slow", 1, 1));
        sdk.createEndpointAndWait("slow", "slow-config");
        StringBuilder rows = new StringBuilder();
        for (int r = 0; r < 64; r++) {
            for (int c = 0; c < OnnxFixtures.SLOW_WIDTH; c++) {
                rows.append(c == 0 ? "" : ",").append(r % 7);
            }
            rows.append('\n');
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sdk.server.port()
                        + "/endpoints/slow/invocations")).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(rows.toString())).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        int throttled = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get(60, TimeUnit.SECONDS);
            if (response.statusCode() == 200) {
                ok++;
            } else {
                assertThat(response.statusCode()).isEqualTo(400);
                assertThat(response.body()).contains("ThrottlingException").contains("MaxConcurrency of 1");
                throttled++;
            }
        }
        assertThat(ok).isPositive();
        assertThat(throttled).isPositive();
        assertThat(ok + throttled).isEqualTo(6);
    }
}
