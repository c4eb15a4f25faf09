package dev.sluice.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.hosting.CapacitySize;
import dev.sluice.core.hosting.DeploymentConfig;
import dev.sluice.core.hosting.DesiredWeightAndCapacity;
import dev.sluice.core.hosting.EndpointConfigDefinition;
import dev.sluice.core.hosting.HostingShapes;
import dev.sluice.core.hosting.ListRequest;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.core.hosting.ProductionVariant;
import dev.sluice.gateway.Endpoint;
import dev.sluice.gateway.EndpointRegistry;
import dev.sluice.gateway.control.internal.Fleet;
import dev.sluice.autoscaler.ApplicationAutoScalingService;
import dev.sluice.autoscaler.Autoscaler;
import dev.sluice.autoscaler.AutoscalerSettings;
import dev.sluice.autoscaler.CapacityTarget;
import dev.sluice.autoscaler.MetricsSource;
import dev.sluice.autoscaler.ResourceResolver;
import dev.sluice.autoscaler.VariantKey;
import dev.sluice.gateway.control.internal.Fleets;
import dev.sluice.gateway.control.internal.ServerlessScaler;
import dev.sluice.gateway.control.internal.LiveEndpoint;
import dev.sluice.gateway.control.internal.LiveVariant;
import dev.sluice.gateway.control.internal.Resources;
import dev.sluice.gateway.control.internal.TransformJobs;
import dev.sluice.gateway.control.internal.CompilationJobs;
import dev.sluice.gateway.control.internal.RecommendationJobs;
import dev.sluice.variants.AlarmRule;
import dev.sluice.variants.EndpointRouter;
import dev.sluice.variants.HealthChecker;
import dev.sluice.variants.Scheduler;
import dev.sluice.variants.ShadowReport;
import dev.sluice.variants.TrafficShift;
import dev.sluice.variants.VariantMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SageMaker control plane (SAGEMAKER-CONTRACT.md §3): models, endpoint configs and endpoints, their lifecycle,
 * live weight and capacity changes, and blue/green updates with auto-rollback.
 *
 * <p>Every operation and every asynchronous completion (a model loaded, a traffic shift finished) runs on one
 * control-plane thread, so the state needs no locks and operations are linearisable, as SageMaker's are per
 * resource. The data plane never touches this state: it reaches an endpoint only through its {@link EndpointRouter}.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);
    static final String MODELS = "models";
    static final String CONFIGS = "endpoint-configs";
    static final String ENDPOINTS = "endpoints";
    static final String ALARMS = "alarms";
    static final String CREATING = "Creating";
    static final String IN_SERVICE = "InService";
    static final String UPDATING = "Updating";
    static final String ROLLING_BACK = "RollingBack";
    static final String DELETING = "Deleting";
    static final String FAILED = "Failed";
    /** Two missed pings (SageMaker's probe times out after 2 s) before a remote instance leaves routing. */
    private static final int UNHEALTHY_AFTER = 2;
    private static final int HEALTHY_AFTER = 1;
    private static final Set<String> SORT_MODELS = Set.of("Name", "CreationTime");
    private static final Set<String> SORT_ENDPOINTS = Set.of("Name", "CreationTime", "Status");

    /**
     * @param region             the region written into ARNs
     * @param accountId          the account written into ARNs
     * @param alarmCheckInterval  how often rollback alarms are evaluated during a deployment
     * @param healthCheckInterval how often remote instances are pinged
     */
    public record Settings(String region, String accountId, Duration alarmCheckInterval,
                           Duration healthCheckInterval, Duration serverlessIdleTimeout,
                           Duration serverlessColdStartWait, AutoscalerSettings autoscaling) {
        /** A serverless variant with no request for this long scales to zero (to ProvisionedConcurrency's floor). */
        public static final Duration DEFAULT_SERVERLESS_IDLE = Duration.ofMinutes(5);
        /** How long a request waits for a cold start before it is answered 429 ModelNotReadyException. */
        public static final Duration DEFAULT_COLD_START_WAIT = Duration.ofSeconds(60);

        public Settings {
            serverlessIdleTimeout = serverlessIdleTimeout == null ? DEFAULT_SERVERLESS_IDLE : serverlessIdleTimeout;
            serverlessColdStartWait = serverlessColdStartWait == null ? DEFAULT_COLD_START_WAIT
                    : serverlessColdStartWait;
            autoscaling = autoscaling == null ? AutoscalerSettings.DEFAULTS : autoscaling;
        }

        public static Settings defaults() {
            return new Settings("local", "000000000000", Duration.ofSeconds(1), Duration.ofSeconds(1));
        }

        public Settings(String region, String accountId, Duration alarmCheckInterval, Duration healthCheckInterval) {
            this(region, accountId, alarmCheckInterval, healthCheckInterval, null, null, null);
        }

        public Settings(String region, String accountId, Duration alarmCheckInterval) {
            this(region, accountId, alarmCheckInterval, Duration.ofSeconds(1));
        }

        public Settings withServerless(Duration idleTimeout, Duration coldStartWait) {
            return new Settings(region, accountId, alarmCheckInterval, healthCheckInterval, idleTimeout,
                    coldStartWait, autoscaling);
        }

        public Settings withAutoscaling(AutoscalerSettings newAutoscaling) {
            return new Settings(region, accountId, alarmCheckInterval, healthCheckInterval, serverlessIdleTimeout,
                    serverlessColdStartWait, newAutoscaling);
        }
    }

    /** A stored model or endpoint config: its parsed definition and the request that created it. */
    private record Stored<T>(T definition, JsonNode request, Instant createdAt) {
    }

    private final ObjectMapper json;
    private final StateStore store;
    private final EndpointRegistry registry;
    private final InstanceProvider provider;
    private final Scheduler scheduler;
    private final Settings settings;
    private final ExecutorService executor;
    private final Executor shadowExecutor;
    private final Fleets fleets;
    private final HealthChecker health;
    private final Resources arns;
    private final Map<String, Stored<ModelDefinition>> models = new HashMap<>();
    private final Map<String, Stored<EndpointConfigDefinition>> configs = new HashMap<>();
    private final Map<String, LiveEndpoint> endpoints = new HashMap<>();
    private final Map<String, AlarmRule> alarms = new HashMap<>();
    // ---- batch transform (CreateTransformJob & co.): in memory, on this thread like everything else ----
    private final TransformJobs transforms;
    // ---- Neo compilation jobs (CreateCompilationJob & co.): in memory, compiled on their own thread ----
    private final CompilationJobs compilations;
    // ---- Inference Recommender jobs: in memory, measured on their own thread against this gateway ----
    private final RecommendationJobs recommendations;
    /** Application Auto Scaling of variants (AnyScaleFrontendService on the admin port). */
    private final Autoscaler autoscaler;
    private final ApplicationAutoScalingService autoScaling;
    private volatile Thread controlThread;

    /**
     * @param shadowExecutor where shadow responses are compared with production ones (off the event loops)
     */
    public ControlPlane(StateStore store, EndpointRegistry registry, InstanceProvider provider, VariantMeterRegistry meters,
                        Scheduler scheduler, Executor shadowExecutor, Settings settings) {
        this(store, registry, provider, meters, scheduler, shadowExecutor, settings,
                dev.sluice.core.config.S3Config.DEFAULT);
    }

    /** @param transformS3 where transform jobs read and write {@code s3://} locations (the server's S3 settings) */
    public ControlPlane(StateStore store, EndpointRegistry registry, InstanceProvider provider, VariantMeterRegistry meters,
                        Scheduler scheduler, Executor shadowExecutor, Settings settings,
                        dev.sluice.core.config.S3Config transformS3) {
        this.json = new ObjectMapper();
        this.store = store;
        this.registry = registry;
        this.provider = provider;
        this.scheduler = scheduler;
        this.settings = settings;
        this.shadowExecutor = shadowExecutor;
        this.executor = Executors.newSingleThreadExecutor(task -> {
            Thread thread = Thread.ofPlatform().name("sluice-control-plane").daemon(true).unstarted(task);
            controlThread = thread;
            return thread;
        });
        this.health = new HealthChecker(scheduler, settings.healthCheckInterval(), UNHEALTHY_AFTER, HEALTHY_AFTER);
        this.fleets = new Fleets(provider, meters, executor, health, new ServerlessScaler(scheduler, executor,
                meters.registry(), settings.serverlessIdleTimeout(), settings.serverlessColdStartWait()));
        scheduleServerlessSweep();
        this.autoscaler = new Autoscaler(scheduler, settings.autoscaling());
        this.autoScaling = new ApplicationAutoScalingService(autoscaler, this::scalableVariant, settings.region(),
                settings.accountId());
        autoscaler.start();
        this.arns = new Resources(settings.region(), settings.accountId(), json);
        this.transforms = new TransformJobs(provider, executor, scheduler::now, arns, json, transformS3);
        this.compilations = new CompilationJobs(executor, scheduler::now, arns, json, transformS3);
        this.recommendations = new RecommendationJobs(executor, scheduler::now, arns, json, transformS3,
                store.directory());
    }

    /**
     * Scales idle serverless variants down, on the control thread, at a quarter of the idle timeout (at least every
     * second, at most every 30 s) so a variant goes to zero at most a quarter late.
     */
    private void scheduleServerlessSweep() {
        long quarter = settings.serverlessIdleTimeout().toMillis() / 4;
        Duration every = Duration.ofMillis(Math.max(100, Math.min(30_000, quarter)));
        scheduler.schedule(() -> {
            if (executor.isShutdown()) {
                return;
            }
            try {
                executor.execute(() -> {
                    try {
                        fleets.serverless().sweep(endpoints.values());
                    } catch (RuntimeException e) {
                        LOG.warn("serverless sweep failed", e);
                    }
                    scheduleServerlessSweep();
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // The control plane is closing; nothing left to scale.
            }
        }, every);
    }

    /**
     * Where this gateway serves, as loopback URLs: inference recommendations jobs measure their candidates through the
     * gateway's public ports, like any client. Called once the ports are bound.
     *
     * @param authorization the {@code Authorization} header those calls carry when the ports authenticate, or null
     */
    public void servedAt(java.net.URI adminUrl, java.net.URI dataUrl, String authorization) {
        recommendations.servedAt(adminUrl, dataUrl, authorization);
    }

    /**
     * Runs one Application Auto Scaling operation ({@code X-Amz-Target: AnyScaleFrontendService.<operation>}) for
     * the {@code sagemaker:variant:DesiredInstanceCount} of this gateway's variants.
     */
    public CompletableFuture<JsonNode> autoScaling(String operation, JsonNode request) {
        return onControlThread(() -> autoScaling.handle(operation, request));
    }

    /** The variant a scalable target names, while its endpoint serves it. Control thread. */
    private Optional<ResourceResolver.ScalableResource> scalableVariant(VariantKey key) {
        return liveVariant(key).map(ignored -> new ResourceResolver.ScalableResource(new VariantCapacity(key),
                new VariantLoad(key)));
    }

    private Optional<LiveVariant> liveVariant(VariantKey key) {
        LiveEndpoint e = endpoints.get(key.endpointName());
        if (e == null || e.deleted || e.fleet == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(e.fleet.variant(key.variantName()));
    }

    /**
     * Runs a read on the control thread and waits for it (inline when already there, so a policy evaluated during an
     * operation cannot wait on itself). Used by the autoscaler's evaluation ticks, which run on the timer thread.
     */
    private <T> T onControlThreadNow(java.util.function.Supplier<T> work) {
        if (Thread.currentThread() == controlThread) {
            return work.get();
        }
        try {
            return onControlThread(work).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw SluiceException.from(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new SluiceException(ErrorCode.FAILED_RESOURCE_ACCESS, "the control plane did not answer in 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SluiceException(ErrorCode.FAILED_RESOURCE_ACCESS, "interrupted");
        }
    }

    /** A variant's instance count as the autoscaler sets it: the same path as UpdateEndpointWeightsAndCapacities. */
    private final class VariantCapacity implements CapacityTarget {
        private final VariantKey key;

        VariantCapacity(VariantKey key) {
            this.key = key;
        }

        @Override
        public int currentCapacity() {
            return onControlThreadNow(() -> liveVariant(key).map(LiveVariant::desiredInstanceCount).orElse(0));
        }

        @Override
        public CompletableFuture<Void> setDesiredCapacity(int desired, String cause) {
            return onControlThread(() -> {
                LiveEndpoint e = endpoints.get(key.endpointName());
                LiveVariant variant = liveVariant(key).orElseThrow(() -> new SluiceException(
                        ErrorCode.FAILED_RESOURCE_ACCESS, "endpoint " + key.endpointName() + " no longer serves variant "
                        + key.variantName()));
                if (!IN_SERVICE.equals(e.status)) {
                    throw new SluiceException(ErrorCode.FAILED_RESOURCE_ACCESS, "endpoint " + key.endpointName()
                            + " is " + e.status + "; capacity can change only while it is InService");
                }
                LOG.info("autoscaling {}/{}: {} -> {} instances ({})", key.endpointName(), key.variantName(),
                        variant.desiredInstanceCount(), desired, cause);
                return changeCapacity(e, Map.of(variant, desired));
            }).thenCompose(change -> change);
        }
    }

    /** What target tracking reads: invocations, requests in flight and instances of one variant. */
    private final class VariantLoad implements MetricsSource {
        private final VariantKey key;

        VariantLoad(VariantKey key) {
            this.key = key;
        }

        private Optional<dev.sluice.variants.InstancePool> pool() {
            return onControlThreadNow(() -> liveVariant(key).map(LiveVariant::pool));
        }

        @Override
        public long invocations() {
            return pool().map(p -> p.metrics().stats().invocations()).orElse(0L);
        }

        @Override
        public double concurrentRequests() {
            return pool().map(p -> (double) p.outstanding()).orElse(0.0);
        }

        @Override
        public int instances() {
            return pool().map(dev.sluice.variants.InstancePool::size).orElse(0);
        }
    }

    /** Runs one awsJson1_1 operation ({@code X-Amz-Target: SageMaker.<operation>}). */
    public CompletableFuture<JsonNode> invoke(String operation, JsonNode request) {
        return onControlThread(() -> dispatch(operation, request == null || request.isNull()
                ? json.createObjectNode() : request));
    }

    /** Reads the stored state back and brings every endpoint that was serving into service again. */
    public CompletableFuture<Void> restore() {
        return onControlThread(() -> {
            store.list(ALARMS).forEach((name, doc) -> alarms.put(name, Resources.alarmFrom(name, doc)));
            store.list(MODELS).forEach((name, doc) -> models.put(name, new Stored<>(
                    HostingShapes.parseModel(doc.get("Request")), doc.get("Request"), Resources.time(doc))));
            store.list(CONFIGS).forEach((name, doc) -> configs.put(name, new Stored<>(
                    HostingShapes.parseEndpointConfig(doc.get("Request")), doc.get("Request"), Resources.time(doc))));
            store.list(ENDPOINTS).forEach(this::restoreEndpoint);
            LOG.info("control plane restored {} models, {} endpoint configs, {} endpoints from {}", models.size(),
                    configs.size(), endpoints.size(), store.directory());
            return null;
        });
    }

    public CompletableFuture<Optional<ShadowReport.Snapshot>> shadowReport(String endpoint) {
        return onControlThread(() -> {
            LiveEndpoint e = endpoint(endpoint);
            return e.router == null ? Optional.<ShadowReport.Snapshot>empty() : e.router.shadowReport();
        });
    }

    /** Defines (or replaces) a rollback alarm, in the shape {@code {"Metric":..., "Threshold":..., "MinInvocations":...}}. */
    public CompletableFuture<JsonNode> putAlarm(String name, JsonNode definition) {
        return onControlThread(() -> {
            AlarmRule rule = Resources.alarmFrom(name, definition);
            alarms.put(name, rule);
            JsonNode doc = Resources.alarmDocument(rule, json);
            store.put(ALARMS, name, doc);
            return doc;
        });
    }

    public CompletableFuture<JsonNode> listAlarms() {
        return onControlThread(() -> {
            ArrayNode list = json.createArrayNode();
            alarms.values().stream().sorted(Comparator.comparing(AlarmRule::name))
                    .forEach(rule -> list.add(Resources.alarmDocument(rule, json)));
            ObjectNode out = json.createObjectNode();
            out.set("Alarms", list);
            return out;
        });
    }

    public CompletableFuture<JsonNode> deleteAlarm(String name) {
        return onControlThread(() -> {
            if (alarms.remove(name) == null) {
                throw validation("Could not find alarm \"" + name + "\".");
            }
            store.delete(ALARMS, name);
            return json.createObjectNode();
        });
    }

    private JsonNode dispatch(String operation, JsonNode request) {
        return switch (operation) {
            case "CreateModel" -> createModel(request);
            case "DescribeModel" -> describeModel(request);
            case "DeleteModel" -> deleteModel(request);
            case "ListModels" -> listModels(request);
            case "CreateEndpointConfig" -> createEndpointConfig(request);
            case "DescribeEndpointConfig" -> describeEndpointConfig(request);
            case "DeleteEndpointConfig" -> deleteEndpointConfig(request);
            case "ListEndpointConfigs" -> listEndpointConfigs(request);
            case "CreateEndpoint" -> createEndpoint(request);
            case "DescribeEndpoint" -> describeEndpoint(request);
            case "UpdateEndpoint" -> updateEndpoint(request);
            case "UpdateEndpointWeightsAndCapacities" -> updateWeightsAndCapacities(request);
            case "DeleteEndpoint" -> deleteEndpoint(request);
            case "ListEndpoints" -> listEndpoints(request);
            // ---- batch transform ----
            case "CreateTransformJob" -> transforms.create(request, name -> model(name).definition());
            case "DescribeTransformJob" -> transforms.describe(request);
            case "StopTransformJob" -> transforms.stop(request);
            case "ListTransformJobs" -> listTransformJobs(request);
            // ---- Neo compilation ----
            case "CreateCompilationJob" -> compilations.create(request);
            case "DescribeCompilationJob" -> compilations.describe(request);
            case "StopCompilationJob" -> compilations.stop(request);
            case "ListCompilationJobs" -> listCompilationJobs(request);
            case "CreateInferenceRecommendationsJob" -> recommendations.create(request, name -> {
                Stored<ModelDefinition> model = models.get(name);
                return model == null ? null : model.definition();
            });
            case "DescribeInferenceRecommendationsJob" -> recommendations.describe(request);
            case "StopInferenceRecommendationsJob" -> recommendations.stop(request);
            case "ListInferenceRecommendationsJobs" -> listRecommendationJobs(request);
            default -> throw new SluiceException(ErrorCode.UNKNOWN_OPERATION, "Operation SageMaker." + operation
                    + " is not supported by Sluice. Supported: CreateModel, DescribeModel, DeleteModel, ListModels, "
                    + "CreateEndpointConfig, DescribeEndpointConfig, DeleteEndpointConfig, ListEndpointConfigs, "
                    + "CreateEndpoint, DescribeEndpoint, UpdateEndpoint, UpdateEndpointWeightsAndCapacities, "
                    + "DeleteEndpoint, ListEndpoints, CreateTransformJob, DescribeTransformJob, StopTransformJob, "
                    + "ListTransformJobs.");
        };
    }

    // ---- models ----

    private JsonNode createModel(JsonNode request) {
        ModelDefinition model = HostingShapes.parseModel(request);
        String name = model.modelName();
        if (models.containsKey(name)) {
            throw validation("Cannot create already existing model \"" + arns.arn("model", name) + "\".");
        }
        provider.check(model);
        Instant now = scheduler.now();
        models.put(name, new Stored<>(model, request, now));
        store.put(MODELS, name, Resources.stored(request, now, json));
        return object("ModelArn", arns.arn("model", name));
    }

    private JsonNode describeModel(JsonNode request) {
        String name = HostingShapes.requireName(request, "ModelName");
        Stored<ModelDefinition> model = model(name);
        ObjectNode out = json.createObjectNode();
        out.put("ModelName", name);
        copy(model.request(), out, "PrimaryContainer", "Containers", "InferenceExecutionConfig", "ExecutionRoleArn",
                "EnableNetworkIsolation");
        out.set("CreationTime", Resources.time(model.createdAt()));
        out.put("ModelArn", arns.arn("model", name));
        return out;
    }

    private JsonNode deleteModel(JsonNode request) {
        String name = HostingShapes.requireName(request, "ModelName");
        model(name);
        // SageMaker lets a model be deleted while endpoints use it; they keep serving (their fleet holds a copy).
        models.remove(name);
        store.delete(MODELS, name);
        return json.createObjectNode();
    }

    private JsonNode listModels(JsonNode request) {
        return listStored(request, models, "Models", "Model", "model");
    }

    private Stored<ModelDefinition> model(String name) {
        Stored<ModelDefinition> model = models.get(name);
        if (model == null) {
            throw validation("Could not find model \"" + arns.arn("model", name) + "\".");
        }
        return model;
    }

    // ---- endpoint configs ----

    private JsonNode createEndpointConfig(JsonNode request) {
        EndpointConfigDefinition config = HostingShapes.parseEndpointConfig(request);
        String name = config.endpointConfigName();
        if (configs.containsKey(name)) {
            throw validation("Cannot create already existing endpoint configuration \""
                    + arns.arn("endpoint-config", name) + "\".");
        }
        for (ProductionVariant variant : allVariants(config)) {
            model(variant.modelName());
        }
        Instant now = scheduler.now();
        configs.put(name, new Stored<>(config, request, now));
        store.put(CONFIGS, name, Resources.stored(request, now, json));
        return object("EndpointConfigArn", arns.arn("endpoint-config", name));
    }

    private JsonNode describeEndpointConfig(JsonNode request) {
        String name = HostingShapes.requireName(request, "EndpointConfigName");
        Stored<EndpointConfigDefinition> config = config(name);
        ObjectNode out = json.createObjectNode();
        out.put("EndpointConfigName", name);
        out.put("EndpointConfigArn", arns.arn("endpoint-config", name));
        copy(config.request(), out, "ProductionVariants", "ShadowProductionVariants", "DataCaptureConfig",
                "AsyncInferenceConfig", "KmsKeyId");
        out.set("CreationTime", Resources.time(config.createdAt()));
        return out;
    }

    private JsonNode deleteEndpointConfig(JsonNode request) {
        String name = HostingShapes.requireName(request, "EndpointConfigName");
        config(name);
        configs.remove(name);
        store.delete(CONFIGS, name);
        return json.createObjectNode();
    }

    private JsonNode listEndpointConfigs(JsonNode request) {
        return listStored(request, configs, "EndpointConfigs", "EndpointConfig", "endpoint-config");
    }

    /** ListModels and ListEndpointConfigs: rows of {@code <prefix>Name}, {@code <prefix>Arn} and CreationTime. */
    private <T> JsonNode listStored(JsonNode request, Map<String, Stored<T>> stored, String field, String prefix,
                                    String arnType) {
        ListRequest list = HostingShapes.parseList(request, SORT_MODELS);
        List<Map.Entry<String, Stored<T>>> rows = new ArrayList<>(stored.entrySet());
        return page(list, rows, Map.Entry::getKey, e -> e.getValue().createdAt(), e -> null, field, e -> {
            ObjectNode row = json.createObjectNode();
            row.put(prefix + "Name", e.getKey());
            row.put(prefix + "Arn", arns.arn(arnType, e.getKey()));
            row.set("CreationTime", Resources.time(e.getValue().createdAt()));
            return row;
        });
    }

    private Stored<EndpointConfigDefinition> config(String name) {
        Stored<EndpointConfigDefinition> config = configs.get(name);
        if (config == null) {
            throw validation("Could not find endpoint configuration \"" + arns.arn("endpoint-config", name) + "\".");
        }
        return config;
    }

    private static List<ProductionVariant> allVariants(EndpointConfigDefinition config) {
        List<ProductionVariant> all = new ArrayList<>(config.productionVariants());
        all.addAll(config.shadowProductionVariants());
        return all;
    }

    /** The CreateModel requests of a config's models, so its endpoint survives their deletion and a restart. */
    private Map<String, JsonNode> modelRequests(EndpointConfigDefinition config) {
        Map<String, JsonNode> requests = new LinkedHashMap<>();
        for (ProductionVariant variant : allVariants(config)) {
            requests.put(variant.modelName(), model(variant.modelName()).request());
        }
        return requests;
    }

    // ---- endpoints ----

    private JsonNode createEndpoint(JsonNode request) {
        String name = HostingShapes.requireName(request, "EndpointName");
        String configName = HostingShapes.requireName(request, "EndpointConfigName");
        if (endpoints.containsKey(name) || registry.isExpected(name)) {
            throw validation("Cannot create already existing endpoint \"" + arns.arn("endpoint", name) + "\".");
        }
        Stored<EndpointConfigDefinition> config = config(configName);
        JsonNode deployment = request.get("DeploymentConfig");
        HostingShapes.parseDeploymentConfig(deployment);
        LiveEndpoint endpoint = new LiveEndpoint(name, scheduler.now(), CREATING);
        endpoint.configName = configName;
        endpoint.configRequest = config.request();
        endpoint.modelRequests = modelRequests(config.definition());
        endpoint.deploymentConfig = deployment;
        endpoints.put(name, endpoint);
        persist(endpoint);
        bringUp(endpoint, Map.of(), Map.of());
        return object("EndpointArn", arns.arn("endpoint", name));
    }

    private void restoreEndpoint(String name, JsonNode doc) {
        String status = doc.path("EndpointStatus").asText(FAILED);
        if (status.equals(DELETING)) {
            store.delete(ENDPOINTS, name);
            return;
        }
        LiveEndpoint endpoint = new LiveEndpoint(name, Resources.time(doc), status);
        endpoint.configName = doc.path("EndpointConfigName").asText();
        endpoint.configRequest = doc.get("EndpointConfig");
        Map<String, JsonNode> requests = new LinkedHashMap<>();
        doc.path("Models").fields().forEachRemaining(e -> requests.put(e.getKey(), e.getValue()));
        endpoint.modelRequests = requests;
        endpoint.deploymentConfig = doc.get("DeploymentConfig");
        endpoint.failureReason = doc.hasNonNull("FailureReason") ? doc.get("FailureReason").asText() : null;
        endpoints.put(name, endpoint);
        if (status.equals(FAILED)) {
            return;
        }
        // Creating, InService, Updating, RollingBack: bring back the last config that served, with its weights and
        // instance counts. An update interrupted by the restart is dropped, as if it had rolled back.
        Map<String, Double> weights = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        doc.path("Variants").fields().forEachRemaining(e -> {
            weights.put(e.getKey(), e.getValue().path("Weight").asDouble());
            counts.put(e.getKey(), e.getValue().path("InstanceCount").asInt());
        });
        endpoint.status = CREATING;
        bringUp(endpoint, weights, counts);
    }

    /** Starts an endpoint's fleet; InService when every instance serves, Failed with the reason otherwise. */
    private void bringUp(LiveEndpoint endpoint, Map<String, Double> weights, Map<String, Integer> counts) {
        EndpointConfigDefinition config;
        Map<String, ModelDefinition> definitions = new HashMap<>();
        try {
            config = HostingShapes.parseEndpointConfig(endpoint.configRequest);
            endpoint.modelRequests.forEach((model, req) -> definitions.put(model, HostingShapes.parseModel(req)));
        } catch (RuntimeException e) {
            fail(endpoint, e);
            return;
        }
        fleets.start(endpoint.name, endpoint.configName, endpoint.configRequest, config, endpoint.modelRequests,
                definitions::get, weights, counts, scheduler.now()).whenCompleteAsync((fleet, failure) -> {
                    if (endpoint.deleted) {
                        if (fleet != null) {
                            fleets.release(fleet);
                        }
                        return;
                    }
                    if (failure != null) {
                        fail(endpoint, failure);
                        return;
                    }
                    endpoint.fleet = fleet;
                    endpoint.router = new EndpointRouter(endpoint.name, fleet.routingTable(), shadowExecutor);
                    registry.register(dataPlaneEndpoint(endpoint));
                    endpoint.status = IN_SERVICE;
                    endpoint.failureReason = null;
                    endpoint.modifiedAt = scheduler.now();
                    persist(endpoint);
                    LOG.info("endpoint '{}' is InService with config '{}'", endpoint.name, endpoint.configName);
                }, executor);
    }

    private void fail(LiveEndpoint endpoint, Throwable failure) {
        endpoint.status = FAILED;
        endpoint.failureReason = SluiceException.from(failure).getMessage();
        endpoint.modifiedAt = scheduler.now();
        persist(endpoint);
        LOG.warn("endpoint '{}' failed: {}", endpoint.name, endpoint.failureReason);
    }

    private Endpoint dataPlaneEndpoint(LiveEndpoint endpoint) {
        LiveVariant first = endpoint.fleet.variants().get(0);
        InstanceProvider.Started instance = first.instanceCount() > 0 && !firstInstances(endpoint).isEmpty()
                ? firstInstances(endpoint).get(0) : null;
        return new Endpoint(endpoint.name, first.name(), first.definitionModelName(),
                instance == null ? "remote" : instance.platform(), endpoint.router,
                instance == null ? new dev.sluice.core.tensor.ModelSignature(List.of(), List.of())
                        : instance.signature());
    }

    private static List<InstanceProvider.Started> firstInstances(LiveEndpoint endpoint) {
        return endpoint.fleet.variants().get(0).startedInstances();
    }

    private JsonNode describeEndpoint(JsonNode request) {
        String name = HostingShapes.requireName(request, "EndpointName");
        LiveEndpoint e = endpoint(name);
        ObjectNode out = json.createObjectNode();
        out.put("EndpointName", name);
        out.put("EndpointArn", arns.arn("endpoint", name));
        out.put("EndpointConfigName", e.configName);
        if (e.fleet != null) {
            TrafficShift.Phase phase = e.shift == null ? null : e.shift.phase();
            String oldStatus = phase == TrafficShift.Phase.TERMINATING_OLD_FLEET ? "Deleting" : null;
            out.set("ProductionVariants", arns.variants(e.fleet.variants(), oldStatus, e.shift == null ? null
                    : e.pendingSince));
            if (!e.fleet.shadows().isEmpty()) {
                out.set("ShadowProductionVariants", arns.variants(e.fleet.shadows(), oldStatus, null));
            }
        }
        out.put("EndpointStatus", e.status);
        if (e.failureReason != null) {
            out.put("FailureReason", e.failureReason);
        }
        out.set("CreationTime", Resources.time(e.createdAt));
        out.set("LastModifiedTime", Resources.time(e.modifiedAt));
        if (e.deploymentConfig != null) {
            out.set("LastDeploymentConfig", e.deploymentConfig);
        }
        if (e.pendingConfigName != null) {
            ObjectNode pending = out.putObject("PendingDeploymentSummary");
            pending.put("EndpointConfigName", e.pendingConfigName);
            if (e.pending != null) {
                String status = e.shift == null ? null : switch (e.shift.phase()) {
                    case ACTIVATING_TRAFFIC -> "ActivatingTraffic";
                    case BAKING -> "Baking";
                    default -> null;
                };
                pending.set("ProductionVariants", arns.variants(e.pending.variants(), status, e.shift == null
                        ? null : e.shift.phaseStartedAt()));
            }
            pending.set("StartTime", Resources.time(e.pendingSince));
        }
        return out;
    }

    private JsonNode updateEndpoint(JsonNode request) {
        String name = HostingShapes.requireName(request, "EndpointName");
        String configName = HostingShapes.requireName(request, "EndpointConfigName");
        LiveEndpoint e = endpoint(name);
        requireInService(e);
        Stored<EndpointConfigDefinition> config = config(configName);
        JsonNode deploymentNode = request.get("DeploymentConfig");
        DeploymentConfig deployment = HostingShapes.parseDeploymentConfig(deploymentNode);
        int newInstances = config.definition().productionVariants().stream()
                .mapToInt(v -> Math.max(1, v.initialInstanceCount())).sum();
        TrafficShift.Policy policy = policy(deployment, newInstances);
        List<AlarmRule> rules = new ArrayList<>();
        if (deployment != null) {
            deployment.alarmNames().forEach(alarm -> rules.add(alarm(alarm)));
        }
        Map<String, Double> weights = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        if (request.path("RetainAllVariantProperties").asBoolean(false)) {
            for (LiveVariant v : e.fleet.all()) {
                weights.put(v.name(), v.weightValue());
                counts.put(v.name(), v.desiredInstanceCount());
            }
        }
        Map<String, JsonNode> modelRequests = modelRequests(config.definition());
        Map<String, ModelDefinition> definitions = new HashMap<>();
        modelRequests.forEach((model, req) -> definitions.put(model, models.get(model).definition()));
        e.status = UPDATING;
        e.pendingConfigName = configName;
        e.pendingSince = scheduler.now();
        e.modifiedAt = e.pendingSince;
        if (deploymentNode != null) {
            e.deploymentConfig = deploymentNode;
        }
        persist(e);
        fleets.start(name, configName, config.request(), config.definition(), modelRequests, definitions::get,
                weights, counts, scheduler.now()).whenCompleteAsync((fleet, failure) -> {
                    if (e.deleted) {
                        if (fleet != null) {
                            fleets.release(fleet);
                        }
                        return;
                    }
                    if (failure != null) {
                        e.status = IN_SERVICE;
                        e.failureReason = "Failed to update endpoint: " + SluiceException.from(failure).getMessage();
                        e.pendingConfigName = null;
                        e.modifiedAt = scheduler.now();
                        persist(e);
                        return;
                    }
                    e.pending = fleet;
                    e.shift = TrafficShift.start(e.router, fleet.routes(), policy, rules, scheduler);
                    e.shift.outcome().whenCompleteAsync((outcome, shiftFailure) ->
                            finishUpdate(e, fleet, outcome, shiftFailure), executor);
                }, executor);
        return object("EndpointArn", arns.arn("endpoint", name));
    }

    private void finishUpdate(LiveEndpoint e, Fleet fleet, TrafficShift.Outcome outcome, Throwable failure) {
        e.shift = null;
        e.pending = null;
        e.pendingConfigName = null;
        e.modifiedAt = scheduler.now();
        if (e.deleted) {
            fleets.release(fleet);
            return;
        }
        if (failure == null && !outcome.rolledBack()) {
            Fleet old = e.fleet;
            e.fleet = fleet;
            e.configName = fleet.configName();
            e.configRequest = fleet.configRequest();
            e.modelRequests = fleet.modelRequests();
            e.router.update(fleet.routingTable());
            registry.register(dataPlaneEndpoint(e));
            e.status = IN_SERVICE;
            e.failureReason = null;
            persist(e);
            fleets.release(old);
            LOG.info("endpoint '{}' updated to config '{}'", e.name, e.configName);
            return;
        }
        e.status = ROLLING_BACK;
        e.failureReason = failure != null ? "Update failed: " + SluiceException.from(failure).getMessage()
                : "Rolled back: " + outcome.reason();
        persist(e);
        LOG.warn("endpoint '{}' rolled back: {}", e.name, e.failureReason);
        fleets.release(fleet).whenCompleteAsync((ignored, f) -> {
            if (!e.deleted) {
                e.status = IN_SERVICE;
                e.modifiedAt = scheduler.now();
                persist(e);
            }
        }, executor);
    }

    private TrafficShift.Policy policy(DeploymentConfig deployment, int newInstances) {
        if (deployment == null || deployment.blueGreenUpdatePolicy() == null) {
            // SageMaker's default update is blue/green, all at once, with no baking.
            return new TrafficShift.Policy(TrafficShift.Type.ALL_AT_ONCE, 1.0, Duration.ZERO, Duration.ZERO, null,
                    settings.alarmCheckInterval());
        }
        var blueGreen = deployment.blueGreenUpdatePolicy();
        TrafficShift.Type type = TrafficShift.Type.valueOf(blueGreen.trafficRoutingType());
        double step = 1.0;
        if (type == TrafficShift.Type.CANARY) {
            step = share(blueGreen.canarySize(), newInstances);
            if (step > 0.5) {
                throw validation("CanarySize must be at most 50% of the new fleet's capacity (" + newInstances
                        + " instances); it is " + Math.round(step * 100) + "%.");
            }
        } else if (type == TrafficShift.Type.LINEAR) {
            step = share(blueGreen.linearStepSize(), newInstances);
            if (step < 0.1 - 1e-9 || step > 0.5 + 1e-9) {
                throw validation("LinearStepSize must be 10-50% of the new fleet's capacity (" + newInstances
                        + " instances); it is " + Math.round(step * 100) + "%.");
            }
        }
        Integer max = blueGreen.maximumExecutionTimeoutInSeconds();
        return new TrafficShift.Policy(type, step, Duration.ofSeconds(blueGreen.waitIntervalInSeconds()),
                Duration.ofSeconds(blueGreen.terminationWaitInSeconds()), max == null ? null : Duration.ofSeconds(max),
                settings.alarmCheckInterval());
    }

    private static double share(CapacitySize size, int instances) {
        return size.type().equals("CAPACITY_PERCENT") ? size.value() / 100.0 : size.value() / instances;
    }

    private AlarmRule alarm(String name) {
        AlarmRule rule = alarms.get(name);
        if (rule != null) {
            return rule;
        }
        try {
            return AlarmRule.parseInline(name).orElseThrow(() -> validation("Alarm \"" + name
                    + "\" is not defined. Define it on the admin port (PUT /alarms/" + name
                    + ") or name it inline, e.g. sluice:Invocation5XXErrorRate>0.05@20."));
        } catch (IllegalArgumentException e) {
            throw validation("Alarm \"" + name + "\": " + e.getMessage());
        }
    }

    private JsonNode updateWeightsAndCapacities(JsonNode request) {
        String name = HostingShapes.requireName(request, "EndpointName");
        LiveEndpoint e = endpoint(name);
        List<DesiredWeightAndCapacity> desired = HostingShapes.parseDesiredWeightsAndCapacities(request);
        requireInService(e);
        List<String> unknown = desired.stream().map(DesiredWeightAndCapacity::variantName)
                .filter(v -> e.fleet.variant(v) == null).toList();
        if (!unknown.isEmpty()) {
            throw validation("The variant(s) \"" + unknown + "\" are not present in the endpoint \""
                    + arns.arn("endpoint", name) + "\".");
        }
        Map<String, Double> weights = new HashMap<>();
        Map<LiveVariant, Integer> counts = new java.util.LinkedHashMap<>();
        for (DesiredWeightAndCapacity d : desired) {
            LiveVariant variant = e.fleet.variant(d.variantName());
            if (d.desiredWeight() != null) {
                weights.put(variant.name(), d.desiredWeight());
                variant.setWeight(d.desiredWeight());
            }
            if (d.desiredInstanceCount() != null) {
                counts.put(variant, d.desiredInstanceCount());
            }
        }
        if (!weights.isEmpty()) {
            e.router.update(e.router.table().withWeights(weights));
        }
        changeCapacity(e, counts);
        return object("EndpointArn", arns.arn("endpoint", name));
    }

    /**
     * Resizes variants of an in-service endpoint (UpdateEndpointWeightsAndCapacities, the autoscaler): the endpoint
     * is Updating until every start and drain-then-stop is done. Control thread; the future completes there too.
     */
    private CompletableFuture<Void> changeCapacity(LiveEndpoint e, Map<LiveVariant, Integer> counts) {
        List<CompletableFuture<Void>> changes = new ArrayList<>();
        Instant now = scheduler.now();
        counts.forEach((variant, count) -> {
            if (count != variant.desiredInstanceCount()) {
                changes.add(resize(e, variant, count, now));
            }
        });
        e.modifiedAt = now;
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (changes.isEmpty()) {
            persist(e);
            done.complete(null);
            return done;
        }
        e.status = UPDATING;
        e.capacityChanges++;
        CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new)).whenCompleteAsync((x, failure) -> {
            e.capacityChanges--;
            if (!e.deleted) {
                e.fleet.variants().forEach(LiveVariant::clearStatus);
                e.status = IN_SERVICE;
                e.failureReason = failure == null ? null
                        : "Failed to update capacity: " + SluiceException.from(failure).getMessage();
                e.modifiedAt = scheduler.now();
                persist(e);
            }
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(null);
            }
        }, executor);
        persist(e);
        return done;
    }

    /** Starts or stops instances until the variant has {@code count}; removed ones are drained before they stop. */
    private CompletableFuture<Void> resize(LiveEndpoint e, LiveVariant variant, int count, Instant now) {
        int current = variant.startedInstances().size();
        variant.setDesired(count, now);
        if (count > current) {
            List<CompletableFuture<Void>> starts = new ArrayList<>();
            for (int i = current; i < count; i++) {
                starts.add(fleets.startInstance(e.name, variant));
            }
            return CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new));
        }
        return fleets.stopInstances(variant, current - count);
    }

    private JsonNode deleteEndpoint(JsonNode request) {
        String name = HostingShapes.requireName(request, "EndpointName");
        LiveEndpoint e = endpoint(name);
        if (e.deleted) {
            return json.createObjectNode();
        }
        e.deleted = true;
        e.status = DELETING;
        // Scaling a deleted endpoint's variants would fail forever; its scalable targets go with it.
        autoscaler.targets().stream().map(t -> t.target().variant())
                .filter(v -> v.endpointName().equals(name)).toList().forEach(autoscaler::deregister);
        e.modifiedAt = scheduler.now();
        registry.unregister(name);
        persist(e);
        if (e.shift != null) {
            // The shift's outcome releases the new fleet (finishUpdate sees the endpoint deleted).
            e.shift.abort("endpoint deleted");
        }
        CompletableFuture<Void> released = e.fleet == null ? CompletableFuture.completedFuture(null)
                : fleets.release(e.fleet);
        released.whenCompleteAsync((ignored, failure) -> {
            endpoints.remove(name, e);
            store.delete(ENDPOINTS, name);
            LOG.info("endpoint '{}' deleted", name);
        }, executor);
        return json.createObjectNode();
    }

    private JsonNode listEndpoints(JsonNode request) {
        ListRequest list = HostingShapes.parseList(request, SORT_ENDPOINTS);
        List<LiveEndpoint> rows = new ArrayList<>(endpoints.values());
        return page(list, rows, e -> e.name, e -> e.createdAt, e -> e.status, "Endpoints", e -> {
            ObjectNode row = json.createObjectNode();
            row.put("EndpointName", e.name);
            row.put("EndpointArn", arns.arn("endpoint", e.name));
            row.set("CreationTime", Resources.time(e.createdAt));
            row.set("LastModifiedTime", Resources.time(e.modifiedAt));
            row.put("EndpointStatus", e.status);
            return row;
        });
    }

    // ---- batch transform ----

    private JsonNode listTransformJobs(JsonNode request) {
        ListRequest list = HostingShapes.parseList(request, SORT_ENDPOINTS, TransformJobs.STATUSES);
        return page(list, transforms.all(), TransformJobs.Job::name, TransformJobs.Job::createdAt,
                TransformJobs.Job::status, "TransformJobSummaries", transforms::summary);
    }

    private JsonNode listRecommendationJobs(JsonNode request) {
        ListRequest list = HostingShapes.parseList(request, SORT_ENDPOINTS, RecommendationJobs.STATUSES);
        return page(list, recommendations.all(request), RecommendationJobs.Job::name,
                RecommendationJobs.Job::createdAt, RecommendationJobs.Job::status, "InferenceRecommendationsJobs",
                recommendations::summary);
    }

    private JsonNode listCompilationJobs(JsonNode request) {
        ListRequest list = HostingShapes.parseList(request, SORT_ENDPOINTS, CompilationJobs.STATUSES);
        return page(list, compilations.all(request), CompilationJobs.Job::name, CompilationJobs.Job::createdAt,
                CompilationJobs.Job::status, "CompilationJobSummaries", compilations::summary);
    }

    private LiveEndpoint endpoint(String name) {
        LiveEndpoint e = endpoints.get(name);
        if (e == null) {
            // The EndpointDeleted waiter of every AWS SDK waits for exactly this ValidationException.
            throw validation("Could not find endpoint \"" + arns.arn("endpoint", name) + "\".");
        }
        return e;
    }

    private void persist(LiveEndpoint e) {
        store.put(ENDPOINTS, e.name, arns.endpointDocument(e));
    }

    // ---- helpers ----

    private <T> JsonNode page(ListRequest list, List<T> rows, Function<T, String> name, Function<T, Instant> created,
                              Function<T, String> status, String field, Function<T, JsonNode> render) {
        List<T> selected = new ArrayList<>(rows.stream()
                .filter(r -> list.nameContains() == null || name.apply(r).toLowerCase()
                        .contains(list.nameContains().toLowerCase()))
                .filter(r -> list.statusEquals() == null || list.statusEquals().equals(status.apply(r)))
                .filter(r -> list.creationTimeAfter() == null || created.apply(r).isAfter(list.creationTimeAfter()))
                .filter(r -> list.creationTimeBefore() == null
                        || created.apply(r).isBefore(list.creationTimeBefore()))
                .toList());
        Comparator<T> order = switch (list.sortBy()) {
            case "Name" -> Comparator.comparing(name);
            case "Status" -> Comparator.comparing((T r) -> String.valueOf(status.apply(r))).thenComparing(name);
            default -> Comparator.comparing(created).thenComparing(name);
        };
        selected.sort(list.descending() ? order.reversed() : order);
        int start = Resources.decodeToken(list.nextToken());
        int end = Math.min(selected.size(), start + list.maxResults());
        ObjectNode out = json.createObjectNode();
        ArrayNode items = out.putArray(field);
        for (int i = Math.min(start, selected.size()); i < end; i++) {
            items.add(render.apply(selected.get(i)));
        }
        if (end < selected.size()) {
            out.put("NextToken", Resources.encodeToken(end));
        }
        return out;
    }

    /** Describe* echoes what Create* was given, as SageMaker does. */
    private static void copy(JsonNode request, ObjectNode out, String... fields) {
        for (String field : fields) {
            if (request.has(field)) {
                out.set(field, request.get(field));
            }
        }
    }

    private void requireInService(LiveEndpoint e) {
        if (!IN_SERVICE.equals(e.status)) {
            throw validation("Cannot update in-progress endpoint \"" + arns.arn("endpoint", e.name)
                    + "\" (status " + e.status + ").");
        }
    }

    private ObjectNode object(String field, String value) {
        ObjectNode out = json.createObjectNode();
        out.put(field, value);
        return out;
    }

    private static SluiceException validation(String message) {
        return new SluiceException(ErrorCode.VALIDATION_EXCEPTION, message);
    }

    private <T> CompletableFuture<T> onControlThread(java.util.function.Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new SluiceException(ErrorCode.SERVICE_UNAVAILABLE,
                    "the control plane is shutting down"));
        }
    }

    /** Stops the control-plane thread; the fleets' models are closed with the model host. */
    @Override
    public void close() {
        // Running transform jobs stop taking records; their instances close with the model host.
        onControlThread(() -> {
            transforms.stopAll();
            compilations.close();
            recommendations.close();
            return null;
        });
        health.close();
        autoscaler.close();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
