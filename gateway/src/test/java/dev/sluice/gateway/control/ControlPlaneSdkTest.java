package dev.sluice.gateway.control;

import static dev.sluice.gateway.control.ControlPlaneHarness.variant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.tensor.DataType;
import dev.sluice.modelhost.testing.OnnxFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.services.sagemaker.model.AutoRollbackConfig;
import software.amazon.awssdk.services.sagemaker.model.Alarm;
import software.amazon.awssdk.services.sagemaker.model.BlueGreenUpdatePolicy;
import software.amazon.awssdk.services.sagemaker.model.CapacitySize;
import software.amazon.awssdk.services.sagemaker.model.CapacitySizeType;
import software.amazon.awssdk.services.sagemaker.model.DeploymentConfig;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DesiredWeightAndCapacity;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantSummary;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfig;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfigType;
import software.amazon.awssdk.services.sagemakerruntime.model.ValidationErrorException;

/**
 * The operator's path end to end with the real AWS SDK: models, endpoint configs, endpoints with weighted variants,
 * live weight and capacity changes under load, blue/green updates and a canary that rolls back.
 */
class ControlPlaneSdkTest {
    @TempDir
    static Path dir;
    static ControlPlaneHarness sdk;
    static Path mlp;
    static Path identity;
    static Path failing;

