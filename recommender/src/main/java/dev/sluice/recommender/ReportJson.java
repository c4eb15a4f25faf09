package dev.sluice.recommender;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/**
 * {@code recommendations.json}: SageMaker's DescribeInferenceRecommendationsJob shape (InferenceRecommendations of
 * EndpointConfiguration, ModelConfiguration and Metrics) with what Sluice adds marked by name: estimated rows in their
 * own array, the load steps behind each row, the verification, and the deployment snippet. The committed JSON Schema
 * ({@link RecommendationSchema}) describes every field.
 */
public final class ReportJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {
    }

    public static ObjectNode toJson(RecommendationReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("JobName", report.jobName());
        root.put("JobType", "Advanced");
        root.put("Status", report.status());
        root.put("CreationTime", report.creationTime().toString());
        root.put("CompletionTime", report.completionTime().toString());
        root.put("JobDurationInSeconds", round(Duration.between(report.creationTime(), report.completionTime())
                .toMillis() / 1000.0, 1));
        input(root.putObject("InputConfig"), report.request());
        root.putObject("MeasuredInstanceType")
                .put("InstanceType", report.localInstanceType().name())
                .put("Source", report.instanceTypeSource());
        RecommendRequest request = report.request();
        root.putObject("Catalog").put("PricesAsOf", request.catalog().pricesAsOf())
                .put("Region", request.catalog().region()).put("Note", request.catalog().note());
        ArrayNode measured = root.putArray("InferenceRecommendations");
        for (Recommendation r : report.measured()) {
            row(measured.addObject(), r, report);
        }
        ArrayNode estimated = root.putArray("EstimatedRecommendations");
        for (Recommendation r : report.estimated()) {
            row(estimated.addObject(), r, report);
        }
        root.put("EstimationModel", Estimator.MODEL);
        if (report.recommended() == null) {
            root.putNull("RecommendedId");
            root.putNull("Deployment");
        } else {
            root.put("RecommendedId", report.recommended().recommendationId());
            DeploySnippet deploy = DeploySnippet.of(report, report.recommended());
            ObjectNode d = root.putObject("Deployment");
            d.set("CreateModel", deploy.createModel());
            d.set("CreateEndpointConfig", deploy.createEndpointConfig());
            d.set("CreateEndpoint", deploy.createEndpoint());
            d.put("ServeCommand", deploy.serveCommand());
            d.put("ServeConfig", deploy.serveConfigYaml());
        }
        Verification v = report.verification();
        if (v == null) {
            root.putNull("Verification");
        } else {
            ObjectNode node = root.putObject("Verification");
            node.put("RecommendationId", v.recommendationId());
            node.put("InstanceType", v.instanceType());
            node.put("RatePerSecond", round(v.ratePerSecond(), 3));
            node.put("InvocationsPerMinute", Math.round(v.ratePerSecond() * 60));
            nullable(node, "ModelSetupTime", v.modelSetupTimeMillis());
            node.put("MeetsSla", v.meetsSla());
            if (v.step() == null) {
                node.putNull("LoadStep");
            } else {
                step(node.putObject("LoadStep"), v.step());
            }
            if (v.error() == null) {
                node.putNull("Error");
            } else {
                node.put("Error", v.error());
            }
        }
        ArrayNode notes = root.putArray("Notes");
        report.notes().forEach(notes::add);
        return root;
    }

    public static String write(RecommendationReport report) {
        try {
            return JSON.writeValueAsString(toJson(report)) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    private static void input(ObjectNode node, RecommendRequest request) {
        ModelUnderTest model = request.model();
        node.put("Model", model.description());
        node.put("Image", model.image());
        node.put("ContentType", model.contentType());
        if (model.payload() == null) {
            node.putNull("PayloadBytes");
        } else {
            node.put("PayloadBytes", model.payload().length);
        }
        ArrayNode artifacts = node.putArray("Artifacts");
        for (ArtifactVariant a : model.artifacts()) {
            ObjectNode an = artifacts.addObject().put("Name", a.name());
            if (a.modelDataUrl() == null) {
                an.putNull("ModelDataUrl");
            } else {
                an.put("ModelDataUrl", a.modelDataUrl());
            }
        }
        ObjectNode traffic = node.putObject("TrafficPattern");
        traffic.put("TrafficType", request.traffic().trafficType());
        switch (request.traffic()) {
            case TrafficPattern.Stairs s -> traffic.putObject("Stairs")
                    .put("StartRatePerSecond", s.startRatePerSecond())
                    .put("StepFactor", s.stepFactor())
                    .put("DurationInSeconds", s.stepDuration().toMillis() / 1000.0)
                    .put("ConfirmDurationInSeconds", s.confirmDuration().toMillis() / 1000.0)
                    .put("MaxSteps", s.maxSteps())
                    .put("RefineSteps", s.refineSteps());
            case TrafficPattern.Phases p -> {
                ArrayNode phases = traffic.putArray("Phases");
                for (TrafficPattern.Phase phase : p.phases()) {
                    phases.addObject().put("RatePerSecond", phase.ratePerSecond())
                            .put("DurationInSeconds", phase.duration().toMillis() / 1000.0);
                }
            }
        }
        StoppingConditions stop = request.stopping();
        ObjectNode stopping = node.putObject("StoppingConditions");
        stopping.put("MaxInvocations", stop.maxInvocationsPerMinute());
        stopping.putArray("ModelLatencyThresholds").addObject()
                .put("Percentile", stop.latency().percentile().name())
                .put("ValueInMilliseconds", stop.latency().valueMillis());
        stopping.put("MaxErrorRate", stop.maxErrorRate());
        node.put("Headroom", request.options().headroom());
        ObjectNode grid = node.putObject("CandidateGrid");
        ArrayNode workers = grid.putArray("Workers");
        request.grid().workers().forEach(workers::add);
        ArrayNode threads = grid.putArray("IntraOpThreads");
        request.grid().intraOpThreads().forEach(threads::add);
        ArrayNode batching = grid.putArray("Batching");
        request.grid().batching().forEach(b -> batching.add(b.label()));
        ArrayNode hosts = node.putArray("Hosts");
        for (Gateway h : request.hosts()) {
            hosts.addObject().put("Url", h.adminUrl().toString()).put("DataUrl", h.dataUrl().toString())
                    .put("InstanceType", h.instanceType());
        }
    }

    private static void row(ObjectNode node, Recommendation r, RecommendationReport report) {
        node.put("RecommendationId", r.recommendationId());
        if (r.rank() == null) {
            node.putNull("Rank");
        } else {
            node.put("Rank", r.rank());
        }
        node.put("Recommended", report.recommended() != null && !r.estimated()
                && report.recommended().recommendationId().equals(r.recommendationId()));
        node.put("Estimated", r.estimated());
        if (r.estimatedFrom() == null) {
            node.putNull("EstimatedFrom");
        } else {
            node.put("EstimatedFrom", r.estimatedFrom());
        }
        node.put("MeetsSla", r.meetsSla());
        node.putObject("EndpointConfiguration")
                .put("VariantName", "AllTraffic")
                .put("InstanceType", r.instanceType().name())
                .put("InitialInstanceCount", r.initialInstanceCount());
        ObjectNode model = node.putObject("ModelConfiguration");
        Candidate c = r.candidate();
        model.put("ArtifactVariant", c.artifact().name());
        ArrayNode env = model.putArray("EnvironmentParameters");
        r.environment().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> env.addObject()
                .put("Key", e.getKey()).put("ValueType", "String").put("Value", e.getValue()));
        model.putObject("Runners").put("Workers", c.workers()).put("IntraOpThreads", c.intraOpThreads())
                .put("Batching", c.batching().enabled())
                .put("MaxBatchSize", c.batching().maxBatchSize())
                .put("MaxBatchDelayInMilliseconds", c.batching().maxDelayMillis());
        Metrics m = r.metrics();
        ObjectNode metrics = node.putObject("Metrics");
        metrics.put("CostPerHour", round(m.costPerHour(), 4));
        nullable(metrics, "CostPerInference", m.costPerInference() == null ? null
                : Format.significant(m.costPerInference(), 4));
        metrics.put("MaxInvocations", m.maxInvocations());
        metrics.put("MaxInvocationsMeasured", m.maxInvocationsMeasured());
        nullable(metrics, "ModelLatency", round(m.modelLatencyMillis(), 3));
        nullable(metrics, "ModelLatencyP50", round(m.p50Millis(), 3));
        nullable(metrics, "ModelLatencyP95", round(m.p95Millis(), 3));
        nullable(metrics, "ModelLatencyP99", round(m.p99Millis(), 3));
        nullable(metrics, "CpuUtilization", round(m.cpuUtilization(), 1));
        nullable(metrics, "MemoryUtilization", round(m.memoryUtilization(), 1));
        nullable(metrics, "ModelSetupTime", m.modelSetupTimeMillis());
        metrics.put("InstanceCostPerHour", m.instanceCostPerHour());
        metrics.put("InvocationsPerDollar", Math.round(m.invocationsPerDollar()));
        nullable(metrics, "MemoryBytes", m.memoryBytes());
        node.put("StoppedBy", r.stoppedBy().wireName());
        if (r.gateway() == null) {
            node.putNull("Gateway");
        } else {
            node.put("Gateway", r.gateway());
        }
        if (r.error() == null) {
            node.putNull("Error");
        } else {
            node.put("Error", r.error());
        }
        ArrayNode steps = node.putArray("LoadSteps");
        for (LoadStep s : r.steps()) {
            step(steps.addObject(), s);
        }
    }

    private static void step(ObjectNode node, LoadStep s) {
        node.put("Kind", s.kind());
        node.put("RatePerSecond", round(s.ratePerSecond(), 3));
        node.put("InvocationsPerMinute", Math.round(s.ratePerSecond() * 60));
        node.put("DurationInSeconds", round(s.durationSeconds(), 3));
        node.put("Requests", s.requests());
        node.put("Errors", s.errors());
        node.put("ThroughputPerSecond", round(s.throughputPerSecond(), 2));
        nullable(node, "ModelLatencyP50", round(s.p50Millis(), 3));
        nullable(node, "ModelLatencyP95", round(s.p95Millis(), 3));
        nullable(node, "ModelLatencyP99", round(s.p99Millis(), 3));
        nullable(node, "ModelLatencyMax", round(s.maxMillis(), 3));
        nullable(node, "CpuUtilization", round(s.cpuUtilization(), 1));
        nullable(node, "MemoryUtilization", round(s.memoryUtilization(), 1));
        node.put("ScheduleLagMaxInMilliseconds", round(s.maxScheduleLagMillis(), 3));
        nullable(node, "EarlyModelLatencyP50", round(s.earlyP50Millis(), 3));
        nullable(node, "LateModelLatencyP50", round(s.lateP50Millis(), 3));
        node.put("MeetsSla", s.passed());
    }

    private static void nullable(ObjectNode node, String field, Double value) {
        if (value == null || value.isNaN() || value.isInfinite()) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    private static void nullable(ObjectNode node, String field, Long value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    private static Double round(Double value, int decimals) {
        if (value == null || value.isNaN() || value.isInfinite()) {
            return null;
        }
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
