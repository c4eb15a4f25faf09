package dev.sluice.gateway.control;

import static dev.sluice.gateway.control.ControlPlaneHarness.variant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.autoscaler.AutoscalerSettings;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.applicationautoscaling.model.ObjectNotFoundException;
import software.amazon.awssdk.services.applicationautoscaling.model.PolicyType;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingActivity;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingActivityStatusCode;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.applicationautoscaling.model.ValidationException;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;

/**
 * Application Auto Scaling end to end, with real load: the unmodified AWS SDK client registers a variant whose
 * instances are child host processes and puts a target-tracking policy on it; a load step makes the variant grow,
 * and it shrinks again once the load drops, without a failed request.
 */
class AutoscalingEndToEndTest {
    private static final String RESOURCE = "endpoint/scaled/variant/AllTraffic";
    @TempDir
    static Path dir;
    static ControlPlaneHarness sdk;
    static ApplicationAutoScalingClient autoscaling;

    @BeforeAll
    static void start() throws Exception {
        // Ticks of 250 ms and short alarm windows: the policy logic itself is tested on a virtual clock in the
        // autoscaler module; here the point is the whole loop with real processes and real requests.
        sdk = new ControlPlaneHarness(dir.resolve("work"), dir.resolve("state"), S3Config.DEFAULT,
                new ControlPlane.Settings("us-east-1", "000000000000", Duration.ofMillis(100), Duration.ofMillis(250))
                        .withAutoscaling(AutoscalerSettings.DEFAULTS.withEvaluationInterval(Duration.ofMillis(250))
                                .withDatapoints(2, 2)));
        autoscaling = ApplicationAutoScalingClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + sdk.server.adminPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        autoscaling.close();
        sdk.close();
    }

    private static int instances() {
        return sdk.sageMaker.describeEndpoint(b -> b.endpointName("scaled")).productionVariants().get(0)
                .currentInstanceCount();
    }

    private static boolean await(java.util.function.BooleanSupplier condition, Duration bound)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    @Test
    void aLoadStepGrowsALocalProcessVariantAndItShrinksAfterwards() throws Exception {
        sdk.sageMaker.createModel(b -> b.modelName("scaled").primaryContainer(ContainerDefinition.builder()
                .image("sluice/onnx").modelDataUrl(OnnxFixtures.slow(dir.resolve("slow"), 16).toUri().toString())
                .environment(Map.of("SLUICE_INSTANCES", "local-process", "SAGEMAKER_MODEL_SERVER_WORKERS", "1",
                        "SLUICE_BATCHING", "false")).build()));
        sdk.createConfig("scaled-config", variant("AllTraffic", "scaled", 1, 1));
        sdk.createEndpointAndWait("scaled", "scaled-config");
        assertThat(instances()).isEqualTo(1);

        autoscaling.registerScalableTarget(b -> b.serviceNamespace(ServiceNamespace.SAGEMAKER).resourceId(RESOURCE)
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .minCapacity(1).maxCapacity(2));
        autoscaling.putScalingPolicy(b -> b.policyName("concurrency").serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(RESOURCE).scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .policyType(PolicyType.TARGET_TRACKING_SCALING)
                .targetTrackingScalingPolicyConfiguration(c -> c.targetValue(2.0).scaleOutCooldown(1)
                        .scaleInCooldown(1).predefinedMetricSpecification(m -> m.predefinedMetricType(
                                "SageMakerVariantConcurrentRequestsPerModelHighResolution"))));
        assertThat(autoscaling.describeScalableTargets(b -> b.serviceNamespace(ServiceNamespace.SAGEMAKER))
                .scalableTargets()).extracting(t -> t.resourceId()).containsExactly(RESOURCE);

        HttpClient http = HttpClient.newHttpClient();
        StringBuilder rows = new StringBuilder();
        for (int r = 0; r < 32; r++) {
            for (int c = 0; c < OnnxFixtures.SLOW_WIDTH; c++) {
                rows.append(c == 0 ? "" : ",").append((r + c) % 5);
            }
            rows.append('\n');
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sdk.server.port()
                        + "/endpoints/scaled/invocations")).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(rows.toString())).build();
        AtomicInteger clients = new AtomicInteger(6);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        Map<Integer, AtomicInteger> failures = new ConcurrentHashMap<>();
        ExecutorService load = Executors.newFixedThreadPool(6);
        for (int t = 0; t < 6; t++) {
            int client = t;
            load.execute(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
                while (running.get() && System.nanoTime() < deadline) {
                    if (client >= clients.get()) {
                        sleep(20);
                        continue;
                    }
                    try {
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.computeIfAbsent(response.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.computeIfAbsent(-1, k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            });
        }
        try {
            // The load step: six clients keep ~6 requests in flight against a target of 2 per instance.
            assertThat(await(() -> instances() == 2, Duration.ofSeconds(90))).as("scaled out").isTrue();
            int afterScaleOut = ok.get();
            Thread.sleep(1000);
            assertThat(ok.get()).isGreaterThan(afterScaleOut);
            // The load drops to one client: scale-in happens while requests still flow, and none of them fails.
            clients.set(1);
            assertThat(await(() -> instances() == 1, Duration.ofSeconds(90))).as("scaled in").isTrue();
            Thread.sleep(500);
        } finally {
            running.set(false);
            load.shutdown();
            assertThat(load.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(failures).as("failed requests by status").isEmpty();
        assertThat(ok.get()).isPositive();

        // The scale-in activity ends once the removed instance has drained and its process has exited.
        assertThat(await(() -> activities().stream().allMatch(a -> a.statusCode()
                == ScalingActivityStatusCode.SUCCESSFUL), Duration.ofSeconds(60))).as("activities done").isTrue();
        List<ScalingActivity> activities = activities();
        assertThat(activities).hasSizeGreaterThanOrEqualTo(2);
        // Newest first: the scale-in, after the scale-out, each saying from what to what.
        assertThat(activities.get(0).description()).isEqualTo("Setting desired instance count to 1.");
        assertThat(activities.get(0).details()).startsWith("from 2 to 1");
        assertThat(activities.get(activities.size() - 1).details()).startsWith("from 1 to 2");

        assertThatThrownBy(() -> autoscaling.registerScalableTarget(b -> b.serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId("endpoint/nope/variant/AllTraffic")
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .minCapacity(1).maxCapacity(2))).isInstanceOf(ValidationException.class);

        // Deleting the endpoint deregisters its scalable target.
        sdk.sageMaker.deleteEndpoint(b -> b.endpointName("scaled"));
        assertThat(await(() -> autoscaling.describeScalableTargets(b -> b.serviceNamespace(ServiceNamespace.SAGEMAKER))
                .scalableTargets().isEmpty(), Duration.ofSeconds(10))).isTrue();
        assertThatThrownBy(() -> autoscaling.deleteScalingPolicy(b -> b.policyName("concurrency")
                .serviceNamespace(ServiceNamespace.SAGEMAKER).resourceId(RESOURCE)
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)))
                .isInstanceOf(ObjectNotFoundException.class);
    }

    private static List<ScalingActivity> activities() {
        return new ArrayList<>(autoscaling.describeScalingActivities(b -> b.serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(RESOURCE)).scalingActivities());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