    @BeforeAll
    static void start() throws Exception {
        mlp = OnnxFixtures.mlp(dir.resolve("models"));
        identity = OnnxFixtures.identity(dir.resolve("models"), DataType.INT64);
        failing = OnnxFixtures.failing(dir.resolve("models"));
        sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sdk != null) {
            sdk.close();
        }
    }

    @Test
    void weightedVariantsSplitTrafficAndShiftLiveWithoutFailures() throws Exception {
        sdk.createModel("ab-a", "sluice/onnx", mlp);
        sdk.createModel("ab-b", "sluice/onnx", mlp);
        sdk.createConfig("ab-config", variant("A", "ab-a", 0.7, 1), variant("B", "ab-b", 0.3, 1));
        DescribeEndpointResponse described = sdk.createEndpointAndWait("ab", "ab-config");

        assertThat(described.endpointStatus()).isEqualTo(EndpointStatus.IN_SERVICE);
        assertThat(described.productionVariants()).extracting(ProductionVariantSummary::variantName,
                ProductionVariantSummary::currentWeight, ProductionVariantSummary::currentInstanceCount)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("A", 0.7f, 1),
                        org.assertj.core.groups.Tuple.tuple("B", 0.3f, 1));

        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(admin("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("sluice_variant_weight\\{endpoint=\"ab\",model=\"ab-a\",variant=\"A\"\\} 0\\.7")
                .containsPattern("sluice_variant_instances\\{endpoint=\"ab\",model=\"ab-b\",variant=\"B\"\\} 1\\.0");

        Map<String, Integer> split = countVariants("ab", 1000);
        assertThat(split.get("A") / 1000.0).isBetween(0.68, 0.72);
        assertThat(split.get("B") / 1000.0).isBetween(0.28, 0.32);

        assertThat(sdk.invokeCsv("ab", "1,2,3,4", "B").invokedProductionVariant()).isEqualTo("B");
        assertThatThrownBy(() -> sdk.invokeCsv("ab", "1,2,3,4", "C"))
                .isInstanceOf(ValidationErrorException.class).hasMessageContaining("C");

        // Shift everything to B while clients keep sending: no request may fail across the change.
        try (Load load = new Load(sdk.server.port(), "ab", "1,2,3,4", 4)) {
            load.awaitRequests(200);
            sdk.sageMaker.updateEndpointWeightsAndCapacities(b -> b.endpointName("ab").desiredWeightsAndCapacities(
                    DesiredWeightAndCapacity.builder().variantName("A").desiredWeight(0f).build(),
                    DesiredWeightAndCapacity.builder().variantName("B").desiredWeight(1f).build()));
            long before = load.ok.get();
            load.awaitRequests(before + 2000);
            load.stop();
            assertThat(load.ok.get()).isGreaterThan(before + 1000);
            assertThat(load.failures.get()).as("failed requests across the weight change: %s", load.lastFailure)
                    .isZero();
        }
        assertThat(countVariants("ab", 200)).containsOnlyKeys("B");
        String after = HttpClient.newHttpClient().send(HttpRequest.newBuilder(admin("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(after).containsPattern("sluice_variant_weight\\{endpoint=\"ab\",model=\"ab-a\",variant=\"A\"\\} 0\\.0")
                .containsPattern("sluice_invocations_total\\{endpoint=\"ab\",model=\"ab-b\",variant=\"B\"\\} \\d+")
                .contains("sluice_instance_invocations_total{endpoint=\"ab\",instance=\"B-0\"");

        // Capacity: a second instance for B, live.
        sdk.sageMaker.updateEndpointWeightsAndCapacities(b -> b.endpointName("ab").desiredWeightsAndCapacities(
                DesiredWeightAndCapacity.builder().variantName("B").desiredInstanceCount(2).build()));
        DescribeEndpointResponse resized = sdk.awaitInService("ab");
        assertThat(resized.productionVariants()).filteredOn(v -> v.variantName().equals("B"))
                .extracting(ProductionVariantSummary::currentInstanceCount).containsExactly(2);
        assertThat(countVariants("ab", 100)).containsOnlyKeys("B");

        sdk.sageMaker.deleteEndpoint(b -> b.endpointName("ab"));
        WaiterResponse<?> deleted = sdk.waiter.waitUntilEndpointDeleted(b -> b.endpointName("ab"));
        assertThat(deleted.matched().exception()).isPresent();
        assertThatThrownBy(() -> sdk.invokeCsv("ab", "1,2,3,4", null)).isInstanceOf(ValidationErrorException.class);
    }

    @Test
    void canaryWithABadModelRollsBackToTheOldFleet() throws Exception {
        sdk.createModel("canary-good", "sluice/onnx", identity);
        sdk.createModel("canary-bad", "sluice/onnx", failing);
        sdk.createConfig("canary-good-config", variant("AllTraffic", "canary-good", 1, 2));
        sdk.createConfig("canary-bad-config", variant("AllTraffic", "canary-bad", 1, 2));
        sdk.createEndpointAndWait("canary", "canary-good-config");

        try (Load load = new Load(sdk.server.port(), "canary", "5", 2)) {
            load.awaitRequests(50);
            sdk.sageMaker.updateEndpoint(b -> b.endpointName("canary").endpointConfigName("canary-bad-config")
                    .deploymentConfig(DeploymentConfig.builder()
                            .blueGreenUpdatePolicy(BlueGreenUpdatePolicy.builder()
                                    .trafficRoutingConfiguration(TrafficRoutingConfig.builder()
                                            .type(TrafficRoutingConfigType.CANARY).waitIntervalInSeconds(30)
                                            .canarySize(CapacitySize.builder().type(CapacitySizeType.INSTANCE_COUNT)
                                                    .value(1).build()).build())
                                    .terminationWaitInSeconds(0).build())
                            .autoRollbackConfiguration(AutoRollbackConfig.builder().alarms(Alarm.builder()
                                    .alarmName("sluice:InvocationModelErrorRate>0.1@3").build()).build())
                            .build()));
            DescribeEndpointResponse rolledBack = awaitStable("canary");
            load.stop();
            assertThat(rolledBack.endpointStatus()).isEqualTo(EndpointStatus.IN_SERVICE);
            assertThat(rolledBack.endpointConfigName()).isEqualTo("canary-good-config");
            assertThat(rolledBack.failureReason()).contains("Rolled back").contains("InvocationModelErrorRate");
            // Only the canary's share failed (the bad model's own errors), never because of the shift itself.
            assertThat(load.failures.get()).isPositive();
            assertThat((long) load.failures.get()).isLessThan(load.ok.get());
        }
        // After the rollback every request is served by the old fleet again.
        for (int i = 0; i < 50; i++) {
            assertThat(sdk.invokeCsv("canary", "5", null).body().asUtf8String().trim()).isEqualTo("5");
        }
    }

    @Test
    void blueGreenAllAtOnceMovesToTheNewConfigWithoutFailures() throws Exception {
        sdk.createModel("bg-old", "sluice/onnx", identity);
        sdk.createModel("bg-new", "sluice/onnx", mlp);
        sdk.createConfig("bg-old-config", variant("Old", "bg-old", 1, 1));
        sdk.createConfig("bg-new-config", variant("New", "bg-new", 1, 1));
        sdk.createEndpointAndWait("bluegreen", "bg-old-config");
        // Both models accept a CSV row of 4 numbers (identity is [batch, ?]), so clients see no difference.
        try (Load load = new Load(sdk.server.port(), "bluegreen", "1,2,3,4", 4)) {
            load.awaitRequests(100);
            sdk.sageMaker.updateEndpoint(b -> b.endpointName("bluegreen").endpointConfigName("bg-new-config")
                    .deploymentConfig(DeploymentConfig.builder().blueGreenUpdatePolicy(BlueGreenUpdatePolicy
                            .builder().trafficRoutingConfiguration(TrafficRoutingConfig.builder()
                                    .type(TrafficRoutingConfigType.ALL_AT_ONCE).waitIntervalInSeconds(1).build())
                            .terminationWaitInSeconds(1).build()).build()));
            DescribeEndpointResponse updated = awaitStable("bluegreen");
            load.awaitRequests(load.ok.get() + 100);
            load.stop();
            assertThat(updated.endpointConfigName()).isEqualTo("bg-new-config");
            assertThat(updated.failureReason()).isNull();
            assertThat(load.failures.get()).as("last failure: %s", load.lastFailure).isZero();
        }
        assertThat(countVariants("bluegreen", 50)).containsOnlyKeys("New");
    }

    @Test
    void anEndpointWhoseModelCannotLoadFailsWithAReason() {
        sdk.createModel("broken", "sluice/onnx", dir.resolve("no-such-model.onnx"));
        sdk.createConfig("broken-config", variant("AllTraffic", "broken", 1, 1));
        sdk.sageMaker.createEndpoint(b -> b.endpointName("broken").endpointConfigName("broken-config"));
        assertThatThrownBy(() -> sdk.awaitInService("broken"))
                .hasMessageContaining("transitioned the waiter to failure state");
        DescribeEndpointResponse failed = sdk.sageMaker.describeEndpoint(b -> b.endpointName("broken"));
        assertThat(failed.endpointStatus()).isEqualTo(EndpointStatus.FAILED);
        assertThat(failed.failureReason()).contains("no-such-model.onnx");
    }

    @Test
    void validationErrorsUseSageMakerErrorTypes() {
        assertThatThrownBy(() -> sdk.sageMaker.describeEndpoint(b -> b.endpointName("nope")))
                .isInstanceOfSatisfying(SageMakerException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).contains("Could not find endpoint");
                });
        assertThatThrownBy(() -> sdk.createModel("bad-image", "nginx:latest", mlp))
                .isInstanceOfSatisfying(SageMakerException.class, e ->
                        assertThat(e.awsErrorDetails().errorMessage()).contains("Image").contains("sluice/onnx"));
        assertThatThrownBy(() -> sdk.createConfig("orphan-config", variant("A", "no-such-model", 1, 1)))
                .isInstanceOfSatisfying(SageMakerException.class, e ->
                        assertThat(e.awsErrorDetails().errorMessage()).contains("Could not find model"));
        sdk.createModel("dup", "sluice/onnx", mlp);
        assertThatThrownBy(() -> sdk.createModel("dup", "sluice/onnx", mlp))
                .isInstanceOfSatisfying(SageMakerException.class, e ->
                        assertThat(e.awsErrorDetails().errorMessage()).contains("already existing model"));
    }

    @Test
    void unknownOperationsAndMalformedBodiesGetAwsJsonErrors() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(admin("/"))
                .header("X-Amz-Target", "SageMaker.CreateTrainingJob")
                .header("Content-Type", "application/x-amz-json-1.1")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.headers().firstValue("x-amzn-ErrorType")).hasValue("UnknownOperationException");
        assertThat(unknown.body()).contains("CreateTrainingJob");

        HttpResponse<String> malformed = http.send(HttpRequest.newBuilder(admin("/"))
                .header("X-Amz-Target", "SageMaker.CreateModel")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ModelName\":")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("SerializationException");
    }

    @Test
    void listsPageThroughResources() {
        for (int i = 0; i < 5; i++) {
            sdk.createModel("listed-" + i, "sluice/onnx", mlp);
        }
        var first = sdk.sageMaker.listModels(b -> b.nameContains("listed-").maxResults(3)
                .sortBy("Name").sortOrder("Ascending"));
        assertThat(first.models()).extracting(m -> m.modelName()).containsExactly("listed-0", "listed-1", "listed-2");
        var second = sdk.sageMaker.listModels(b -> b.nameContains("listed-").maxResults(3)
                .sortBy("Name").sortOrder("Ascending").nextToken(first.nextToken()));
        assertThat(second.models()).extracting(m -> m.modelName()).containsExactly("listed-3", "listed-4");
        assertThat(second.nextToken()).isNull();
    }

    private static URI admin(String path) {
        return URI.create("http://127.0.0.1:" + sdk.server.adminPort() + path);
    }

    /** Polls DescribeEndpoint until the endpoint leaves Updating/RollingBack (bounded). */
    private static DescribeEndpointResponse awaitStable(String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            DescribeEndpointResponse d = sdk.sageMaker.describeEndpoint(b -> b.endpointName(name));
            if (d.endpointStatus() == EndpointStatus.IN_SERVICE || d.endpointStatus() == EndpointStatus.FAILED) {
                return d;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("endpoint " + name + " did not settle");
    }

    private static Map<String, Integer> countVariants(String endpoint, int requests) {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(sdk.invokeCsv(endpoint, "1,2,3,4", null).invokedProductionVariant(), 1, Integer::sum);
        }
        return counts;
    }

    /** Closed-loop clients on loopback, bounded in time (60 s) so a hung server cannot hang the build. */
    static final class Load implements AutoCloseable {
        final AtomicLong ok = new AtomicLong();
        final AtomicInteger failures = new AtomicInteger();
        final Map<String, Integer> variants = new ConcurrentHashMap<>();
        volatile String lastFailure;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads;

        Load(int port, String endpoint, String csv, int clients) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/endpoints/"
                    + endpoint + "/invocations")).header("Content-Type", "text/csv").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(csv)).build();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Function<Integer, Thread> client = i -> Thread.ofPlatform().name("load-" + i).start(() -> {
                while (running.get() && System.nanoTime() < deadline) {
                    try {
                        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                            r.headers().firstValue("x-Amzn-Invoked-Production-Variant")
                                    .ifPresent(v -> variants.merge(v, 1, Integer::sum));
                        } else {
                            failures.incrementAndGet();
                            lastFailure = r.statusCode() + " " + r.body();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        lastFailure = e.toString();
                    }
                }
            });
            threads = java.util.stream.IntStream.range(0, clients).mapToObj(client::apply).toList();
        }

        void awaitRequests(long count) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ok.get() + failures.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(15_000);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
