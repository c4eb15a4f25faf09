package dev.sluice.autoscaler;

import static dev.sluice.autoscaler.internal.AwsJson.NODES;
import static dev.sluice.autoscaler.internal.AwsJson.missing;
import static dev.sluice.autoscaler.internal.AwsJson.optArray;
import static dev.sluice.autoscaler.internal.AwsJson.optBoolean;
import static dev.sluice.autoscaler.internal.AwsJson.optDouble;
import static dev.sluice.autoscaler.internal.AwsJson.optInt;
import static dev.sluice.autoscaler.internal.AwsJson.optObject;
import static dev.sluice.autoscaler.internal.AwsJson.optString;
import static dev.sluice.autoscaler.internal.AwsJson.optStringList;
import static dev.sluice.autoscaler.internal.AwsJson.putTime;
import static dev.sluice.autoscaler.internal.AwsJson.requireString;
import static dev.sluice.autoscaler.internal.AwsJson.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.autoscaler.internal.AwsJson;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Application Auto Scaling's awsJson1_1 API ({@code POST /}, {@code X-Amz-Target: AnyScaleFrontendService.<Operation>})
 * for SageMaker variants, so that {@code aws application-autoscaling} and the SDKs' Application Auto Scaling clients
 * work against Sluice's admin port unmodified. The gateway strips {@link #TARGET_PREFIX}, parses the body and calls
 * {@link #handle}; failures are {@link SluiceException}s carrying the AWS error code, which its one error funnel
 * renders.
 *
 * <p>Scope: ServiceNamespace {@code sagemaker}, ScalableDimension {@code sagemaker:variant:DesiredInstanceCount},
 * ResourceId {@code endpoint/<EndpointName>/variant/<VariantName>}; policy types TargetTrackingScaling (predefined
 * metrics only) and StepScaling (with Sluice's {@code Alarm} member, see {@link StepAlarm}). RoleARN and Tags are
 * accepted and ignored; scheduled actions and predictive scaling are not implemented.
 */
public final class ApplicationAutoScalingService {
    public static final String TARGET_PREFIX = "AnyScaleFrontendService.";
    public static final String SERVICE_NAMESPACE = "sagemaker";
    public static final String SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount";
    public static final List<String> OPERATIONS = List.of("RegisterScalableTarget", "DeregisterScalableTarget",
            "DescribeScalableTargets", "PutScalingPolicy", "DeleteScalingPolicy", "DescribeScalingPolicies",
            "DescribeScalingActivities");
    /** The ARNs' region and account: Sluice is neither, but the shapes want them. */
    public static final String DEFAULT_REGION = "local";
    public static final String DEFAULT_ACCOUNT = "000000000000";
    private static final List<String> SERVICE_NAMESPACES = List.of("ecs", "elasticmapreduce", "ec2", "appstream",
            "dynamodb", "rds", "sagemaker", "custom-resource", "comprehend", "lambda", "cassandra", "kafka",
            "elasticache", "neptune", "workspaces");

    private final Autoscaler autoscaler;
    private final ResourceResolver resolver;
    private final String region;
    private final String account;

    public ApplicationAutoScalingService(Autoscaler autoscaler, ResourceResolver resolver) {
        this(autoscaler, resolver, DEFAULT_REGION, DEFAULT_ACCOUNT);
    }

    public ApplicationAutoScalingService(Autoscaler autoscaler, ResourceResolver resolver, String region,
                                         String account) {
        this.autoscaler = Objects.requireNonNull(autoscaler, "autoscaler");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.region = Objects.requireNonNull(region, "region");
        this.account = Objects.requireNonNull(account, "account");
    }

    /**
     * Runs one operation ({@code X-Amz-Target} without {@link #TARGET_PREFIX}) on a JSON object body; returns the
     * response body. Non-blocking. Throws {@link SluiceException}: ValidationException, ObjectNotFoundException,
     * InvalidNextTokenException, FailedResourceAccessException, SerializationException (a member of the wrong type),
     * UnknownOperationException.
     */
    public JsonNode handle(String operation, JsonNode body) {
        JsonNode request = body == null || body.isNull() ? NODES.objectNode() : body;
        if (!request.isObject()) {
            throw new SluiceException(ErrorCode.SERIALIZATION, "the request body must be a JSON object");
        }
        try {
            return switch (operation == null ? "" : operation) {
                case "RegisterScalableTarget" -> registerScalableTarget(request);
                case "DeregisterScalableTarget" -> deregisterScalableTarget(request);
                case "DescribeScalableTargets" -> describeScalableTargets(request);
                case "PutScalingPolicy" -> putScalingPolicy(request);
                case "DeleteScalingPolicy" -> deleteScalingPolicy(request);
                case "DescribeScalingPolicies" -> describeScalingPolicies(request);
                case "DescribeScalingActivities" -> describeScalingActivities(request);
                default -> throw new SluiceException(ErrorCode.UNKNOWN_OPERATION, "Sluice's Application Auto Scaling "
                        + "does not implement operation '" + operation + "'; it serves " + String.join(", ", OPERATIONS));
            };
        } catch (IllegalArgumentException e) {
            // The config records' own validation, with messages that name the field.
            throw validation(e.getMessage());
        }
    }

    // ---- scalable targets -------------------------------------------------------------------------------------

    private JsonNode registerScalableTarget(JsonNode body) {
        VariantKey variant = resource(body);
        Integer min = optInt(body, "MinCapacity");
        Integer max = optInt(body, "MaxCapacity");
        optString(body, "RoleARN");
        Optional<TargetRegistration> existing = autoscaler.target(variant);
        if (existing.isEmpty() && (min == null || max == null)) {
            throw validation("MinCapacity and MaxCapacity are required when registering a new scalable target");
        }
        if (min != null && min < 0) {
            throw validation("1 validation error detected: Value " + min
                    + " at 'minCapacity' failed to satisfy constraint: Member must have value greater than or equal to 0");
        }
        if (max != null && max < 0) {
            throw validation("1 validation error detected: Value " + max
                    + " at 'maxCapacity' failed to satisfy constraint: Member must have value greater than or equal to 0");
        }
        ScalableTarget previous = existing.map(TargetRegistration::target).orElse(null);
        int newMin = min != null ? min : previous.minCapacity();
        int newMax = max != null ? max : previous.maxCapacity();
        if (newMin > newMax) {
            throw validation("Minimum capacity cannot be greater than maximum capacity");
        }
        SuspendedState suspended = suspendedState(optObject(body, "SuspendedState"),
                previous != null ? previous.suspendedState() : SuspendedState.NONE);
        ResourceResolver.ScalableResource resource = resolve(variant);
        autoscaler.register(new ScalableTarget(variant, newMin, newMax, suspended), resource.capacity(),
                resource.metrics());
        ObjectNode response = NODES.objectNode();
        response.put("ScalableTargetARN", scalableTargetArn(variant));
        return response;
    }

    private static SuspendedState suspendedState(JsonNode node, SuspendedState previous) {
        if (node == null) {
            return previous;
        }
        Boolean in = optBoolean(node, "DynamicScalingInSuspended");
        Boolean out = optBoolean(node, "DynamicScalingOutSuspended");
        Boolean scheduled = optBoolean(node, "ScheduledScalingSuspended");
        return new SuspendedState(in != null ? in : previous.dynamicScalingInSuspended(),
                out != null ? out : previous.dynamicScalingOutSuspended(),
                scheduled != null ? scheduled : previous.scheduledScalingSuspended());
    }

    private ResourceResolver.ScalableResource resolve(VariantKey variant) {
        Optional<ResourceResolver.ScalableResource> resource;
        try {
            resource = resolver.resolve(variant);
        } catch (SluiceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SluiceException(ErrorCode.FAILED_RESOURCE_ACCESS, "Failed to access " + variant.resourceId()
                    + ": " + e.getMessage(), e);
        }
        return resource.orElseThrow(() -> validation("Unable to register scalable target " + variant.resourceId()
                + ": endpoint " + variant.endpointName() + " does not exist or has no production variant "
                + variant.variantName()));
    }

    private JsonNode deregisterScalableTarget(JsonNode body) {
        VariantKey variant = resource(body);
        if (!autoscaler.deregister(variant)) {
            throw new SluiceException(ErrorCode.OBJECT_NOT_FOUND, "No scalable target found for service namespace: "
                    + SERVICE_NAMESPACE + ", resource ID: " + variant.resourceId() + ", scalable dimension: "
                    + SCALABLE_DIMENSION);
        }
        return NODES.objectNode();
    }

    private JsonNode describeScalableTargets(JsonNode body) {
        serviceNamespace(body);
        List<String> resourceIds = optStringList(body, "ResourceIds");
        String dimension = optString(body, "ScalableDimension");
        List<TargetRegistration> matching = new ArrayList<>();
        if (dimension == null || dimension.equals(SCALABLE_DIMENSION)) {
            for (TargetRegistration t : autoscaler.targets()) {
                if (resourceIds == null || resourceIds.isEmpty() || resourceIds.contains(t.target().variant().resourceId())) {
                    matching.add(t);
                }
            }
        }
        ObjectNode response = NODES.objectNode();
        AwsJson.page(matching, body, response, "ScalableTargets", this::render);
        return response;
    }

    private JsonNode render(TargetRegistration registration) {
        ScalableTarget target = registration.target();
        ObjectNode node = NODES.objectNode();
        node.put("ServiceNamespace", SERVICE_NAMESPACE);
        node.put("ResourceId", target.variant().resourceId());
        node.put("ScalableDimension", SCALABLE_DIMENSION);
        node.put("MinCapacity", target.minCapacity());
        node.put("MaxCapacity", target.maxCapacity());
        // What AWS fills in when RoleARN is omitted: the service-linked role for SageMaker endpoints.
        node.put("RoleARN", "arn:aws:iam::" + account + ":role/aws-service-role/sagemaker.application-autoscaling"
                + ".amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint");
        putTime(node, "CreationTime", registration.creationTime());
        ObjectNode suspended = node.putObject("SuspendedState");
        suspended.put("DynamicScalingInSuspended", target.suspendedState().dynamicScalingInSuspended());
        suspended.put("DynamicScalingOutSuspended", target.suspendedState().dynamicScalingOutSuspended());
        suspended.put("ScheduledScalingSuspended", target.suspendedState().scheduledScalingSuspended());
        node.put("ScalableTargetARN", scalableTargetArn(target.variant()));
        return node;
    }

    // ---- scaling policies -------------------------------------------------------------------------------------

    private JsonNode putScalingPolicy(JsonNode body) {
        String name = requireString(body, "PolicyName");
        VariantKey variant = resource(body);
        String type = optString(body, "PolicyType");
        // AWS's default policy type is StepScaling.
        ScalingPolicy policy = switch (type == null ? "StepScaling" : type) {
            case "TargetTrackingScaling" -> targetTracking(name, requireObject(body,
                    "TargetTrackingScalingPolicyConfiguration"));
            case "StepScaling" -> stepScaling(name, requireObject(body, "StepScalingPolicyConfiguration"));
            case "PredictiveScaling" -> throw validation("PredictiveScaling policies are not supported by Sluice; "
                    + "use TargetTrackingScaling or StepScaling");
            default -> throw validation("1 validation error detected: Value '" + type + "' at 'policyType' failed to "
                    + "satisfy constraint: Member must satisfy enum value set: [PredictiveScaling, StepScaling, "
                    + "TargetTrackingScaling]");
        };
        if (!autoscaler.putPolicy(variant, policy)) {
            throw notRegistered(variant);
        }
        ObjectNode response = NODES.objectNode();
        response.put("PolicyARN", policyArn(variant, name));
        response.set("Alarms", alarms(variant, policy));
        return response;
    }

    private static JsonNode requireObject(JsonNode body, String member) {
        JsonNode node = optObject(body, member);
        if (node == null) {
            throw missing(member);
        }
        return node;
    }

    private static TargetTrackingPolicy targetTracking(String name, JsonNode config) {
        Double target = optDouble(config, "TargetValue");
        if (target == null) {
            throw missing("TargetValue");
        }
        if (!(target > TargetTrackingPolicy.MIN_TARGET && target < TargetTrackingPolicy.MAX_TARGET)) {
            throw validation("The target value must be greater than " + TargetTrackingPolicy.MIN_TARGET
                    + " and less than " + TargetTrackingPolicy.MAX_TARGET + ", got: " + target);
        }
        JsonNode predefined = optObject(config, "PredefinedMetricSpecification");
        JsonNode customized = optObject(config, "CustomizedMetricSpecification");
        if ((predefined == null) == (customized == null)) {
            throw validation("Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified, "
                    + "but not both");
        }
        if (customized != null) {
            throw validation("CustomizedMetricSpecification is not supported by Sluice (there is no CloudWatch); use a "
                    + "PredefinedMetricSpecification with " + supportedMetrics());
        }
        String type = requireString(predefined, "PredefinedMetricType");
        optString(predefined, "ResourceLabel");
        PredefinedMetric metric = PredefinedMetric.fromName(type).filter(m -> m.awsName().equals(type))
                .orElseThrow(() -> validation("Unsupported PredefinedMetricType '" + type + "' for service namespace "
                        + SERVICE_NAMESPACE + "; Sluice tracks " + supportedMetrics()));
        Duration out = cooldown(config, "ScaleOutCooldown", TargetTrackingPolicy.DEFAULT_COOLDOWN);
        Duration in = cooldown(config, "ScaleInCooldown", TargetTrackingPolicy.DEFAULT_COOLDOWN);
        Boolean disableScaleIn = optBoolean(config, "DisableScaleIn");
        return new TargetTrackingPolicy(name, metric, target, out, in, Boolean.TRUE.equals(disableScaleIn));
    }

    private static String supportedMetrics() {
        return PredefinedMetric.INVOCATIONS_PER_INSTANCE.awsName() + " and "
                + PredefinedMetric.CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION.awsName();
    }

    private static Duration cooldown(JsonNode config, String member, Duration fallback) {
        Integer seconds = optInt(config, member);
        if (seconds == null) {
            return fallback;
        }
        if (seconds < 0) {
            throw validation("1 validation error detected: Value " + seconds + " at '"
                    + Character.toLowerCase(member.charAt(0)) + member.substring(1)
                    + "' failed to satisfy constraint: Member must have value greater than or equal to 0");
        }
        return Duration.ofSeconds(seconds);
    }

    private static StepScalingPolicy stepScaling(String name, JsonNode config) {
        String typeName = optString(config, "AdjustmentType");
        if (typeName == null) {
            throw missing("AdjustmentType");
        }
        AdjustmentType type = AdjustmentType.fromAwsName(typeName).orElseThrow(() -> validation(
                "1 validation error detected: Value '" + typeName + "' at 'adjustmentType' failed to satisfy "
                        + "constraint: Member must satisfy enum value set: [ChangeInCapacity, ExactCapacity, "
                        + "PercentChangeInCapacity]"));
        List<JsonNode> stepNodes = optArray(config, "StepAdjustments");
        if (stepNodes == null || stepNodes.isEmpty()) {
            throw validation("StepAdjustments must contain at least one step adjustment");
        }
        List<StepAdjustment> steps = new ArrayList<>();
        for (JsonNode step : stepNodes) {
            Double lower = optDouble(step, "MetricIntervalLowerBound");
            Double upper = optDouble(step, "MetricIntervalUpperBound");
            Integer adjustment = optInt(step, "ScalingAdjustment");
            if (adjustment == null) {
                throw missing("ScalingAdjustment");
            }
            steps.add(new StepAdjustment(lower == null ? Double.NEGATIVE_INFINITY : lower,
                    upper == null ? Double.POSITIVE_INFINITY : upper, adjustment));
        }
        Integer magnitude = optInt(config, "MinAdjustmentMagnitude");
        if (magnitude != null && magnitude < 1) {
            throw validation("MinAdjustmentMagnitude must be at least 1, got: " + magnitude);
        }
        Duration cooldown = cooldown(config, "Cooldown", StepScalingPolicy.DEFAULT_COOLDOWN);
        String aggregationName = optString(config, "MetricAggregationType");
        MetricAggregationType aggregation = aggregationName == null ? MetricAggregationType.AVERAGE
                : MetricAggregationType.fromAwsName(aggregationName).orElseThrow(() -> validation(
                "1 validation error detected: Value '" + aggregationName + "' at 'metricAggregationType' failed to "
                        + "satisfy constraint: Member must satisfy enum value set: [Minimum, Maximum, Average]"));
        StepAlarm alarm = alarm(optObject(config, "Alarm"));
        return new StepScalingPolicy(name, type, steps, magnitude == null ? 0 : magnitude, cooldown, aggregation,
                alarm);
    }

    /** Sluice's extension member: {@code {MetricName, ComparisonOperator, Threshold, EvaluationPeriods?, Period?}}. */
    private static StepAlarm alarm(JsonNode node) {
        if (node == null) {
            return null;
        }
        String metricName = requireString(node, "MetricName");
        PredefinedMetric metric = PredefinedMetric.fromName(metricName).orElseThrow(() -> validation(
                "Unsupported alarm MetricName '" + metricName + "'; Sluice's alarms watch " + supportedMetrics()
                        + " (or their CloudWatch names InvocationsPerInstance and ConcurrentRequestsPerModel)"));
        String comparisonName = requireString(node, "ComparisonOperator");
        ComparisonOperator comparison = ComparisonOperator.fromAwsName(comparisonName).orElseThrow(() -> validation(
                "Unsupported alarm ComparisonOperator '" + comparisonName + "'; use GreaterThanOrEqualToThreshold, "
                        + "GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold"));
        Double threshold = optDouble(node, "Threshold");
        if (threshold == null) {
            throw missing("Threshold");
        }
        Integer periods = optInt(node, "EvaluationPeriods");
        Integer period = optInt(node, "Period");
        if (period != null && period < 1) {
            throw validation("Alarm Period must be at least 1 second, got: " + period);
        }
        return new StepAlarm(metric, comparison, threshold,
                periods == null ? StepAlarm.DEFAULT_EVALUATION_PERIODS : periods,
                period == null ? metric.period() : Duration.ofSeconds(period));
    }

    private JsonNode deleteScalingPolicy(JsonNode body) {
        String name = requireString(body, "PolicyName");
        VariantKey variant = resource(body);
        if (!autoscaler.deletePolicy(variant, name)) {
            throw new SluiceException(ErrorCode.OBJECT_NOT_FOUND, "No scaling policy found for service namespace: "
                    + SERVICE_NAMESPACE + ", resource ID: " + variant.resourceId() + ", scalable dimension: "
                    + SCALABLE_DIMENSION + ", policy name: " + name);
        }
        return NODES.objectNode();
    }

    private JsonNode describeScalingPolicies(JsonNode body) {
        serviceNamespace(body);
        List<String> names = optStringList(body, "PolicyNames");
        Optional<VariantKey> only = optionalResource(body);
        List<PolicyRegistration> matching = new ArrayList<>();
        for (TargetRegistration t : autoscaler.targets()) {
            VariantKey variant = t.target().variant();
            if (only.isPresent() && !only.get().equals(variant)) {
                continue;
            }
            for (PolicyRegistration p : autoscaler.policies(variant)) {
                if (names == null || names.isEmpty() || names.contains(p.policy().name())) {
                    matching.add(p);
                }
            }
        }
        ObjectNode response = NODES.objectNode();
        AwsJson.page(matching, body, response, "ScalingPolicies", this::render);
        return response;
    }

    private JsonNode render(PolicyRegistration registration) {
        VariantKey variant = registration.variant();
        ScalingPolicy policy = registration.policy();
        ObjectNode node = NODES.objectNode();
        node.put("PolicyARN", policyArn(variant, policy.name()));
        node.put("PolicyName", policy.name());
        node.put("ServiceNamespace", SERVICE_NAMESPACE);
        node.put("ResourceId", variant.resourceId());
        node.put("ScalableDimension", SCALABLE_DIMENSION);
        node.put("PolicyType", policy.policyType());
        switch (policy) {
            case TargetTrackingPolicy p -> {
                ObjectNode config = node.putObject("TargetTrackingScalingPolicyConfiguration");
                config.put("TargetValue", p.targetValue());
                config.putObject("PredefinedMetricSpecification").put("PredefinedMetricType", p.metric().awsName());
                config.put("ScaleOutCooldown", p.scaleOutCooldown().toSeconds());
                config.put("ScaleInCooldown", p.scaleInCooldown().toSeconds());
                config.put("DisableScaleIn", p.disableScaleIn());
            }
            case StepScalingPolicy p -> {
                ObjectNode config = node.putObject("StepScalingPolicyConfiguration");
                config.put("AdjustmentType", p.adjustmentType().awsName());
                ArrayNode steps = config.putArray("StepAdjustments");
                for (StepAdjustment step : p.stepAdjustments()) {
                    ObjectNode s = steps.addObject();
                    if (step.hasLowerBound()) {
                        s.put("MetricIntervalLowerBound", step.lowerBound());
                    }
                    if (step.hasUpperBound()) {
                        s.put("MetricIntervalUpperBound", step.upperBound());
                    }
                    s.put("ScalingAdjustment", step.scalingAdjustment());
                }
                if (p.minAdjustmentMagnitude() > 0) {
                    config.put("MinAdjustmentMagnitude", p.minAdjustmentMagnitude());
                }
                config.put("Cooldown", p.cooldown().toSeconds());
                config.put("MetricAggregationType", p.metricAggregationType().awsName());
                if (p.alarm() != null) {
                    StepAlarm a = p.alarm();
                    ObjectNode alarm = config.putObject("Alarm");
                    alarm.put("MetricName", a.metric().awsName());
                    alarm.put("ComparisonOperator", a.comparison().awsName());
                    alarm.put("Threshold", a.threshold());
                    alarm.put("EvaluationPeriods", a.evaluationPeriods());
                    alarm.put("Period", a.period().toSeconds());
                }
            }
        }
        node.set("Alarms", alarms(variant, policy));
        putTime(node, "CreationTime", registration.creationTime());
        return node;
    }

    private ArrayNode alarms(VariantKey variant, ScalingPolicy policy) {
        ArrayNode alarms = NODES.arrayNode();
        for (String name : policy.alarmNames(variant)) {
            alarms.addObject().put("AlarmName", name).put("AlarmARN", "arn:aws:cloudwatch:" + region + ":" + account
                    + ":alarm:" + name);
        }
        return alarms;
    }

    // ---- activities -------------------------------------------------------------------------------------------

    private JsonNode describeScalingActivities(JsonNode body) {
        serviceNamespace(body);
        optBoolean(body, "IncludeNotScaledActivities");
        Optional<VariantKey> only = optionalResource(body);
        List<ScalingActivity> activities = only.map(autoscaler::activities).orElseGet(autoscaler::activities);
        ObjectNode response = NODES.objectNode();
        AwsJson.page(activities, body, response, "ScalingActivities", ApplicationAutoScalingService::render);
        return response;
    }

    private static JsonNode render(ScalingActivity activity) {
        ObjectNode node = NODES.objectNode();
        node.put("ActivityId", activity.activityId());
        node.put("ServiceNamespace", SERVICE_NAMESPACE);
        node.put("ResourceId", activity.variant().resourceId());
        node.put("ScalableDimension", SCALABLE_DIMENSION);
        node.put("Description", activity.description());
        node.put("Cause", activity.cause());
        putTime(node, "StartTime", activity.startTime());
        putTime(node, "EndTime", activity.endTime());
        node.put("StatusCode", activity.statusCode().awsName());
        node.put("StatusMessage", activity.statusMessage());
        node.put("Details", activity.details());
        return node;
    }

    // ---- common members ---------------------------------------------------------------------------------------

    private static void serviceNamespace(JsonNode body) {
        String namespace = requireString(body, "ServiceNamespace");
        if (!SERVICE_NAMESPACES.contains(namespace)) {
            throw validation("1 validation error detected: Value '" + namespace + "' at 'serviceNamespace' failed to "
                    + "satisfy constraint: Member must satisfy enum value set: " + SERVICE_NAMESPACES);
        }
        if (!namespace.equals(SERVICE_NAMESPACE)) {
            throw validation("Unsupported service namespace '" + namespace + "': Sluice scales SageMaker endpoint "
                    + "variants only (ServiceNamespace " + SERVICE_NAMESPACE + ")");
        }
    }

    private static void scalableDimension(String dimension) {
        if (!SCALABLE_DIMENSION.equals(dimension)) {
            throw validation("Unsupported scalable dimension '" + dimension + "' for service namespace "
                    + SERVICE_NAMESPACE + "; Sluice scales " + SCALABLE_DIMENSION);
        }
    }

    private static VariantKey parseResourceId(String resourceId) {
        return VariantKey.fromResourceId(resourceId).orElseThrow(() -> validation("Unsupported resource ID '"
                + resourceId + "': expected endpoint/<EndpointName>/variant/<VariantName>"));
    }

    /** ServiceNamespace, ResourceId and ScalableDimension, all required. */
    private static VariantKey resource(JsonNode body) {
        serviceNamespace(body);
        String resourceId = requireString(body, "ResourceId");
        String dimension = requireString(body, "ScalableDimension");
        VariantKey variant = parseResourceId(resourceId);
        scalableDimension(dimension);
        return variant;
    }

    /** The optional ResourceId/ScalableDimension filter of the Describe operations. */
    private static Optional<VariantKey> optionalResource(JsonNode body) {
        String resourceId = optString(body, "ResourceId");
        String dimension = optString(body, "ScalableDimension");
        if (dimension != null && resourceId == null) {
            throw validation("If you specify a scalable dimension, you must also specify a resource ID");
        }
        if (dimension != null) {
            scalableDimension(dimension);
        }
        return resourceId == null ? Optional.empty() : Optional.of(parseResourceId(resourceId));
    }

    private static SluiceException notRegistered(VariantKey variant) {
        return new SluiceException(ErrorCode.OBJECT_NOT_FOUND, "No scalable target registered for service namespace: "
                + SERVICE_NAMESPACE + ", resource ID: " + variant.resourceId() + ", scalable dimension: "
                + SCALABLE_DIMENSION);
    }

    private String scalableTargetArn(VariantKey variant) {
        return "arn:aws:application-autoscaling:" + region + ":" + account + ":scalable-target/" + stableId(variant
                .resourceId());
    }

    private String policyArn(VariantKey variant, String name) {
        return "arn:aws:autoscaling:" + region + ":" + account + ":scalingPolicy:" + stableId(variant.resourceId()
                + "/" + name) + ":resource/" + SERVICE_NAMESPACE + "/" + variant.resourceId() + ":policyName/" + name;
    }

    /** ARNs must not change between calls, and Sluice keeps no ids of its own for them. */
    private static String stableId(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
