package dev.sluice.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.autoscaler.testing.FakeFleet;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.ManualScheduler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.applicationautoscaling.model.AdjustmentType;
import software.amazon.awssdk.services.applicationautoscaling.model.DescribeScalingActivitiesResponse;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricType;
import software.amazon.awssdk.services.applicationautoscaling.model.ObjectNotFoundException;
import software.amazon.awssdk.services.applicationautoscaling.model.PolicyType;
import software.amazon.awssdk.services.applicationautoscaling.model.PutScalingPolicyResponse;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableTarget;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingActivity;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingActivityStatusCode;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.applicationautoscaling.model.ValidationException;

/**
 * The unmodified AWS SDK for Java v2 Application Auto Scaling client against {@link ApplicationAutoScalingService},
 * behind a JDK HTTP server that routes {@code X-Amz-Target: AnyScaleFrontendService.<Op>} the way the gateway's
 * admin port does and writes errors in the gateway's shape ({@code __type}, {@code x-amzn-ErrorType}).
 */
class ApplicationAutoScalingSdkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final String RESOURCE = "endpoint/scoring/variant/AllTraffic";

    private ManualScheduler clock;
    private Autoscaler autoscaler;
    private FakeFleet fleet;
    private HttpServer server;
    private ApplicationAutoScalingClient client;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        clock = new ManualScheduler(START);
        autoscaler = new Autoscaler(clock, AutoscalerSettings.DEFAULTS);
        autoscaler.start();
        fleet = new FakeFleet(clock, 1);
        VariantKey variant = new VariantKey("scoring", "AllTraffic");
        ApplicationAutoScalingService service = new ApplicationAutoScalingService(autoscaler,
                key -> key.equals(variant) ? Optional.of(new ResourceResolver.ScalableResource(fleet, fleet))
                        : Optional.empty());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> route(exchange, service));
        server.start();
        client = ApplicationAutoScalingClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("sluice", "sluice")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    @AfterEach
    void tearDown() {
        client.close();
        server.stop(0);
        autoscaler.close();
    }

    private void route(HttpExchange exchange, ApplicationAutoScalingService service) throws IOException {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        byte[] body = exchange.getRequestBody().readAllBytes();
        requests.add(target + " " + new String(body, java.nio.charset.StandardCharsets.UTF_8));
        int status;
        byte[] answer;
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        try {
            assertThat(exchange.getRequestHeaders().getFirst("Content-Type")).isEqualTo("application/x-amz-json-1.1");
            assertThat(target).startsWith(ApplicationAutoScalingService.TARGET_PREFIX);
            JsonNode response = service.handle(target.substring(ApplicationAutoScalingService.TARGET_PREFIX.length()),
                    JSON.readTree(body));
            status = 200;
            answer = JSON.writeValueAsBytes(response);
        } catch (SluiceException e) {
            status = e.code().httpStatus();
            exchange.getResponseHeaders().set("x-amzn-ErrorType", e.code().type());
            answer = JSON.writeValueAsBytes(Map.of("__type", e.code().type(), "message", e.getMessage()));
        }
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    @Test
    void theSdkClientRegistersPutsPoliciesAndReadsActivities() {
        String arn = client.registerScalableTarget(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(RESOURCE).scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .minCapacity(1).maxCapacity(4)).scalableTargetARN();
        assertThat(requests.get(0)).isEqualTo("AnyScaleFrontendService.RegisterScalableTarget "
                + "{\"ServiceNamespace\":\"sagemaker\",\"ResourceId\":\"endpoint/scoring/variant/AllTraffic\","
                + "\"ScalableDimension\":\"sagemaker:variant:DesiredInstanceCount\",\"MinCapacity\":1,\"MaxCapacity\":4}");

        PutScalingPolicyResponse put = client.putScalingPolicy(r -> r.policyName("invocations")
                .serviceNamespace(ServiceNamespace.SAGEMAKER).resourceId(RESOURCE)
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .policyType(PolicyType.TARGET_TRACKING_SCALING)
                .targetTrackingScalingPolicyConfiguration(c -> c.targetValue(70.0)
                        .predefinedMetricSpecification(m -> m.predefinedMetricType(MetricType.SAGE_MAKER_VARIANT_INVOCATIONS_PER_INSTANCE))
                        .scaleOutCooldown(60).scaleInCooldown(120)));
        assertThat(put.alarms()).hasSize(2);
        client.putScalingPolicy(r -> r.policyName("steps").serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(RESOURCE).scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .policyType(PolicyType.STEP_SCALING)
                .stepScalingPolicyConfiguration(c -> c.adjustmentType(AdjustmentType.CHANGE_IN_CAPACITY)
                        .stepAdjustments(software.amazon.awssdk.services.applicationautoscaling.model.StepAdjustment.builder()
                                .metricIntervalLowerBound(0.0).scalingAdjustment(1).build()).cooldown(60)));

        ScalableTarget target = client.describeScalableTargets(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceIds(RESOURCE)).scalableTargets().get(0);
        assertThat(target.scalableTargetARN()).isEqualTo(arn);
        assertThat(target.minCapacity()).isEqualTo(1);
        assertThat(target.maxCapacity()).isEqualTo(4);
        assertThat(target.creationTime()).isEqualTo(START);
        assertThat(target.scalableDimension()).isEqualTo(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT);

        List<ScalingPolicy> policies = client.describeScalingPolicies(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(RESOURCE)).scalingPolicies();
        assertThat(policies).extracting(ScalingPolicy::policyName).containsExactly("invocations", "steps");
        assertThat(policies.get(0).policyARN()).isEqualTo(put.policyARN());
        assertThat(policies.get(0).targetTrackingScalingPolicyConfiguration().scaleInCooldown()).isEqualTo(120);
        assertThat(policies.get(0).targetTrackingScalingPolicyConfiguration().predefinedMetricSpecification()
                .predefinedMetricType()).isEqualTo(MetricType.SAGE_MAKER_VARIANT_INVOCATIONS_PER_INSTANCE);
        assertThat(policies.get(1).stepScalingPolicyConfiguration().stepAdjustments().get(0).metricIntervalUpperBound())
                .isNull();

        // Load arrives; the target-tracking policy scales 1 → 3 after its three datapoints.
        fleet.rate(210);
        clock.advance(Duration.ofSeconds(140));

        DescribeScalingActivitiesResponse activities = client.describeScalingActivities(r -> r
                .serviceNamespace(ServiceNamespace.SAGEMAKER).resourceId(RESOURCE)
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT));
        ScalingActivity activity = activities.scalingActivities().get(0);
        assertThat(activity.statusCode()).isEqualTo(ScalingActivityStatusCode.SUCCESSFUL);
        assertThat(activity.description()).isEqualTo("Setting desired instance count to 3.");
        assertThat(activity.cause()).contains("AlarmHigh").endsWith("triggered policy invocations");
        assertThat(activity.startTime()).isEqualTo(START.plusSeconds(140));
        assertThat(activity.details()).startsWith("from 1 to 3");

        client.deleteScalingPolicy(r -> r.policyName("steps").serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(RESOURCE).scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT));
        client.deregisterScalableTarget(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER).resourceId(RESOURCE)
                .scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT));
        assertThat(client.describeScalableTargets(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER))
                .scalableTargets()).isEmpty();
    }

    @Test
    void errorsArriveAsTheSdksModelledExceptions() {
        assertThatThrownBy(() -> client.deregisterScalableTarget(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(RESOURCE).scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)))
                .isInstanceOfSatisfying(ObjectNotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).startsWith("No scalable target found");
                });
        assertThatThrownBy(() -> client.registerScalableTarget(r -> r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                .resourceId(RESOURCE).scalableDimension(ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                .minCapacity(5).maxCapacity(2)))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("Minimum capacity cannot be greater than maximum capacity"));
    }
}
