package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.batch.internal.S3Clients;
import dev.sluice.batch.internal.Store;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.S3Config;
import dev.sluice.core.hosting.ContainerDefinition;
import dev.sluice.core.hosting.HostingShapes;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.recommender.ArtifactVariant;
import dev.sluice.recommender.Gateway;
import dev.sluice.recommender.InstanceCatalog;
import dev.sluice.recommender.Metrics;
import dev.sluice.recommender.ModelUnderTest;
import dev.sluice.recommender.ProgressEvent;
import dev.sluice.recommender.ProgressListener;
import dev.sluice.recommender.RecommendRequest;
import dev.sluice.recommender.Recommendation;
import dev.sluice.recommender.RecommendationJob;
import dev.sluice.recommender.RecommendationReport;
import dev.sluice.recommender.Recommender;
import dev.sluice.recommender.ReportWriter;
import dev.sluice.recommender.Verification;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SageMaker Inference Recommender jobs on the control plane ({@code CreateInferenceRecommendationsJob},
 * {@code DescribeInferenceRecommendationsJob}, {@code StopInferenceRecommendationsJob};
 * {@code ListInferenceRecommendationsJobs} pages through {@link #all(JsonNode)}). A job runs the same recommender as
 * {@code sluice recommend} against this very gateway, over its public ports, so what it measures is what a client
 * gets; {@link RecommendationJobRequest} says how SageMaker's fields map.
 *
 * <p>Jobs run one at a time on the {@value #THREAD_NAME} thread: candidates measured side by side would share the
 * machine's cores and measure each other. Up to {@value #MAX_QUEUED} more wait in {@code PENDING}. Every method here
 * and every completion runs on the control-plane thread, so the jobs need no locks. Each finished job leaves
 * {@code report.html} and {@code recommendations.json} in {@code <data dir>/recommendation-reports/<job>/} (named in
 * Describe's {@code ReportLocation}); the jobs themselves live in memory, like compilation jobs.
 */
public final class RecommendationJobs implements AutoCloseable {
    public static final String PENDING = "PENDING";
    public static final String IN_PROGRESS = "IN_PROGRESS";
    public static final String COMPLETED = "COMPLETED";
    public static final String FAILED = "FAILED";
    public static final String STOPPING = "STOPPING";
    public static final String STOPPED = "STOPPED";
    /** What ListInferenceRecommendationsJobs accepts in StatusEquals (DELETING/DELETED never happen here). */
    public static final Set<String> STATUSES = Set.of(PENDING, IN_PROGRESS, COMPLETED, FAILED, STOPPING, STOPPED,
            "DELETING", "DELETED");
    static final String THREAD_NAME = "sluice-recommendation";
    static final int MAX_QUEUED = 16;
    static final String REPORTS_DIR = "recommendation-reports";
    /** SageMaker's FailureReason is at most 1024 characters. */
    private static final int MAX_FAILURE_REASON = 1024;
    /** The data plane's own limit: a sample payload larger than it could never be sent. */
    private static final int MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(RecommendationJobs.class);

    /** One job: the request as given, its state, and what the job's thread shares with it. */
    public static final class Job {
        final String name;
        final JsonNode request;
        final RecommendationJobRequest parsed;
        final Instant createdAt;
        final Path reportDir;
        String status = PENDING;
        String failureReason;
        Instant startedAt;
        Instant endedAt;
        Instant modifiedAt;
        RecommendationReport report;
        /** Set on the control thread once the recommender runs; null before. */
        RecommendationJob running;
        /** Set on the control thread, read by the job's thread before the recommender starts. */
        volatile boolean stopRequested;
        /** What the job is doing now (a Sluice extra in Describe); written by the job's thread. */
        volatile String stage;

        Job(String name, JsonNode request, RecommendationJobRequest parsed, Instant createdAt, Path reportDir) {
            this.name = name;
            this.request = request;
            this.parsed = parsed;
            this.createdAt = createdAt;
            this.modifiedAt = createdAt;
            this.reportDir = reportDir;
        }

        public String name() {
            return name;
        }

        public Instant createdAt() {
            return createdAt;
        }

        public String status() {
            return status;
        }

        boolean ended() {
            return status.equals(COMPLETED) || status.equals(FAILED) || status.equals(STOPPED);
        }
    }

    private final Executor controlPlane;
    private final Supplier<Instant> clock;
    private final Resources arns;
    private final ObjectMapper json;
    private final S3Config s3;
    private final Path reportsRoot;
    private final InstanceCatalog catalog;
    private final S3Clients s3Clients = new S3Clients();
    private final ThreadPoolExecutor runner;
    private final Map<String, Job> jobs = new HashMap<>();
    /** This gateway's own ports, as the recommender reaches them; null until the server has bound them. */
    private volatile Gateway self;

    /**
     * @param controlPlane the control-plane executor: every completion hops back onto it
     * @param s3           where {@code s3://} sample payloads live (the server's S3 settings)
     * @param dataDir      the control plane's data directory: reports go under it
     */
    public RecommendationJobs(Executor controlPlane, Supplier<Instant> clock, Resources arns, ObjectMapper json,
                              S3Config s3, Path dataDir) {
        this.controlPlane = controlPlane;
        this.clock = clock;
        this.arns = arns;
        this.json = json;
        this.s3 = s3 == null ? S3Config.DEFAULT : s3;
        this.reportsRoot = dataDir.resolve(REPORTS_DIR);
        this.catalog = InstanceCatalog.defaults();
        this.runner = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_QUEUED * 2),
                task -> Thread.ofPlatform().name(THREAD_NAME).daemon(true).unstarted(task));
    }

    /**
     * Where this gateway serves: the admin port (control plane, metrics) and the data port, as loopback URLs, and the
     * {@code Authorization} header its own calls need (null when the ports do not authenticate).
     */
    public void servedAt(URI adminUrl, URI dataUrl, String authorization) {
        this.self = Gateway.inProcess(adminUrl, dataUrl).withAuthorization(authorization);
    }

    /** @param models the control plane's models by name: the definition, or null when there is none */
    public JsonNode create(JsonNode request, Function<String, ModelDefinition> models) {
        RecommendationJobRequest parsed = RecommendationJobRequest.parse(request, catalog);
        if (jobs.containsKey(parsed.jobName())) {
            throw new SluiceException(ErrorCode.RESOURCE_IN_USE, "Inference recommendations job \"" + parsed.jobName()
                    + "\" already exists (" + arn(parsed.jobName()) + ").");
        }
        ModelDefinition model = models.apply(parsed.modelName());
        if (model == null) {
            throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "Could not find model \"" + parsed.modelName()
                    + "\" (InputConfig.ModelName).");
        }
        ModelUnderTest underTest = modelUnderTest(model, parsed);
        RecommendationJobRequest.Catalog jobCatalog = parsed.catalog(catalog);
        Gateway gateway = self;
        if (gateway == null) {
            throw new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "The gateway is still starting; try again.");
        }
        if (gateway.adminUrl().getScheme().equals("https")) {
            // The recommender's client would have to trust this server's own certificate under a loopback name.
            throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "Inference recommendations jobs are not "
                    + "supported on a gateway serving TLS yet: run them on a plain-HTTP gateway (sluice recommend "
                    + "starts one of its own on loopback).");
        }
        long pending = jobs.values().stream().filter(j -> !j.ended()).count();
        if (pending > MAX_QUEUED) {
            throw new SluiceException(ErrorCode.RESOURCE_LIMIT_EXCEEDED, "Too many inference recommendations jobs are "
                    + "waiting: Sluice runs one at a time and queues at most " + MAX_QUEUED + "; try again later.");
        }
        Job job = new Job(parsed.jobName(), request, parsed, clock.get(), reportsRoot.resolve(parsed.jobName()));
        CompletableFuture<RecommendRequest> prepared;
        try {
            prepared = CompletableFuture.supplyAsync(() -> prepare(job, underTest, jobCatalog), runner);
        } catch (RejectedExecutionException e) {
            throw new SluiceException(ErrorCode.RESOURCE_LIMIT_EXCEEDED, "Too many inference recommendations jobs are "
                    + "waiting; try again later.");
        }
        jobs.put(job.name, job);
        prepared.thenComposeAsync(recommendRequest -> run(job, recommendRequest, gateway), controlPlane)
                .thenApplyAsync(report -> writeReport(job, report), runner)
                .whenCompleteAsync((report, failure) -> finish(job, report, failure), controlPlane);
        LOG.info("inference recommendations job '{}' created: {} job for model '{}'", job.name, parsed.jobType(),
                parsed.modelName());
        ObjectNode out = json.createObjectNode();
        out.put("JobArn", arn(job.name));
        return out;
    }

    /**
     * The model as the recommender deploys it: a single-container model's image, artifact and environment. The
     * built-in MiniLM ({@code sluice/sentence-embedding} without ModelDataUrl) is measured as {@code sluice recommend
     * --model builtin:minilm} measures it.
     */
    private static ModelUnderTest modelUnderTest(ModelDefinition model, RecommendationJobRequest parsed) {
        if (model.containers().size() != 1) {
            throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "Model \"" + model.modelName() + "\" has "
                    + model.containers().size() + " containers; the recommender measures single-container models.");
        }
        ContainerDefinition container = model.containers().get(0);
        if (container.multiModel()) {
            throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "Model \"" + model.modelName() + "\" is a "
                    + "multi-model container; the recommender measures single models. Create a model for one of them.");
        }
        String contentType = parsed.contentType() != null ? parsed.contentType() : "application/json";
        if (container.image().startsWith(ModelUnderTest.IMAGE_SENTENCE_EMBEDDING) && container.modelDataUrl() == null) {
            ModelUnderTest demo = ModelUnderTest.builtinMinilm();
            return new ModelUnderTest(model.modelName(), container.image(), demo.artifacts(), container.environment(),
                    demo.unbatchedEnvironment(), demo.payload(), demo.contentType(), demo.accept());
        }
        byte[] payload = null;
        if (parsed.samplePayloadUrl() == null && container.image().startsWith(ModelUnderTest.IMAGE_SENTENCE_EMBEDDING)) {
            payload = ("{\"inputs\":[\"" + ModelUnderTest.DEMO_SENTENCE + "\"]}").getBytes(
                    java.nio.charset.StandardCharsets.UTF_8);
        }
        return new ModelUnderTest(model.modelName(), container.image(),
                List.of(ArtifactVariant.original(container.modelDataUrl())), container.environment(), Map.of(),
                payload, contentType, null);
    }

    // ---- on the job's thread ----

    private RecommendRequest prepare(Job job, ModelUnderTest model, RecommendationJobRequest.Catalog jobCatalog) {
        if (job.stopRequested) {
            throw new CancellationException("stopped before it started");
        }
        onControlThread(() -> started(job));
        RecommendationJobRequest parsed = job.parsed;
        ModelUnderTest underTest = model;
        if (parsed.samplePayloadUrl() != null) {
            job.stage = "reading " + parsed.samplePayloadUrl();
            underTest = model.withPayload(samplePayload(parsed.samplePayloadUrl()), model.contentType());
        }
        return new RecommendRequest(job.name, underTest, parsed.grid(), parsed.traffic(), parsed.stoppingConditions(),
                jobCatalog.catalog(), jobCatalog.localInstanceType(), List.of(), parsed.options());
    }

    /** A payload file, or the first file of a tar(.gz) of payloads, as SageMaker's SamplePayloadUrl holds them. */
    private byte[] samplePayload(String url) {
        try {
            byte[] raw;
            if (Store.isS3(url)) {
                raw = readS3(url);
            } else {
                Path path = url.startsWith("file:") ? Path.of(URI.create(url)) : Path.of(url);
                if (!Files.isRegularFile(path)) {
                    throw new IllegalArgumentException("SamplePayloadUrl " + url + " is not a file");
                }
                if (Files.size(path) > MAX_PAYLOAD_BYTES * 4L) {
                    throw new IllegalArgumentException("SamplePayloadUrl " + url + " is larger than "
                            + MAX_PAYLOAD_BYTES * 4L + " bytes");
                }
                raw = Files.readAllBytes(path);
            }
            String name = url.toLowerCase(Locale.ROOT);
            byte[] payload = name.endsWith(".tar.gz") || name.endsWith(".tgz") || name.endsWith(".tar")
                    ? firstFile(raw, !name.endsWith(".tar"), url) : raw;
            if (payload.length == 0 || payload.length > MAX_PAYLOAD_BYTES) {
                throw new IllegalArgumentException("the sample payload from " + url + " has " + payload.length
                        + " bytes; it must have 1 to " + MAX_PAYLOAD_BYTES);
            }
            return payload;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SamplePayloadUrl " + url + ": " + e.getMessage(), e);
        }
    }

    private byte[] readS3(String url) throws IOException {
        try (Store store = Store.forLocation(url, null, s3Clients, s3)) {
            for (Store.Item item : store.list()) {
                if (item.display().equals(url)) {
                    try (InputStream in = store.open(item)) {
                        return in.readNBytes(MAX_PAYLOAD_BYTES * 4 + 1);
                    }
                }
            }
        }
        throw new IllegalArgumentException("no object at SamplePayloadUrl " + url);
    }

    private static byte[] firstFile(byte[] archive, boolean gzip, String url) throws IOException {
        InputStream in = new ByteArrayInputStream(archive);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(gzip ? new GzipCompressorInputStream(in) : in)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (entry.isFile()) {
                    return tar.readNBytes(MAX_PAYLOAD_BYTES + 1);
                }
            }
        }
        throw new IllegalArgumentException("the archive at SamplePayloadUrl " + url + " holds no file");
    }

    private ReportSummary writeReport(Job job, RecommendationReport report) {
        job.stage = "writing the report";
        try {
            ReportWriter.write(report, job.reportDir);
            return new ReportSummary(report, true);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("inference recommendations job '{}': cannot write its report to {}: {}", job.name, job.reportDir,
                    e.getMessage());
            return new ReportSummary(report, false);
        } finally {
            job.stage = null;
        }
    }

    private record ReportSummary(RecommendationReport report, boolean written) {
    }

    private void onControlThread(Runnable task) {
        try {
            controlPlane.execute(task);
        } catch (RejectedExecutionException closed) {
            // The control plane is closing; nobody will ask about this job again.
        }
    }

    // ---- on the control-plane thread ----

    private CompletableFuture<RecommendationReport> run(Job job, RecommendRequest request, Gateway gateway) {
        if (job.stopRequested) {
            return CompletableFuture.failedFuture(new CancellationException("stopped before it started"));
        }
        ProgressListener progress = event -> {
            String stage = stage(event);
            if (stage != null) {
                job.stage = stage;
            }
        };
        job.running = new Recommender().start(request, gateway, progress, runner);
        return job.running.result();
    }

    private static String stage(ProgressEvent event) {
        return switch (event) {
            case ProgressEvent.Planned p -> "planned " + p.candidates() + " candidates on "
                    + p.localInstanceType().name();
            case ProgressEvent.CandidateStarted s -> "measuring candidate " + s.index() + " of " + s.total() + " ("
                    + s.candidate().label() + ")";
            case ProgressEvent.VerificationStarted v -> "verifying " + v.recommendation().recommendationId();
            default -> null;
        };
    }

    private void started(Job job) {
        if (job.ended()) {
            return;
        }
        job.startedAt = clock.get();
        job.modifiedAt = job.startedAt;
        if (job.status.equals(PENDING)) {
            job.status = IN_PROGRESS;
        }
    }

    private void finish(Job job, ReportSummary summary, Throwable failure) {
        job.running = null;
        if (job.ended()) {
            return;
        }
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause == null) {
            RecommendationReport report = summary.report();
            job.report = report;
            if (report.status().equals(RecommendationReport.STOPPED)) {
                end(job, STOPPED, null);
            } else if (report.recommended() == null) {
                end(job, FAILED, "ClientError: no configuration met the stopping conditions ("
                        + report.request().stopping().latency().label() + "); see the report's rows for why.");
            } else {
                end(job, COMPLETED, null);
            }
        } else if (cause instanceof CancellationException) {
            end(job, STOPPED, null);
        } else if (cause instanceof SluiceException || cause instanceof IllegalArgumentException) {
            end(job, FAILED, "ClientError: " + cause.getMessage());
        } else if (cause instanceof UncheckedIOException io) {
            end(job, FAILED, "ClientError: " + io.getMessage());
        } else {
            LOG.warn("inference recommendations job '{}' failed", job.name, cause);
            end(job, FAILED, "InternalServerError: " + cause);
        }
    }

    private void end(Job job, String status, String reason) {
        job.status = status;
        job.failureReason = reason == null ? null
                : reason.length() <= MAX_FAILURE_REASON ? reason : reason.substring(0, MAX_FAILURE_REASON - 3) + "...";
        job.endedAt = clock.get();
        job.modifiedAt = job.endedAt;
        LOG.info("inference recommendations job '{}' {}{}", job.name, status, reason == null ? "" : ": " + reason);
    }

    public JsonNode describe(JsonNode request) {
        Job job = job(HostingShapes.requireName(request, "JobName"));
        ObjectNode out = json.createObjectNode();
        out.put("JobName", job.name);
        if (job.parsed.description() != null) {
            out.put("JobDescription", job.parsed.description());
        }
        out.put("JobType", job.parsed.jobType());
        out.put("JobArn", arn(job.name));
        out.set("RoleArn", job.request.get("RoleArn"));
        out.put("Status", job.status);
        out.set("CreationTime", Resources.time(job.createdAt));
        if (job.endedAt != null) {
            out.set("CompletionTime", Resources.time(job.endedAt));
        }
        out.set("LastModifiedTime", Resources.time(job.modifiedAt));
        if (job.failureReason != null) {
            out.put("FailureReason", job.failureReason);
        }
        out.set("InputConfig", job.request.get("InputConfig"));
        if (job.request.hasNonNull("StoppingConditions")) {
            out.set("StoppingConditions", job.request.get("StoppingConditions"));
        }
        RecommendationReport report = job.report;
        if (report != null) {
            ArrayNode rows = out.putArray("InferenceRecommendations");
            report.measured().stream().filter(r -> r.rank() != null)
                    .sorted(Comparator.comparing(Recommendation::rank))
                    .forEach(r -> recommendation(rows.addObject(), r, job));
            // Sluice extras (SDKs ignore members they do not know): the estimated rows apart from the measured ones,
            // the verification of the recommendation, and where the full report is.
            ArrayNode estimated = out.putArray("EstimatedRecommendations");
            report.estimated().stream().filter(r -> r.rank() != null)
                    .sorted(Comparator.comparing(Recommendation::rank))
                    .forEach(r -> recommendation(estimated.addObject(), r, job).put("EstimatedFrom", r.estimatedFrom()));
            if (report.recommended() != null) {
                out.put("RecommendedId", report.recommended().recommendationId());
            }
            Verification v = report.verification();
            if (v != null) {
                out.putObject("Verification").put("RecommendationId", v.recommendationId())
                        .put("InvocationsPerMinute", Math.round(v.ratePerSecond() * 60)).put("MeetsSla", v.meetsSla());
            }
        }
        if (Files.isRegularFile(job.reportDir.resolve(ReportWriter.HTML_FILE))) {
            out.putObject("ReportLocation")
                    .put("Html", job.reportDir.resolve(ReportWriter.HTML_FILE).toAbsolutePath().toString())
                    .put("Json", job.reportDir.resolve(ReportWriter.JSON_FILE).toAbsolutePath().toString());
        }
        String stage = job.stage;
        if (stage != null && !job.ended()) {
            out.put("RecommendationStage", stage);
        }
        return out;
    }

    /** One of SageMaker's {@code InferenceRecommendations}: its members have the SDK's types (Integer, Float). */
    private ObjectNode recommendation(ObjectNode node, Recommendation r, Job job) {
        node.put("RecommendationId", r.recommendationId());
        Metrics m = r.metrics();
        ObjectNode metrics = node.putObject("Metrics");
        metrics.put("CostPerHour", (float) m.costPerHour());
        if (m.costPerInference() != null) {
            metrics.put("CostPerInference", m.costPerInference().floatValue());
        }
        metrics.put("MaxInvocations", (int) Math.min(Integer.MAX_VALUE, m.maxInvocations()));
        if (m.modelLatencyMillis() != null) {
            metrics.put("ModelLatency", (int) Math.round(m.modelLatencyMillis()));
        }
        if (m.cpuUtilization() != null) {
            metrics.put("CpuUtilization", m.cpuUtilization().floatValue());
        }
        if (m.memoryUtilization() != null) {
            metrics.put("MemoryUtilization", m.memoryUtilization().floatValue());
        }
        if (m.modelSetupTimeMillis() != null) {
            metrics.put("ModelSetupTime", (int) Math.min(Integer.MAX_VALUE, m.modelSetupTimeMillis()));
        }
        node.putObject("EndpointConfiguration").put("VariantName", "AllTraffic")
                .put("InstanceType", r.instanceType().name()).put("InitialInstanceCount", r.initialInstanceCount());
        ArrayNode env = node.putObject("ModelConfiguration").putArray("EnvironmentParameters");
        r.environment().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> env.addObject()
                .put("Key", e.getKey()).put("ValueType", "String").put("Value", e.getValue()));
        if (job.startedAt != null) {
            node.set("InvocationStartTime", Resources.time(job.startedAt));
        }
        if (job.endedAt != null) {
            node.set("InvocationEndTime", Resources.time(job.endedAt));
        }
        return node;
    }

    public JsonNode stop(JsonNode request) {
        Job job = job(HostingShapes.requireName(request, "JobName"));
        if (job.ended()) {
            return json.createObjectNode();
        }
        job.stopRequested = true;
        if (job.running != null) {
            // The recommender ends the current load step, deletes its endpoint and reports what it measured.
            job.running.stop();
            job.status = STOPPING;
            job.modifiedAt = clock.get();
        } else if (job.status.equals(PENDING)) {
            end(job, STOPPED, null);
        } else {
            job.status = STOPPING;
            job.modifiedAt = clock.get();
        }
        return json.createObjectNode();
    }

    /**
     * Every job ListInferenceRecommendationsJobs' paging should see: the filters the shared paging does not know
     * ({@code LastModifiedTimeAfter}/{@code Before}, {@code ModelNameEquals}) are applied here.
     */
    public List<Job> all(JsonNode listRequest) {
        Instant after = JobRequests.timestamp(listRequest, "LastModifiedTimeAfter");
        Instant before = JobRequests.timestamp(listRequest, "LastModifiedTimeBefore");
        String modelName = JobRequests.string(listRequest, "ModelNameEquals");
        List<Job> rows = new ArrayList<>();
        for (Job job : jobs.values()) {
            if ((after == null || job.modifiedAt.isAfter(after)) && (before == null || job.modifiedAt.isBefore(before))
                    && (modelName == null || modelName.equals(job.parsed.modelName()))) {
                rows.add(job);
            }
        }
        return rows;
    }

    /** One row of ListInferenceRecommendationsJobs' {@code InferenceRecommendationsJobs}. */
    public JsonNode summary(Job job) {
        ObjectNode row = json.createObjectNode();
        row.put("JobName", job.name);
        if (job.parsed.description() != null) {
            row.put("JobDescription", job.parsed.description());
        }
        row.put("JobType", job.parsed.jobType());
        row.put("JobArn", arn(job.name));
        row.put("Status", job.status);
        row.set("CreationTime", Resources.time(job.createdAt));
        if (job.endedAt != null) {
            row.set("CompletionTime", Resources.time(job.endedAt));
        }
        row.set("RoleArn", job.request.get("RoleArn"));
        row.set("LastModifiedTime", Resources.time(job.modifiedAt));
        if (job.failureReason != null) {
            row.put("FailureReason", job.failureReason);
        }
        row.put("ModelName", job.parsed.modelName());
        if (job.parsed.samplePayloadUrl() != null) {
            row.put("SamplePayloadUrl", job.parsed.samplePayloadUrl());
        }
        return row;
    }

    private Job job(String name) {
        Job job = jobs.get(name);
        if (job == null) {
            throw new SluiceException(ErrorCode.RESOURCE_NOT_FOUND, "Could not find inference recommendations job \""
                    + name + "\" (" + arn(name) + ").");
        }
        return job;
    }

    private String arn(String name) {
        return arns.arn("inference-recommendations-job", name);
    }

    /** Stops every job (the server is closing): queued ones never start, the running one ends its step early. */
    @Override
    public void close() {
        for (Job job : jobs.values()) {
            job.stopRequested = true;
            RecommendationJob running = job.running;
            if (running != null) {
                running.stop();
            }
        }
        runner.shutdown();
        s3Clients.close();
    }
}
