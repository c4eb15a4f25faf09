package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.batch.internal.S3Clients;
import dev.sluice.batch.internal.Store;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.S3Config;
import dev.sluice.core.hosting.HostingShapes;
import dev.sluice.neo.CompilationFailedException;
import dev.sluice.neo.CompileListener;
import dev.sluice.neo.CompileReport;
import dev.sluice.neo.CompileRequest;
import dev.sluice.neo.CompileResult;
import dev.sluice.neo.Compiler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SageMaker Neo compilation jobs on the control plane ({@code CreateCompilationJob}, {@code DescribeCompilationJob},
 * {@code StopCompilationJob}; {@code ListCompilationJobs} pages through {@link #all(JsonNode)}). Each job fetches its
 * model (local path or S3), runs the same compiler as {@code sluice compile} and publishes
 * {@code <S3OutputLocation>/<model>-<target>.tar.gz} (local directory or S3).
 *
 * <p>Compilations run one at a time on the {@value #THREAD_NAME} thread: a compilation already keeps the machine's
 * cores busy (ONNX Runtime's optimiser, the accuracy gate, the latency probe), so two at once would only make both
 * slower and their latency figures meaningless. Up to {@value #MAX_QUEUED} more wait in {@code STARTING}. Every method
 * here and every completion runs on the control-plane thread, so the jobs need no locks; the compiling thread only
 * reads a job's stop flag and writes its current stage. Jobs live in memory only, like transform jobs.
 */
public final class CompilationJobs implements AutoCloseable {
    public static final String STARTING = "STARTING";
    public static final String IN_PROGRESS = "INPROGRESS";
    public static final String COMPLETED = "COMPLETED";
    public static final String FAILED = "FAILED";
    public static final String STOPPING = "STOPPING";
    public static final String STOPPED = "STOPPED";
    /** What ListCompilationJobs accepts in StatusEquals. */
    public static final Set<String> STATUSES = Set.of(STARTING, IN_PROGRESS, COMPLETED, FAILED, STOPPING, STOPPED);
    static final String THREAD_NAME = "sluice-compilation";
    static final int MAX_QUEUED = 64;
    /** SageMaker's FailureReason is at most 1024 characters. */
    private static final int MAX_FAILURE_REASON = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(CompilationJobs.class);

    /** One job: the request as given, its state, and what the compiling thread shares with it. */
    public static final class Job {
        final String name;
        final JsonNode request;
        final CompilationJobRequest parsed;
        final Instant createdAt;
        String status = STARTING;
        String failureReason;
        Instant startedAt;
        Instant endedAt;
        Instant modifiedAt;
        String artifact;
        String digest;
        CompileReport report;
        /** Set on the control thread, read by the compiler between passes. */
        volatile boolean stopRequested;
        /** Set by the compiling thread when MaxRuntimeInSeconds ran out. */
        volatile boolean timedOut;
        /** The pass now running (a Sluice extra in Describe); written by the compiling thread. */
        volatile String stage;

        Job(String name, JsonNode request, CompilationJobRequest parsed, Instant createdAt) {
            this.name = name;
            this.request = request;
            this.parsed = parsed;
            this.createdAt = createdAt;
            this.modifiedAt = createdAt;
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

    /** What a finished compilation hands back to the control thread. */
    private record Published(String artifact, String sha256, CompileReport report) {
    }

    private final Executor controlPlane;
    private final Supplier<Instant> clock;
    private final Resources arns;
    private final ObjectMapper json;
    private final S3Config s3;
    private final S3Clients s3Clients = new S3Clients();
    private final ThreadPoolExecutor compiler;
    private final Map<String, Job> jobs = new HashMap<>();

    /**
     * @param controlPlane the control-plane executor: every completion hops back onto it
     * @param s3           where {@code s3://} inputs and outputs live (the server's S3 settings)
     */
    public CompilationJobs(Executor controlPlane, Supplier<Instant> clock, Resources arns, ObjectMapper json,
                           S3Config s3) {
        this.controlPlane = controlPlane;
        this.clock = clock;
        this.arns = arns;
        this.json = json;
        this.s3 = s3 == null ? S3Config.DEFAULT : s3;
        this.compiler = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED), task -> Thread.ofPlatform().name(THREAD_NAME).daemon(true)
                .unstarted(task));
    }

    public JsonNode create(JsonNode request) {
        CompilationJobRequest parsed = CompilationJobRequest.parse(request);
        if (jobs.containsKey(parsed.jobName())) {
            throw new SluiceException(ErrorCode.RESOURCE_IN_USE, "Compilation job \"" + parsed.jobName()
                    + "\" already exists (" + arn(parsed.jobName()) + ").");
        }
        Job job = new Job(parsed.jobName(), request, parsed, clock.get());
        CompletableFuture<Published> compiled;
        try {
            compiled = CompletableFuture.supplyAsync(() -> compile(job), compiler);
        } catch (RejectedExecutionException e) {
            throw new SluiceException(ErrorCode.RESOURCE_LIMIT_EXCEEDED, "Too many compilation jobs are waiting: "
                    + "Sluice compiles one at a time and queues at most " + MAX_QUEUED + "; try again later.");
        }
        jobs.put(job.name, job);
        compiled.whenCompleteAsync((published, failure) -> finish(job, published, failure), controlPlane);
        LOG.info("compilation job '{}' created: {} for {} -> {}", job.name, parsed.input(), parsed.compilerTarget(),
                parsed.artifactLocation());
        ObjectNode out = json.createObjectNode();
        out.put("CompilationJobArn", arn(job.name));
        return out;
    }

    // ---- on the compiling thread ----

    private Published compile(Job job) {
        if (job.stopRequested) {
            throw new CancellationException("stopped before it started");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(job.parsed.maxRuntimeSeconds()).toNanos();
        onControlThread(() -> started(job));
        CompilationJobRequest parsed = job.parsed;
        Path work = null;
        try {
            work = Files.createTempDirectory("sluice-compilation-");
            CompileListener listener = new CompileListener() {
                @Override
                public void stage(String description) {
                    job.stage = description;
                }

                @Override
                public boolean cancelled() {
                    if (System.nanoTime() - deadline > 0) {
                        job.timedOut = true;
                    }
                    return job.stopRequested || job.timedOut;
                }
            };
            job.stage = "reading " + parsed.input();
            Path model = CompilationJobRequest.isS3(parsed.input()) ? download(parsed.input(), work.resolve("input"))
                    : Path.of(parsed.input());
            if (listener.cancelled()) {
                throw new CancellationException();
            }
            Path artifact = work.resolve(parsed.artifactFileName());
            CompileResult result = Compiler.compile(new CompileRequest(model, parsed.compilerTarget(),
                    parsed.inputShapes(), parsed.compilerOptions(), artifact, null, null), listener);
            // A pass is never interrupted: a compilation that ran past its limit inside one still times out.
            if (listener.cancelled()) {
                throw new CancellationException();
            }
            job.stage = "uploading " + parsed.artifactLocation();
            publish(result.artifact(), parsed);
            return new Published(parsed.artifactLocation(), result.artifactSha256(), result.report());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            job.stage = null;
            if (work != null) {
                deleteRecursively(work);
            }
        }
    }

    /**
     * The object at {@code uri} (its file name kept: the compiler tells .onnx from .tar.gz by it), or every object
     * under the prefix {@code uri/} as a directory.
     */
    private Path download(String uri, Path into) throws IOException {
        try (Store store = Store.forLocation(uri, null, s3Clients, s3)) {
            List<Store.Item> items = store.list();
            for (Store.Item item : items) {
                if (item.display().equals(uri)) {
                    Path file = into.resolve(uri.substring(uri.lastIndexOf('/') + 1));
                    copy(store, item, file);
                    return file;
                }
            }
            String prefix = uri.endsWith("/") ? uri : uri + "/";
            Path dir = into.resolve("model");
            boolean any = false;
            for (Store.Item item : items) {
                if (item.display().startsWith(prefix)) {
                    String relative = Store.checkRelative(item.display().substring(prefix.length()));
                    copy(store, item, dir.resolve(relative).normalize());
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalArgumentException("no object or prefix at " + uri);
            }
            return dir;
        }
    }

    private static void copy(Store store, Store.Item item, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (InputStream in = store.open(item)) {
            Files.copy(in, file);
        }
    }

    /** Through batch-transform's stores: nothing appears under the final name until the whole artifact is there. */
    private void publish(Path artifact, CompilationJobRequest parsed) throws IOException {
        try (Store store = Store.forLocation(parsed.output(), null, s3Clients, s3)) {
            Store.PendingOutput out = store.create(parsed.artifactFileName());
            try {
                Files.copy(artifact, out.stream());
                out.commit();
            } catch (IOException | RuntimeException e) {
                out.abort();
                throw e;
            }
        }
    }

    private void onControlThread(Runnable task) {
        try {
            controlPlane.execute(task);
        } catch (RejectedExecutionException closed) {
            // The control plane is closing; nobody will ask about this job again.
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("could not remove {}: {}", dir, e.getMessage());
        }
    }

    // ---- on the control-plane thread ----

    private void started(Job job) {
        if (job.ended()) {
            return;
        }
        job.startedAt = clock.get();
        job.modifiedAt = job.startedAt;
        if (job.status.equals(STARTING)) {
            job.status = IN_PROGRESS;
        }
    }

    private void finish(Job job, Published published, Throwable failure) {
        if (job.ended()) {
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (cause == null) {
            // A Stop that came after the artifact was published is too late: the artifact is there, so say so.
            job.artifact = published.artifact();
            job.digest = "sha256:" + published.sha256();
            job.report = published.report();
            end(job, COMPLETED, null);
        } else if (cause instanceof CancellationException) {
            if (job.timedOut) {
                end(job, FAILED, "TimeOut: the compilation did not finish within StoppingCondition.MaxRuntimeInSeconds ("
                        + job.parsed.maxRuntimeSeconds() + " s).");
            } else {
                end(job, STOPPED, null);
            }
        } else if (cause instanceof CompilationFailedException e) {
            job.report = e.report();
            end(job, FAILED, "ClientError: " + e.getMessage());
        } else if (cause instanceof IllegalArgumentException) {
            end(job, FAILED, "ClientError: InputConfiguration: " + cause.getMessage());
        } else if (cause instanceof UncheckedIOException io) {
            end(job, FAILED, "InternalError: " + io.getCause().getMessage());
        } else {
            LOG.warn("compilation job '{}' failed", job.name, cause);
            end(job, FAILED, "InternalError: " + cause);
        }
    }

    private void end(Job job, String status, String reason) {
        job.status = status;
        job.failureReason = reason == null ? null
                : reason.length() <= MAX_FAILURE_REASON ? reason : reason.substring(0, MAX_FAILURE_REASON - 3) + "...";
        job.endedAt = clock.get();
        job.modifiedAt = job.endedAt;
        LOG.info("compilation job '{}' {}{}", job.name, status, reason == null ? "" : ": " + reason);
    }

    public JsonNode describe(JsonNode request) {
        Job job = job(HostingShapes.requireName(request, "CompilationJobName"));
        ObjectNode out = json.createObjectNode();
        out.put("CompilationJobName", job.name);
        out.put("CompilationJobArn", arn(job.name));
        out.put("CompilationJobStatus", job.status);
        if (job.startedAt != null) {
            out.set("CompilationStartTime", Resources.time(job.startedAt));
        }
        if (job.endedAt != null) {
            out.set("CompilationEndTime", Resources.time(job.endedAt));
        }
        out.set("CreationTime", Resources.time(job.createdAt));
        out.set("LastModifiedTime", Resources.time(job.modifiedAt));
        if (job.failureReason != null) {
            out.put("FailureReason", job.failureReason);
        }
        if (job.artifact != null) {
            out.putObject("ModelArtifacts").put("S3ModelArtifacts", job.artifact);
            out.putObject("ModelDigests").put("ArtifactDigest", job.digest);
        }
        // Describe echoes what Create was given, as SageMaker does.
        for (String field : List.of("RoleArn", "InputConfig", "OutputConfig", "StoppingCondition", "VpcConfig")) {
            if (job.request.hasNonNull(field)) {
                out.set(field, job.request.get(field));
            }
        }
        // Sluice extras (SDKs ignore members they do not know): the pass now running and the compile report.
        String stage = job.stage;
        if (stage != null && !job.ended()) {
            out.put("CompilationStage", stage);
        }
        if (job.report != null) {
            try {
                out.set("CompilationReport", json.readTree(job.report.toJson()));
            } catch (JsonProcessingException | RuntimeException e) {
                out.put("CompilationReport", job.report.toText());
            }
        }
        return out;
    }

    public JsonNode stop(JsonNode request) {
        Job job = job(HostingShapes.requireName(request, "CompilationJobName"));
        if (job.status.equals(STARTING)) {
            // Still queued: it never starts (the compiling thread sees the flag and skips it).
            job.stopRequested = true;
            end(job, STOPPED, null);
        } else if (job.status.equals(IN_PROGRESS)) {
            // The compiler stops at its next pass boundary; its completion reports STOPPED (see finish).
            job.stopRequested = true;
            job.status = STOPPING;
            job.modifiedAt = clock.get();
        }
        return json.createObjectNode();
    }

    /**
     * Every job ListCompilationJobs' paging should see: the filters the shared paging does not know
     * ({@code LastModifiedTimeAfter}/{@code Before}) are applied here.
     */
    public List<Job> all(JsonNode listRequest) {
        Instant after = JobRequests.timestamp(listRequest, "LastModifiedTimeAfter");
        Instant before = JobRequests.timestamp(listRequest, "LastModifiedTimeBefore");
        List<Job> rows = new ArrayList<>();
        for (Job job : jobs.values()) {
            if ((after == null || job.modifiedAt.isAfter(after)) && (before == null || job.modifiedAt.isBefore(before))) {
                rows.add(job);
            }
        }
        return rows;
    }

    /** One row of ListCompilationJobs' {@code CompilationJobSummaries}. */
    public JsonNode summary(Job job) {
        ObjectNode row = json.createObjectNode();
        row.put("CompilationJobName", job.name);
        row.put("CompilationJobArn", arn(job.name));
        row.set("CreationTime", Resources.time(job.createdAt));
        if (job.startedAt != null) {
            row.set("CompilationStartTime", Resources.time(job.startedAt));
        }
        if (job.endedAt != null) {
            row.set("CompilationEndTime", Resources.time(job.endedAt));
        }
        JsonNode outputConfig = job.request.path("OutputConfig");
        if (outputConfig.hasNonNull("TargetDevice")) {
            row.set("CompilationTargetDevice", outputConfig.get("TargetDevice"));
        } else {
            JsonNode platform = outputConfig.path("TargetPlatform");
            for (String member : List.of("Os", "Arch", "Accelerator")) {
                if (platform.hasNonNull(member)) {
                    row.set("CompilationTargetPlatform" + member, platform.get(member));
                }
            }
        }
        row.set("LastModifiedTime", Resources.time(job.modifiedAt));
        row.put("CompilationJobStatus", job.status);
        return row;
    }

    private Job job(String name) {
        Job job = jobs.get(name);
        if (job == null) {
            throw new SluiceException(ErrorCode.RESOURCE_NOT_FOUND, "Could not find compilation job \"" + name + "\" ("
                    + arn(name) + ").");
        }
        return job;
    }

    private String arn(String name) {
        return arns.arn("compilation-job", name);
    }

    /** Stops every job (the server is closing): queued ones never start, the running one ends at its next pass. */
    @Override
    public void close() {
        for (Job job : jobs.values()) {
            job.stopRequested = true;
        }
        compiler.shutdown();
        s3Clients.close();
    }
}
