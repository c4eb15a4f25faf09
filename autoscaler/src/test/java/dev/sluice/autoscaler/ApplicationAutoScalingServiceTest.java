package dev.sluice.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.autoscaler.testing.FakeFleet;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.variants.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Request bodies as the AWS SDK for Java v2's ApplicationAutoScalingClient serializes them. */
class ApplicationAutoScalingServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final String TARGET = """
            "ServiceNamespace":"sagemaker","ResourceId":"endpoint/scoring/variant/AllTraffic",\
            "ScalableDimension":"sagemaker:variant:DesiredInstanceCount\"""";

    private ManualScheduler clock;
    private Autoscaler autoscaler;
    private FakeFleet fleet;
    private final Map<VariantKey, ResourceResolver.ScalableResource> variants = new HashMap<>();
    private ApplicationAutoScalingService service;

    @BeforeEach
    void setUp() {
        clock = new ManualScheduler(START);
        autoscaler = new Autoscaler(clock, AutoscalerSettings.DEFAULTS);
        autoscaler.start();
        fleet = new FakeFleet(clock, 1);
        variants.put(new VariantKey("scoring", "AllTraffic"), new ResourceResolver.ScalableResource(fleet, fleet));
        service = new ApplicationAutoScalingService(autoscaler, variant -> Optional.ofNullable(variants.get(variant)));
    }

    private JsonNode call(String operation, String body) {
        try {
            return service.handle(operation, JSON.readTree(body));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static void assertError(ThrowingCallable call, ErrorCode code, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SluiceException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    private void register() {
        call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":1,\"MaxCapacity\":4}");
    }

    @Test
    void registersAndDescribesScalableTargets() {
        JsonNode registered = call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":1,\"MaxCapacity\":4}");
        assertThat(registered.get("ScalableTargetARN").asText())
                .startsWith("arn:aws:application-autoscaling:local:000000000000:scalable-target/");

        JsonNode described = call("DescribeScalableTargets", """
                {"ServiceNamespace":"sagemaker","ResourceIds":["endpoint/scoring/variant/AllTraffic"],\
                "ScalableDimension":"sagemaker:variant:DesiredInstanceCount"}""");

        JsonNode target = described.get("ScalableTargets").get(0);
        assertThat(described.get("ScalableTargets")).hasSize(1);
        assertThat(target.get("ResourceId").asText()).isEqualTo("endpoint/scoring/variant/AllTraffic");
        assertThat(target.get("MinCapacity").asInt()).isEqualTo(1);
        assertThat(target.get("MaxCapacity").asInt()).isEqualTo(4);
        assertThat(target.get("CreationTime").asDouble()).isEqualTo(START.getEpochSecond());
        assertThat(target.get("ScalableTargetARN").asText()).isEqualTo(registered.get("ScalableTargetARN").asText());
        assertThat(target.get("SuspendedState").get("DynamicScalingOutSuspended").asBoolean()).isFalse();
        assertThat(call("DescribeScalableTargets", "{\"ServiceNamespace\":\"sagemaker\",\"ResourceIds\":[\"endpoint/x/variant/y\"]}")
                .get("ScalableTargets")).isEmpty();
    }

    @Test
    void reRegisteringUpdatesOnlyWhatIsGiven() {
        register();
        call("RegisterScalableTarget", "{" + TARGET + ",\"MaxCapacity\":8,"
                + "\"SuspendedState\":{\"DynamicScalingInSuspended\":true}}");

        ScalableTarget target = autoscaler.target(new VariantKey("scoring", "AllTraffic")).orElseThrow().target();
        assertThat(target.minCapacity()).isEqualTo(1);
        assertThat(target.maxCapacity()).isEqualTo(8);
        assertThat(target.suspendedState()).isEqualTo(new SuspendedState(true, false, false));
        assertError(() -> call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":9}"),
                ErrorCode.VALIDATION_EXCEPTION, "Minimum capacity cannot be greater than maximum capacity");
    }

    @Test
    void registrationIsValidatedLikeAws() {
        assertError(() -> call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":1}"),
                ErrorCode.VALIDATION_EXCEPTION,
                "MinCapacity and MaxCapacity are required when registering a new scalable target");
        assertError(() -> call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":5,\"MaxCapacity\":2}"),
                ErrorCode.VALIDATION_EXCEPTION, "Minimum capacity cannot be greater than maximum capacity");
        assertError(() -> call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":-1,\"MaxCapacity\":2}"),
                ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value -1 at 'minCapacity' failed to "
                        + "satisfy constraint: Member must have value greater than or equal to 0");
        assertError(() -> call("RegisterScalableTarget", """
                {"ResourceId":"endpoint/scoring/variant/AllTraffic",\
                "ScalableDimension":"sagemaker:variant:DesiredInstanceCount","MinCapacity":1,"MaxCapacity":2}"""),
                ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value null at 'serviceNamespace' failed "
                        + "to satisfy constraint: Member must not be null");
        assertError(() -> call("RegisterScalableTarget", """
                {"ServiceNamespace":"ecs","ResourceId":"service/default/web","ScalableDimension":"ecs:service:DesiredCount",\
                "MinCapacity":1,"MaxCapacity":2}"""), ErrorCode.VALIDATION_EXCEPTION,
                "Unsupported service namespace 'ecs': Sluice scales SageMaker endpoint variants only "
                        + "(ServiceNamespace sagemaker)");
        assertError(() -> call("RegisterScalableTarget", """
                {"ServiceNamespace":"sagemaker","ResourceId":"endpoint/scoring","ScalableDimension":\
                "sagemaker:variant:DesiredInstanceCount","MinCapacity":1,"MaxCapacity":2}"""),
                ErrorCode.VALIDATION_EXCEPTION, "Unsupported resource ID 'endpoint/scoring': expected "
                        + "endpoint/<EndpointName>/variant/<VariantName>");
        assertError(() -> call("RegisterScalableTarget", """
                {"ServiceNamespace":"sagemaker","ResourceId":"endpoint/scoring/variant/AllTraffic",\
                "ScalableDimension":"sagemaker:variant:DesiredProvisionedConcurrency","MinCapacity":1,"MaxCapacity":2}"""),
                ErrorCode.VALIDATION_EXCEPTION, "Unsupported scalable dimension "
                        + "'sagemaker:variant:DesiredProvisionedConcurrency' for service namespace sagemaker; Sluice "
                        + "scales sagemaker:variant:DesiredInstanceCount");
        assertError(() -> call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":\"one\",\"MaxCapacity\":2}"),
                ErrorCode.SERIALIZATION, "member MinCapacity must be an integer, got: \"one\"");
    }

    @Test
    void aVariantThatDoesNotExistCannotBeRegistered() {
        assertError(() -> call("RegisterScalableTarget", """
                {"ServiceNamespace":"sagemaker","ResourceId":"endpoint/scoring/variant/Canary",\
                "ScalableDimension":"sagemaker:variant:DesiredInstanceCount","MinCapacity":1,"MaxCapacity":2}"""),
                ErrorCode.VALIDATION_EXCEPTION, "Unable to register scalable target endpoint/scoring/variant/Canary: "
                        + "endpoint scoring does not exist or has no production variant Canary");

        ApplicationAutoScalingService broken = new ApplicationAutoScalingService(autoscaler, variant -> {
            throw new IllegalStateException("state store unavailable");
        });
        assertThatThrownBy(() -> broken.handle("RegisterScalableTarget", JSON.readTree("{" + TARGET
                + ",\"MinCapacity\":1,\"MaxCapacity\":2}"))).isInstanceOfSatisfying(SluiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.FAILED_RESOURCE_ACCESS);
                    assertThat(e.code().type()).isEqualTo("FailedResourceAccessException");
                    assertThat(e.getMessage()).isEqualTo("Failed to access endpoint/scoring/variant/AllTraffic: "
                            + "state store unavailable");
                });
    }

    @Test
    void putsAndDescribesATargetTrackingPolicy() {
        register();
        JsonNode put = call("PutScalingPolicy", "{\"PolicyName\":\"invocations\"," + TARGET + """
                ,"PolicyType":"TargetTrackingScaling","TargetTrackingScalingPolicyConfiguration":{"TargetValue":70.0,\
                "PredefinedMetricSpecification":{"PredefinedMetricType":"SageMakerVariantInvocationsPerInstance"},\
                "ScaleOutCooldown":60}}""");

        assertThat(put.get("PolicyARN").asText()).startsWith("arn:aws:autoscaling:local:000000000000:scalingPolicy:")
                .endsWith(":resource/sagemaker/endpoint/scoring/variant/AllTraffic:policyName/invocations");
        assertThat(put.get("Alarms")).hasSize(2);
        assertThat(put.get("Alarms").get(0).get("AlarmName").asText())
                .startsWith("TargetTracking-endpoint/scoring/variant/AllTraffic-AlarmHigh-");
        assertThat(put.get("Alarms").get(1).get("AlarmARN").asText()).startsWith("arn:aws:cloudwatch:local:000000000000:alarm:TargetTracking-");

        JsonNode policy = call("DescribeScalingPolicies", "{\"ServiceNamespace\":\"sagemaker\"}")
                .get("ScalingPolicies").get(0);
        assertThat(policy.get("PolicyName").asText()).isEqualTo("invocations");
        assertThat(policy.get("PolicyType").asText()).isEqualTo("TargetTrackingScaling");
        assertThat(policy.get("PolicyARN").asText()).isEqualTo(put.get("PolicyARN").asText());
        JsonNode config = policy.get("TargetTrackingScalingPolicyConfiguration");
        assertThat(config.get("TargetValue").asDouble()).isEqualTo(70.0);
        assertThat(config.get("PredefinedMetricSpecification").get("PredefinedMetricType").asText())
                .isEqualTo("SageMakerVariantInvocationsPerInstance");
        assertThat(config.get("ScaleOutCooldown").asInt()).isEqualTo(60);
        assertThat(config.get("ScaleInCooldown").asInt()).isEqualTo(300);
        assertThat(config.get("DisableScaleIn").asBoolean()).isFalse();
        assertThat(autoscaler.policies(new VariantKey("scoring", "AllTraffic")).get(0).policy()).isEqualTo(
                new TargetTrackingPolicy("invocations", PredefinedMetric.INVOCATIONS_PER_INSTANCE, 70,
                        Duration.ofSeconds(60), Duration.ofSeconds(300), false));
    }

    @Test
    void targetTrackingPoliciesAreValidatedLikeAws() {
        register();
        String prefix = "{\"PolicyName\":\"p\"," + TARGET + ",\"PolicyType\":\"TargetTrackingScaling\",";
        assertError(() -> call("PutScalingPolicy", prefix + """
                "TargetTrackingScalingPolicyConfiguration":{"PredefinedMetricSpecification":\
                {"PredefinedMetricType":"SageMakerVariantInvocationsPerInstance"}}}"""),
                ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value null at 'targetValue' failed to "
                        + "satisfy constraint: Member must not be null");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "TargetTrackingScalingPolicyConfiguration":{"TargetValue":0.0,"PredefinedMetricSpecification":\
                {"PredefinedMetricType":"SageMakerVariantInvocationsPerInstance"}}}"""),
                ErrorCode.VALIDATION_EXCEPTION, "The target value must be greater than 8.51592E-109 and less than "
                        + "6.666662E108, got: 0.0");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "TargetTrackingScalingPolicyConfiguration":{"TargetValue":50.0,"PredefinedMetricSpecification":\
                {"PredefinedMetricType":"ECSServiceAverageCPUUtilization"}}}"""),
                ErrorCode.VALIDATION_EXCEPTION, "Unsupported PredefinedMetricType 'ECSServiceAverageCPUUtilization' "
                        + "for service namespace sagemaker; Sluice tracks SageMakerVariantInvocationsPerInstance and "
                        + "SageMakerVariantConcurrentRequestsPerModelHighResolution");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "TargetTrackingScalingPolicyConfiguration":{"TargetValue":50.0}}"""), ErrorCode.VALIDATION_EXCEPTION,
                "Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified, but not both");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "TargetTrackingScalingPolicyConfiguration":{"TargetValue":50.0,"CustomizedMetricSpecification":\
                {"MetricName":"CPUUtilization","Namespace":"/aws/sagemaker/Endpoints","Statistic":"Average"}}}"""),
                ErrorCode.VALIDATION_EXCEPTION, "CustomizedMetricSpecification is not supported by Sluice (there is "
                        + "no CloudWatch); use a PredefinedMetricSpecification with "
                        + "SageMakerVariantInvocationsPerInstance and SageMakerVariantConcurrentRequestsPerModelHighResolution");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "TargetTrackingScalingPolicyConfiguration":{"TargetValue":50.0,"PredefinedMetricSpecification":\
                {"PredefinedMetricType":"SageMakerVariantInvocationsPerInstance"},"ScaleInCooldown":-5}}"""),
                ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value -5 at 'scaleInCooldown' failed to "
                        + "satisfy constraint: Member must have value greater than or equal to 0");
        assertError(() -> call("PutScalingPolicy", "{\"PolicyName\":\"p\"," + TARGET + ",\"PolicyType\":\"Magic\"}"),
                ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value 'Magic' at 'policyType' failed to "
                        + "satisfy constraint: Member must satisfy enum value set: [PredictiveScaling, StepScaling, "
                        + "TargetTrackingScaling]");
        // AWS's default policy type is StepScaling, which then needs its configuration.
        assertError(() -> call("PutScalingPolicy", "{\"PolicyName\":\"p\"," + TARGET + "}"),
                ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value null at "
                        + "'stepScalingPolicyConfiguration' failed to satisfy constraint: Member must not be null");
    }

    @Test
    void aPolicyNeedsARegisteredTarget() {
        assertError(() -> call("PutScalingPolicy", "{\"PolicyName\":\"p\"," + TARGET + """
                ,"PolicyType":"TargetTrackingScaling","TargetTrackingScalingPolicyConfiguration":{"TargetValue":70.0,\
                "PredefinedMetricSpecification":{"PredefinedMetricType":"SageMakerVariantInvocationsPerInstance"}}}"""),
                ErrorCode.OBJECT_NOT_FOUND, "No scalable target registered for service namespace: sagemaker, resource "
                        + "ID: endpoint/scoring/variant/AllTraffic, scalable dimension: "
                        + "sagemaker:variant:DesiredInstanceCount");
    }

    @Test
    void putsAStepPolicyWithSluicesAlarmMemberAndEchoesIt() {
        register();
        JsonNode put = call("PutScalingPolicy", "{\"PolicyName\":\"steps\"," + TARGET + """
                ,"PolicyType":"StepScaling","StepScalingPolicyConfiguration":{"AdjustmentType":"PercentChangeInCapacity",\
                "StepAdjustments":[{"MetricIntervalLowerBound":0.0,"MetricIntervalUpperBound":50.0,"ScalingAdjustment":50},\
                {"MetricIntervalLowerBound":50.0,"ScalingAdjustment":100}],"MinAdjustmentMagnitude":2,"Cooldown":120,\
                "MetricAggregationType":"Maximum","Alarm":{"MetricName":"InvocationsPerInstance",\
                "ComparisonOperator":"GreaterThanThreshold","Threshold":100.0,"EvaluationPeriods":2,"Period":30}}}""");

        assertThat(put.get("Alarms").get(0).get("AlarmName").asText())
                .isEqualTo("StepScaling-endpoint/scoring/variant/AllTraffic-steps");
        JsonNode config = call("DescribeScalingPolicies", "{\"ServiceNamespace\":\"sagemaker\",\"PolicyNames\":[\"steps\"],"
                + "\"ResourceId\":\"endpoint/scoring/variant/AllTraffic\","
                + "\"ScalableDimension\":\"sagemaker:variant:DesiredInstanceCount\"}")
                .get("ScalingPolicies").get(0).get("StepScalingPolicyConfiguration");
        assertThat(config.get("AdjustmentType").asText()).isEqualTo("PercentChangeInCapacity");
        assertThat(config.get("StepAdjustments")).hasSize(2);
        assertThat(config.get("StepAdjustments").get(1).has("MetricIntervalUpperBound")).isFalse();
        assertThat(config.get("StepAdjustments").get(1).get("ScalingAdjustment").asInt()).isEqualTo(100);
        assertThat(config.get("MinAdjustmentMagnitude").asInt()).isEqualTo(2);
        assertThat(config.get("Cooldown").asInt()).isEqualTo(120);
        assertThat(config.get("MetricAggregationType").asText()).isEqualTo("Maximum");
        assertThat(config.get("Alarm").get("MetricName").asText()).isEqualTo("SageMakerVariantInvocationsPerInstance");
        assertThat(config.get("Alarm").get("Period").asInt()).isEqualTo(30);
        StepScalingPolicy policy = (StepScalingPolicy) autoscaler.policies(new VariantKey("scoring", "AllTraffic"))
                .get(0).policy();
        assertThat(policy.alarm()).isEqualTo(new StepAlarm(PredefinedMetric.INVOCATIONS_PER_INSTANCE,
                ComparisonOperator.GREATER_THAN_THRESHOLD, 100, 2, Duration.ofSeconds(30)));
    }

    @Test
    void stepPoliciesAreValidated() {
        register();
        String prefix = "{\"PolicyName\":\"p\"," + TARGET + ",\"PolicyType\":\"StepScaling\",";
        assertError(() -> call("PutScalingPolicy", prefix + """
                "StepScalingPolicyConfiguration":{"StepAdjustments":[{"ScalingAdjustment":1}]}}"""),
                ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value null at 'adjustmentType' failed to "
                        + "satisfy constraint: Member must not be null");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "StepScalingPolicyConfiguration":{"AdjustmentType":"ChangeInCapacity","StepAdjustments":[\
                {"MetricIntervalLowerBound":0.0,"MetricIntervalUpperBound":20.0,"ScalingAdjustment":1},\
                {"MetricIntervalLowerBound":10.0,"ScalingAdjustment":2}]}}"""), ErrorCode.VALIDATION_EXCEPTION,
                "step adjustments overlap: [0.0, 20.0) and [10.0, Infinity)");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "StepScalingPolicyConfiguration":{"AdjustmentType":"ChangeInCapacity","StepAdjustments":[]}}"""),
                ErrorCode.VALIDATION_EXCEPTION, "StepAdjustments must contain at least one step adjustment");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "StepScalingPolicyConfiguration":{"AdjustmentType":"ChangeInCapacity","MinAdjustmentMagnitude":2,\
                "StepAdjustments":[{"MetricIntervalLowerBound":0.0,"ScalingAdjustment":1}]}}"""),
                ErrorCode.VALIDATION_EXCEPTION, "minAdjustmentMagnitude applies only to PercentChangeInCapacity");
        assertError(() -> call("PutScalingPolicy", prefix + """
                "StepScalingPolicyConfiguration":{"AdjustmentType":"ChangeInCapacity","StepAdjustments":[\
                {"MetricIntervalLowerBound":0.0,"ScalingAdjustment":1}],"Alarm":{"MetricName":"CPUUtilization",\
                "ComparisonOperator":"GreaterThanThreshold","Threshold":80.0}}}"""), ErrorCode.VALIDATION_EXCEPTION,
                "Unsupported alarm MetricName 'CPUUtilization'; Sluice's alarms watch "
                        + "SageMakerVariantInvocationsPerInstance and SageMakerVariantConcurrentRequestsPerModelHighResolution "
                        + "(or their CloudWatch names InvocationsPerInstance and ConcurrentRequestsPerModel)");
    }

    @Test
    void deletesPoliciesAndDeregistersTargets() {
        register();
        call("PutScalingPolicy", "{\"PolicyName\":\"p\"," + TARGET + """
                ,"PolicyType":"TargetTrackingScaling","TargetTrackingScalingPolicyConfiguration":{"TargetValue":70.0,\
                "PredefinedMetricSpecification":{"PredefinedMetricType":"SageMakerVariantInvocationsPerInstance"}}}""");

        assertThat(call("DeleteScalingPolicy", "{\"PolicyName\":\"p\"," + TARGET + "}").isEmpty()).isTrue();
        assertError(() -> call("DeleteScalingPolicy", "{\"PolicyName\":\"p\"," + TARGET + "}"),
                ErrorCode.OBJECT_NOT_FOUND, "No scaling policy found for service namespace: sagemaker, resource ID: "
                        + "endpoint/scoring/variant/AllTraffic, scalable dimension: sagemaker:variant:DesiredInstanceCount, "
                        + "policy name: p");

        assertThat(call("DeregisterScalableTarget", "{" + TARGET + "}").isEmpty()).isTrue();
        assertError(() -> call("DeregisterScalableTarget", "{" + TARGET + "}"), ErrorCode.OBJECT_NOT_FOUND,
                "No scalable target found for service namespace: sagemaker, resource ID: "
                        + "endpoint/scoring/variant/AllTraffic, scalable dimension: sagemaker:variant:DesiredInstanceCount");
        assertThat(call("DescribeScalableTargets", "{\"ServiceNamespace\":\"sagemaker\"}").get("ScalableTargets")).isEmpty();
    }

    @Test
    void describesScalingActivitiesNewestFirstAndPaginates() {
        call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":2,\"MaxCapacity\":4}");
        clock.advance(Duration.ofSeconds(10));
        call("RegisterScalableTarget", "{" + TARGET + ",\"MinCapacity\":3}");
        clock.advance(Duration.ofSeconds(10));

        JsonNode first = call("DescribeScalingActivities", """
                {"ServiceNamespace":"sagemaker","ResourceId":"endpoint/scoring/variant/AllTraffic",\
                "ScalableDimension":"sagemaker:variant:DesiredInstanceCount","MaxResults":1}""");
        JsonNode activity = first.get("ScalingActivities").get(0);
        assertThat(first.get("ScalingActivities")).hasSize(1);
        assertThat(activity.get("Description").asText()).isEqualTo("Setting desired instance count to 3.");
        assertThat(activity.get("Cause").asText()).isEqualTo("minimum capacity was set to 3");
        assertThat(activity.get("StatusCode").asText()).isEqualTo("Successful");
        assertThat(activity.get("StartTime").asDouble()).isEqualTo(START.getEpochSecond() + 20.0);
        assertThat(activity.get("EndTime").asDouble()).isEqualTo(START.getEpochSecond() + 20.0);
        assertThat(activity.get("Details").asText()).isEqualTo("from 2 to 3");
        assertThat(activity.get("ActivityId").asText()).isNotBlank();

        JsonNode second = call("DescribeScalingActivities", "{\"ServiceNamespace\":\"sagemaker\",\"MaxResults\":1,"
                + "\"NextToken\":\"" + first.get("NextToken").asText() + "\"}");
        assertThat(second.get("ScalingActivities").get(0).get("Details").asText()).isEqualTo("from 1 to 2");
        assertThat(second.has("NextToken")).isFalse();

        assertError(() -> call("DescribeScalingActivities", "{\"ServiceNamespace\":\"sagemaker\",\"NextToken\":\"bogus\"}"),
                ErrorCode.INVALID_NEXT_TOKEN, "Invalid token");
        assertError(() -> call("DescribeScalingActivities", "{\"ServiceNamespace\":\"sagemaker\",\"MaxResults\":51}"),
                ErrorCode.VALIDATION_EXCEPTION, "1 validation error detected: Value 51 at 'maxResults' failed to "
                        + "satisfy constraint: Member must have value between 1 and 50");
        assertError(() -> call("DescribeScalingActivities", "{\"ServiceNamespace\":\"sagemaker\","
                        + "\"ScalableDimension\":\"sagemaker:variant:DesiredInstanceCount\"}"),
                ErrorCode.VALIDATION_EXCEPTION, "If you specify a scalable dimension, you must also specify a resource ID");
    }

    @Test
    void unknownOperationsAreRejected() {
        assertError(() -> call("PutScheduledAction", "{}"), ErrorCode.UNKNOWN_OPERATION,
                "Sluice's Application Auto Scaling does not implement operation 'PutScheduledAction'; it serves "
                        + "RegisterScalableTarget, DeregisterScalableTarget, DescribeScalableTargets, PutScalingPolicy, "
                        + "DeleteScalingPolicy, DescribeScalingPolicies, DescribeScalingActivities");
        assertError(() -> service.handle("DescribeScalableTargets", JSON.createArrayNode()), ErrorCode.SERIALIZATION,
                "the request body must be a JSON object");
    }
}
