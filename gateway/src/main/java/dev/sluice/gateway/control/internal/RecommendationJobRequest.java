package dev.sluice.gateway.control.internal;

import static dev.sluice.gateway.control.internal.JobRequests.choice;
import static dev.sluice.gateway.control.internal.JobRequests.integer;
import static dev.sluice.gateway.control.internal.JobRequests.invalid;
import static dev.sluice.gateway.control.internal.JobRequests.member;
import static dev.sluice.gateway.control.internal.JobRequests.object;
import static dev.sluice.gateway.control.internal.JobRequests.requireObject;
import static dev.sluice.gateway.control.internal.JobRequests.string;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.hosting.HostingShapes;
import dev.sluice.recommender.BatchingChoice;
import dev.sluice.recommender.Candidate;
import dev.sluice.recommender.CandidateGrid;
import dev.sluice.recommender.InstanceCatalog;
import dev.sluice.recommender.InstanceType;
import dev.sluice.recommender.RecommendRequest;
import dev.sluice.recommender.StoppingConditions;
import dev.sluice.recommender.TrafficPattern;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A {@code CreateInferenceRecommendationsJob} request (SAGEMAKER-CONTRACT.md §9) checked field by field before anything
 * runs, and translated into the recommender's terms.
 *
 * <p>How SageMaker's fields map (the README's recommender section says the same):
 * <ul>
 *   <li>{@code JobType Default} is {@code sluice recommend}: the adaptive STAIRS search per candidate, then the winner
 *       deployed again and measured at its recommended load. {@code Advanced} is a load test exactly as given: the
 *       TrafficPattern's phases in order, no verification.</li>
 *   <li>SageMaker counts load in simulated users, each sending back to back; Sluice offers arrival rates (an open
 *       model, so a growing queue shows in latency instead of slowing the clients down). One user is taken as one
 *       request per second: a PHASES phase runs at its mean user count ({@code InitialNumberOfUsers +
 *       SpawnRate × DurationInSeconds / 120}, SpawnRate being users per minute), and STAIRS becomes
 *       {@code NumberOfSteps} phases of {@code k × UsersPerStep} requests per second, {@code DurationInSeconds}
 *       each. Measuring stops at the first phase that misses the latency threshold.</li>
 *   <li>{@code EndpointConfigurations[].InstanceType} limits the report to those types: this machine is measured as
 *       the type it stands for (a listed one of its size when there is one) and the other listed types are estimated
 *       from it, marked so. {@code EnvironmentParameterRanges.CategoricalParameterRanges} choose the candidate grid:
 *       {@code SAGEMAKER_MODEL_SERVER_WORKERS}, {@code SLUICE_INTRA_OP_THREADS} (or {@code OMP_NUM_THREADS}),
 *       {@code SLUICE_BATCHING} ({@code true}/{@code false}).</li>
 *   <li>{@code JobDurationInSeconds} is the whole job's time budget; {@code StoppingConditions} are the SLA
 *       (one {@code ModelLatencyThresholds} entry, P95 or P99) and the target invocations per minute.</li>
 *   <li>{@code ContainerConfig.PayloadConfig.SamplePayloadUrl}: a payload file, or a tar.gz of them (the first is
 *       sent), as a local path or {@code s3://}; its type is {@code SupportedContentTypes[0]}.</li>
 * </ul>
 * Accepted and ignored: {@code RoleArn} (shape only), {@code OutputConfig}, {@code Tags}, {@code VpcConfig},
 * {@code VolumeKmsKeyId}, {@code ResourceLimit} (candidates run one at a time), the ContainerConfig's descriptive
 * members. Refused: {@code ModelPackageVersionArn} (no model registry), {@code ServerlessConfig} endpoint
 * configurations, {@code FlatInvocations}, more than one latency threshold.
 *
 * @param maxInvocations StoppingConditions.MaxInvocations (per minute), 0 when absent
 * @param latency        the threshold, or null for the recommender's default
 * @param traffic        the pattern, or null for the Default job's adaptive search
 * @param instanceTypes  the listed instance types, empty for the whole catalog
 */
public record RecommendationJobRequest(String jobName, String jobType, String description, String modelName,
                                       Integer jobDurationSeconds, TrafficPattern traffic, List<String> instanceTypes,
                                       List<Integer> workers, List<Integer> intraOpThreads,
                                       List<BatchingChoice> batching, String samplePayloadUrl, String contentType,
                                       long maxInvocations, StoppingConditions.LatencyThreshold latency) {
    public static final String DEFAULT = "Default";
    public static final String ADVANCED = "Advanced";
    static final List<String> JOB_TYPES = List.of(DEFAULT, ADVANCED);
    static final List<String> TRAFFIC_TYPES = List.of("PHASES", "STAIRS");
    static final List<String> PERCENTILES = List.of("P95", "P99");
    /** SageMaker: Default jobs may run up to 2 hours; Advanced up to the same. */
    static final int MAX_JOB_DURATION_SECONDS = 7200;
    /** SageMaker's minimum JobDurationInSeconds. */
    static final int MIN_JOB_DURATION_SECONDS = 60;
    static final int MAX_DESCRIPTION = 128;
    static final String ENV_OMP_NUM_THREADS = "OMP_NUM_THREADS";

    public RecommendationJobRequest {
        instanceTypes = List.copyOf(instanceTypes);
        workers = List.copyOf(workers);
        intraOpThreads = List.copyOf(intraOpThreads);
        batching = List.copyOf(batching);
    }

    public static RecommendationJobRequest parse(JsonNode request, InstanceCatalog catalog) {
        String jobName = HostingShapes.requireName(request, "JobName");
        String jobType = choice(request, "JobType", JOB_TYPES, true);
        JobRequests.roleArn(request);
        String description = string(request, "JobDescription");
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw invalid("JobDescription must be at most " + MAX_DESCRIPTION + " characters.");
        }
        JsonNode input = requireObject(request, "InputConfig");
        if (string(input, "InputConfig.ModelPackageVersionArn") != null) {
            throw invalid("InputConfig.ModelPackageVersionArn is not supported by Sluice: it has no model registry. Name"
                    + " a model created with CreateModel in InputConfig.ModelName.");
        }
        String modelName = string(input, "InputConfig.ModelName");
        if (modelName == null) {
            throw invalid("InputConfig.ModelName is required: the model (created with CreateModel) to recommend for.");
        }
        Integer duration = integer(input, "InputConfig.JobDurationInSeconds", MIN_JOB_DURATION_SECONDS,
                MAX_JOB_DURATION_SECONDS);
        TrafficPattern traffic = traffic(object(input, "InputConfig.TrafficPattern"));
        if (jobType.equals(ADVANCED) && traffic == null) {
            throw invalid("InputConfig.TrafficPattern is required for an Advanced job: it is the load test to run.");
        }
        Set<String> types = new LinkedHashSet<>();
        List<Integer> workers = new ArrayList<>();
        List<Integer> threads = new ArrayList<>();
        List<BatchingChoice> batching = new ArrayList<>();
        JsonNode configurations = member(input, "EndpointConfigurations");
        if (configurations != null) {
            if (!configurations.isArray() || configurations.size() > 10) {
                throw invalid("InputConfig.EndpointConfigurations must be a list of at most 10 configurations.");
            }
            for (int i = 0; i < configurations.size(); i++) {
                String at = "InputConfig.EndpointConfigurations." + (i + 1);
                JsonNode configuration = configurations.get(i);
                if (!configuration.isObject()) {
                    throw invalid(at + " must be an object.");
                }
                if (member(configuration, "ServerlessConfig") != null) {
                    throw invalid(at + ".ServerlessConfig is not supported by Sluice's recommender: it measures "
                            + "instance-backed variants. Give an InstanceType.");
                }
                String type = string(configuration, at + ".InstanceType");
                if (type == null) {
                    throw invalid(at + ".InstanceType is required.");
                }
                if (catalog.find(type).isEmpty()) {
                    throw invalid("Value '" + type + "' at '" + at + ".InstanceType' is not in Sluice's instance "
                            + "catalog: " + catalog.instanceTypes().stream().map(InstanceType::name).toList());
                }
                types.add(type);
                ranges(object(configuration, at + ".EnvironmentParameterRanges"), at + ".EnvironmentParameterRanges",
                        workers, threads, batching);
            }
        }
        String payloadUrl = null;
        String contentType = null;
        JsonNode container = object(input, "InputConfig.ContainerConfig");
        JsonNode payloadConfig = object(container, "InputConfig.ContainerConfig.PayloadConfig");
        if (payloadConfig != null) {
            payloadUrl = string(payloadConfig, "InputConfig.ContainerConfig.PayloadConfig.SamplePayloadUrl");
            JsonNode contentTypes = member(payloadConfig, "SupportedContentTypes");
            if (contentTypes != null) {
                if (!contentTypes.isArray() || contentTypes.isEmpty() || !contentTypes.get(0).isTextual()) {
                    throw invalid("InputConfig.ContainerConfig.PayloadConfig.SupportedContentTypes must be a non-empty"
                            + " list of media types.");
                }
                contentType = contentTypes.get(0).asText();
            }
        }
        long maxInvocations = 0;
        StoppingConditions.LatencyThreshold latency = null;
        JsonNode stopping = object(request, "StoppingConditions");
        if (stopping != null) {
            Integer max = integer(stopping, "StoppingConditions.MaxInvocations", 1, Integer.MAX_VALUE);
            maxInvocations = max == null ? 0 : max;
            if (member(stopping, "FlatInvocations") != null) {
                throw invalid("StoppingConditions.FlatInvocations is not supported by Sluice: its searches stop at the"
                        + " latency threshold or MaxInvocations.");
            }
            JsonNode thresholds = member(stopping, "ModelLatencyThresholds");
            if (thresholds != null) {
                if (!thresholds.isArray() || thresholds.size() != 1 || !thresholds.get(0).isObject()) {
                    throw invalid("StoppingConditions.ModelLatencyThresholds must hold exactly one threshold.");
                }
                JsonNode threshold = thresholds.get(0);
                String at = "StoppingConditions.ModelLatencyThresholds.1";
                String percentile = choice(threshold, at + ".Percentile", PERCENTILES, true);
                Integer millis = integer(threshold, at + ".ValueInMilliseconds", 1, 3_600_000);
                if (millis == null) {
                    throw invalid(at + ".ValueInMilliseconds is required.");
                }
                latency = new StoppingConditions.LatencyThreshold(StoppingConditions.Percentile.valueOf(percentile),
                        millis);
            }
        }
        return new RecommendationJobRequest(jobName, jobType, description, modelName, duration, traffic,
                List.copyOf(types), workers, threads, batching, payloadUrl, contentType, maxInvocations, latency);
    }

    private static TrafficPattern traffic(JsonNode pattern) {
        if (pattern == null) {
            return null;
        }
        String type = choice(pattern, "InputConfig.TrafficPattern.TrafficType", TRAFFIC_TYPES, false);
        JsonNode stairs = object(pattern, "InputConfig.TrafficPattern.Stairs");
        JsonNode phases = member(pattern, "Phases");
        if ("STAIRS".equals(type) || (type == null && stairs != null)) {
            if (stairs == null) {
                throw invalid("InputConfig.TrafficPattern.Stairs is required when TrafficType is STAIRS.");
            }
            String at = "InputConfig.TrafficPattern.Stairs";
            int seconds = required(integer(stairs, at + ".DurationInSeconds", 1, 3600), at + ".DurationInSeconds");
            int steps = required(integer(stairs, at + ".NumberOfSteps", 1, 100), at + ".NumberOfSteps");
            int users = required(integer(stairs, at + ".UsersPerStep", 1, 100_000), at + ".UsersPerStep");
            List<TrafficPattern.Phase> out = new ArrayList<>();
            for (int k = 1; k <= steps; k++) {
                out.add(new TrafficPattern.Phase((double) k * users, Duration.ofSeconds(seconds)));
            }
            return new TrafficPattern.Phases(out);
        }
        if (phases == null || !phases.isArray() || phases.isEmpty() || phases.size() > 10) {
            throw invalid("InputConfig.TrafficPattern.Phases must hold 1 to 10 phases.");
        }
        List<TrafficPattern.Phase> out = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            String at = "InputConfig.TrafficPattern.Phases." + (i + 1);
            JsonNode phase = phases.get(i);
            if (!phase.isObject()) {
                throw invalid(at + " must be an object.");
            }
            int initial = required(integer(phase, at + ".InitialNumberOfUsers", 1, 100_000), at + ".InitialNumberOfUsers");
            Integer spawn = integer(phase, at + ".SpawnRate", 0, 100_000);
            int seconds = required(integer(phase, at + ".DurationInSeconds", 1, 3600), at + ".DurationInSeconds");
            double rate = initial + (spawn == null ? 0 : spawn) * seconds / 120.0;
            out.add(new TrafficPattern.Phase(rate, Duration.ofSeconds(seconds)));
        }
        return new TrafficPattern.Phases(out);
    }

    private static void ranges(JsonNode ranges, String at, List<Integer> workers, List<Integer> threads,
                               List<BatchingChoice> batching) {
        if (ranges == null) {
            return;
        }
        JsonNode categorical = member(ranges, "CategoricalParameterRanges");
        if (categorical == null) {
            return;
        }
        if (!categorical.isArray()) {
            throw invalid(at + ".CategoricalParameterRanges must be a list.");
        }
        for (int i = 0; i < categorical.size(); i++) {
            String entryAt = at + ".CategoricalParameterRanges." + (i + 1);
            JsonNode entry = categorical.get(i);
            String name = string(entry, entryAt + ".Name");
            JsonNode values = member(entry, "Value");
            if (name == null || values == null || !values.isArray() || values.isEmpty()) {
                throw invalid(entryAt + " needs a Name and a non-empty Value list.");
            }
            for (JsonNode value : values) {
                String v = value.asText().trim();
                switch (name) {
                    case Candidate.ENV_WORKERS -> addNew(workers, positive(v, entryAt));
                    case Candidate.ENV_INTRA_OP_THREADS, ENV_OMP_NUM_THREADS -> addNew(threads, positive(v, entryAt));
                    case Candidate.ENV_BATCHING -> {
                        BatchingChoice choice = switch (v.toLowerCase(Locale.ROOT)) {
                            case "true", "on" -> BatchingChoice.DEFAULT_ON;
                            case "false", "off" -> BatchingChoice.OFF;
                            default -> throw invalid(entryAt + ": " + Candidate.ENV_BATCHING
                                    + " takes true or false, got '" + v + "'.");
                        };
                        if (!batching.contains(choice)) {
                            batching.add(choice);
                        }
                    }
                    default -> throw invalid(entryAt + ".Name '" + name + "' is not a parameter Sluice can vary: "
                            + List.of(Candidate.ENV_WORKERS, Candidate.ENV_INTRA_OP_THREADS, ENV_OMP_NUM_THREADS,
                            Candidate.ENV_BATCHING) + ".");
                }
            }
        }
    }

    private static void addNew(List<Integer> list, int value) {
        if (!list.contains(value)) {
            list.add(value);
        }
    }

    private static int positive(String value, String at) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= 256) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(at + ": '" + value + "' is not a whole number between 1 and 256.");
    }

    private static int required(Integer value, String field) {
        if (value == null) {
            throw invalid(field + " is required.");
        }
        return value;
    }

    /** The candidate grid the ranges chose (unset dimensions are chosen per instance type, as the CLI does). */
    public CandidateGrid grid() {
        return new CandidateGrid(workers, intraOpThreads, batching);
    }

    /** The recommender's stopping conditions: the SLA and the target load. */
    public StoppingConditions stoppingConditions() {
        return StoppingConditions.of(latency, maxInvocations);
    }

    /**
     * The recommender's options: a Default job verifies its recommendation, an Advanced one is the load test only.
     * The budget is JobDurationInSeconds, else the CLI's default.
     */
    public RecommendRequest.Options options() {
        RecommendRequest.Options d = RecommendRequest.Options.defaults();
        Duration budget = jobDurationSeconds == null ? d.timeBudget() : Duration.ofSeconds(jobDurationSeconds);
        return new RecommendRequest.Options(jobType.equals(DEFAULT), d.verifyDuration(), true, d.warmUp(),
                d.maxInFlight(), d.requestTimeout(), d.setupTimeout(), budget, d.headroom());
    }

    /**
     * The catalog the job reports on: the listed types plus the one this machine stands for (which must be measured
     * as something), or the whole catalog when none are listed.
     *
     * @return the catalog and the type this machine is measured as (null: the recommender decides by its size)
     */
    public Catalog catalog(InstanceCatalog full) {
        if (instanceTypes.isEmpty()) {
            return new Catalog(full, null);
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        String arch = InstanceType.normalizeArch(System.getProperty("os.arch"));
        List<InstanceType> listed = instanceTypes.stream().map(full::require).toList();
        InstanceType local = listed.stream()
                .filter(t -> t.vCpus() == cpus && t.arch().equals(arch) && !t.hasAccelerator()).findFirst()
                .or(() -> full.forMachine(cpus, arch))
                .orElseThrow(() -> invalid("No instance type in Sluice's catalog has this machine's " + cpus
                        + " vCPUs and " + arch + " architecture, so its measurements cannot stand for any type."));
        List<InstanceType> types = new ArrayList<>(listed);
        if (!types.contains(local)) {
            types.add(local);
        }
        return new Catalog(new InstanceCatalog(full.pricesAsOf(), full.region(), full.note(), types), local.name());
    }

    public record Catalog(InstanceCatalog catalog, String localInstanceType) {
    }
}
