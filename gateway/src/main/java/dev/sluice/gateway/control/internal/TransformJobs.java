package dev.sluice.gateway.control.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.batch.TransformConfig;
import dev.sluice.batch.TransformJob;
import dev.sluice.batch.TransformListener;
import dev.sluice.batch.TransformSummary;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.S3Config;
import dev.sluice.core.hosting.HostingShapes;
import dev.sluice.core.hosting.ModelDefinition;
import dev.sluice.gateway.control.InstanceProvider;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch transform jobs on the control plane ({@code CreateTransformJob}, {@code DescribeTransformJob},
 * {@code StopTransformJob}; {@code ListTransformJobs} pages through {@link #all()}). Each job starts one in-process
 * instance of its model through the {@link InstanceProvider}, runs the batch-transform engine against it in the
 * background, and releases the instance when the job ends.
 *
 * <p>Like the rest of the control plane, every method and every completion runs on the control-plane thread, so the
 * jobs need no locks. Jobs live in memory only: a restart forgets them (a job in progress is simply gone, and its
 * {@code .out} files are those it completed; re-running the same job resumes past them).
 */
public final class TransformJobs {
    public static final String IN_PROGRESS = "InProgress";
    public static final String COMPLETED = "Completed";
    public static final String FAILED = "Failed";
    public static final String STOPPING = "Stopping";
    public static final String STOPPED = "Stopped";
    /** What ListTransformJobs accepts in StatusEquals. */
    public static final java.util.Set<String> STATUSES = java.util.Set.of(IN_PROGRESS, COMPLETED, FAILED, STOPPING,
            STOPPED);
    /** The endpoint name the instance provider sees for a job's instance (its meters and logs carry it). */
    static final String INSTANCE_PREFIX = "transform-job-";
    private static final String VARIANT = "AllTraffic";
    /** SageMaker's FailureReason is at most 1024 characters. */
    private static final int MAX_FAILURE_REASON = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(TransformJobs.class);

    /** One job: the request as given, its state, and what it holds while it runs. */
    public static final class Job {
        final String name;
        final JsonNode request;
        final TransformJobRequest parsed;
        final Instant createdAt;
        String status = IN_PROGRESS;
        String failureReason;
        Instant startedAt;
        Instant endedAt;
        Instant modifiedAt;
        boolean stopRequested;
        TransformJob engine;

        Job(String name, JsonNode request, TransformJobRequest parsed, Instant createdAt) {
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
    }

    private final InstanceProvider provider;
    private final Executor controlPlane;
    private final Supplier<Instant> clock;
    private final Resources arns;
    private final ObjectMapper json;
    private final S3Config s3;
    private final Map<String, Job> jobs = new HashMap<>();

    /**
     * @param controlPlane the control-plane executor: every completion hops back onto it
     * @param s3           where {@code s3://} inputs and outputs live (the server's S3 settings)
     */
    public TransformJobs(InstanceProvider provider, Executor controlPlane, Supplier<Instant> clock, Resources arns,
                         ObjectMapper json, S3Config s3) {
        this.provider = provider;
        this.controlPlane = controlPlane;
        this.clock = clock;
        this.arns = arns;
        this.json = json;
        this.s3 = s3 == null ? S3Config.DEFAULT : s3;
    }

    /** @param models the control plane's model look-up; throws its own ValidationException for an unknown model */
    public JsonNode create(JsonNode request, Function<String, ModelDefinition> models) {
        TransformJobRequest parsed = TransformJobRequest.parse(request);
        if (jobs.containsKey(parsed.jobName())) {
            throw new SluiceException(ErrorCode.RESOURCE_IN_USE, "Job name must be unique within an AWS account and "
                    + "region, and a job with this name already exists (" + arn(parsed.jobName()) + ").");
        }
        ModelDefinition model = models.apply(parsed.modelName());
        TransformConfig config = parsed.toConfig(s3, defaultConcurrency(model));
        Job job = new Job(parsed.jobName(), request, parsed, clock.get());
        jobs.put(job.name, job);
        provider.start(INSTANCE_PREFIX + job.name, VARIANT, model, 0)
                .whenCompleteAsync((started, failure) -> run(job, config, started, failure), controlPlane);
        LOG.info("transform job '{}' created: {} -> {} with model '{}'", job.name, config.input(), config.output(),
                parsed.modelName());
        ObjectNode out = json.createObjectNode();
        out.put("TransformJobArn", arn(job.name));
        return out;
    }

    private void run(Job job, TransformConfig config, InstanceProvider.Started started, Throwable failure) {
        if (failure != null) {
            finish(job, FAILED, "Could not start the model: " + SluiceException.from(failure).getMessage());
            return;
        }
        if (job.stopRequested) {
            started.release().get();
            finish(job, STOPPED, null);
            return;
        }
        job.startedAt = clock.get();
        job.modifiedAt = job.startedAt;
        try {
            job.engine = TransformJob.start(config, started.instance().service(), TransformListener.NONE);
        } catch (RuntimeException e) {
            started.release().get();
            finish(job, FAILED, SluiceException.from(e).getMessage());
            return;
        }
        job.engine.completion().whenCompleteAsync((summary, error) -> {
            // The instance goes before the job reports its end, so a caller that saw Completed finds it released.
            started.release().get().whenCompleteAsync((ignored, releaseFailure) -> {
                if (error != null) {
                    finish(job, FAILED, SluiceException.from(error).getMessage());
                } else {
                    finish(job, summary.status(), failureReason(summary));
                }
            }, controlPlane);
        }, controlPlane);
    }

    private void finish(Job job, String status, String reason) {
        job.status = STATUSES.contains(status) ? status : FAILED;
        job.failureReason = reason == null ? null
                : reason.length() <= MAX_FAILURE_REASON ? reason : reason.substring(0, MAX_FAILURE_REASON - 3) + "...";
        job.endedAt = clock.get();
        job.modifiedAt = job.endedAt;
        LOG.info("transform job '{}' {}{}", job.name, job.status, reason == null ? "" : ": " + reason);
    }

    /** Lists every failed file with its reason, as SageMaker points at the failed objects. */
    static String failureReason(TransformSummary summary) {
        if (summary.failures().isEmpty()) {
            return null;
        }
        return summary.failures().size() + " of " + summary.filesTotal() + " input file(s) failed: "
                + summary.failures().stream().map(f -> f.input() + ": " + f.reason())
                .collect(Collectors.joining("; "));
    }

    public JsonNode describe(JsonNode request) {
        Job job = job(HostingShapes.requireName(request, "TransformJobName"));
        ObjectNode out = json.createObjectNode();
        out.put("TransformJobName", job.name);
        out.put("TransformJobArn", arn(job.name));
        out.put("TransformJobStatus", job.status);
        if (job.failureReason != null) {
            out.put("FailureReason", job.failureReason);
        }
        // Describe echoes what Create was given, as SageMaker does.
        for (String field : List.of("ModelName", "MaxConcurrentTransforms", "ModelClientConfig", "MaxPayloadInMB",
                "BatchStrategy", "Environment", "TransformInput", "TransformOutput", "DataCaptureConfig",
                "TransformResources", "DataProcessing", "ExperimentConfig")) {
            if (job.request.hasNonNull(field)) {
                out.set(field, job.request.get(field));
            }
        }
        out.set("CreationTime", Resources.time(job.createdAt));
        if (job.startedAt != null) {
            out.set("TransformStartTime", Resources.time(job.startedAt));
        }
        if (job.endedAt != null) {
            out.set("TransformEndTime", Resources.time(job.endedAt));
        }
        return out;
    }

    public JsonNode stop(JsonNode request) {
        Job job = job(HostingShapes.requireName(request, "TransformJobName"));
        if (job.status.equals(IN_PROGRESS)) {
            job.stopRequested = true;
            job.status = STOPPING;
            job.modifiedAt = clock.get();
            if (job.engine != null) {
                // The engine's completion reports Stopped and releases the instance (see run).
                job.engine.stop();
            }
        }
        return json.createObjectNode();
    }

    /** Every job, for ListTransformJobs' paging. */
    public List<Job> all() {
        return new ArrayList<>(jobs.values());
    }

    /** One row of ListTransformJobs' {@code TransformJobSummaries}. */
    public JsonNode summary(Job job) {
        ObjectNode row = json.createObjectNode();
        row.put("TransformJobName", job.name);
        row.put("TransformJobArn", arn(job.name));
        row.set("CreationTime", Resources.time(job.createdAt));
        if (job.endedAt != null) {
            row.set("TransformEndTime", Resources.time(job.endedAt));
        }
        row.set("LastModifiedTime", Resources.time(job.modifiedAt));
        row.put("TransformJobStatus", job.status);
        if (job.failureReason != null) {
            row.put("FailureReason", job.failureReason);
        }
        return row;
    }

    private Job job(String name) {
        Job job = jobs.get(name);
        if (job == null) {
            throw new SluiceException(ErrorCode.VALIDATION_EXCEPTION, "Could not find job \"" + name + "\" ("
                    + arn(name) + ").");
        }
        return job;
    }

    private String arn(String name) {
        return arns.arn("transform-job", name);
    }

    /**
     * What the model's container would answer on {@code /execution-parameters}: its runner threads
     * ({@code SAGEMAKER_MODEL_SERVER_WORKERS}, else one per core, as {@code sluice host} runs it).
     */
    private static int defaultConcurrency(ModelDefinition model) {
        String workers = model.containers().isEmpty() ? null
                : model.containers().get(0).environment().get(HostInstanceProvider.ENV_WORKERS);
        if (workers != null) {
            try {
                return Math.max(1, Integer.parseInt(workers.trim()));
            } catch (NumberFormatException ignored) {
                // The instance provider reports a bad value when it starts the instance.
            }
        }
        return RunnerConfig.defaults().workers();
    }

    /** Stops every running job (the server is closing); their instances go with the model host. */
    public void stopAll() {
        for (Job job : jobs.values()) {
            if (job.engine != null && (job.status.equals(IN_PROGRESS) || job.status.equals(STOPPING))) {
                job.engine.stop();
            }
        }
    }
}
