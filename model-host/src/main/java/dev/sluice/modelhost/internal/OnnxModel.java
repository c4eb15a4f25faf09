package dev.sluice.modelhost.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.artifact.ArtifactManifest;
import dev.sluice.core.artifact.ArtifactRuntime;
import dev.sluice.core.config.BatchingConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorModel;
import dev.sluice.core.tensor.TensorSpec;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * An ONNX model served by runner threads, each owning one ORT session, fed from a bounded queue with optional dynamic
 * batching. {@link #infer} validates, offers and returns: it never blocks and never throws; the future completes on
 * a runner thread.
 */
public final class OnnxModel implements TensorModel, AutoCloseable {
    /** How long {@link #close()} lets queued requests finish before failing the rest. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);

    private final String name;
    private final OrtEnvironment env;
    private final ModelSignature signature;
    private final Set<String> outputNames;
    private final BatchPlanner planner;
    private final RequestQueue queue;
    private final LongSupplier nanoClock;
    private final ModelMetrics metrics;
    private final Duration loadTime;
    private final List<Thread> runners = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private OnnxModel(String name, OrtEnvironment env, List<OrtSession> sessions, ModelSignature signature,
                      RunnerConfig runnerConfig, BatchingConfig batching, MeterRegistry registry,
                      LongSupplier nanoClock, Duration loadTime) {
        this.name = name;
        this.env = env;
        this.signature = signature;
        this.outputNames = new LinkedHashSet<>();
        signature.outputs().forEach(o -> outputNames.add(o.name()));
        this.planner = new BatchPlanner(batching, signature.batchable());
        this.queue = new RequestQueue(runnerConfig.queueCapacity(), planner, nanoClock);
        this.nanoClock = nanoClock;
        this.metrics = new ModelMetrics(registry, name, queue::size);
        this.loadTime = loadTime;
        metrics.loadTime.record(loadTime);
        for (int i = 0; i < sessions.size(); i++) {
            OrtSession session = sessions.get(i);
            runners.add(Thread.ofPlatform()
                    .name("sluice-runner-" + name + "-" + i)
                    .daemon(true)
                    .unstarted(() -> runLoop(session)));
        }
        runners.forEach(Thread::start);
    }

    /**
     * Creates {@code runners.workers()} sessions on {@code onnxFile} and starts one runner thread per session.
     * A compiled artifact's {@link ArtifactManifest} beside the file sets the execution provider and the graph
     * optimisation level (an offline-optimised graph loads without ORT's optimisation pass).
     *
     * @throws IllegalArgumentException when the file is missing, ORT cannot load it, an input or output is of a
     *                                  kind the runners cannot exchange (non-tensor input, unsigned 16-64 bit, ...), or
     *                                  its manifest says it was compiled for a machine unlike this one
     */
    public static OnnxModel load(String name, Path onnxFile, RunnerConfig runners, BatchingConfig batching,
                                 MeterRegistry registry) {
        return load(name, onnxFile, runners, batching, registry, System::nanoTime);
    }

    /** {@link #load(String, Path, RunnerConfig, BatchingConfig, MeterRegistry)} with the clock the batcher uses. */
    static OnnxModel load(String name, Path onnxFile, RunnerConfig runners, BatchingConfig batching,
                          MeterRegistry registry, LongSupplier nanoClock) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runners, "runners");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(registry, "registry");
        if (!Files.isRegularFile(onnxFile)) {
            throw new IllegalArgumentException("model '" + name + "': ONNX file " + onnxFile + " does not exist");
        }
        long start = System.nanoTime();
        // Callers may pass a compiled model's file directly, without ModelArtifacts: check it here too.
        Optional<ArtifactManifest> manifest = ArtifactManifest.find(onnxFile);
        manifest.flatMap(ModelArtifacts::incompatibilityHere).ifPresent(why -> {
            throw new IllegalArgumentException("model '" + name + "': " + why);
        });
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OrtSession> sessions = new ArrayList<>();
        try {
            ModelSignature signature;
            try (OrtSession.SessionOptions options = sessionOptions(runners, manifest.map(ArtifactManifest::runtime))) {
                for (int i = 0; i < runners.workers(); i++) {
                    sessions.add(env.createSession(onnxFile.toString(), options));
                }
                signature = signatureOf(name, sessions.get(0));
            } catch (OrtException e) {
                throw new IllegalArgumentException("model '" + name + "': ONNX Runtime could not load " + onnxFile
                        + ": " + e.getMessage(), e);
            }
            return new OnnxModel(name, env, sessions, signature, runners, batching, registry, nanoClock,
                    Duration.ofNanos(System.nanoTime() - start));
        } catch (RuntimeException e) {
            closeQuietly(sessions);
            throw e;
        }
    }

    private static OrtSession.SessionOptions sessionOptions(RunnerConfig runners, Optional<ArtifactRuntime> compiled)
            throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            // Parallelism comes from independent runners, so each session gets its own small intra-op pool and no
            // inter-op pool (see RunnerConfig for the measurement behind that default). The runner configuration
            // also wins over a compiled artifact's thread hint: it is the operator's choice for this machine.
            options.setIntraOpNumThreads(runners.intraOpThreads());
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(compiled.map(r -> optimizationLevel(r.graphOptimizationLevel()))
                    .orElse(OrtSession.SessionOptions.OptLevel.ALL_OPT));
            options.setMemoryPatternOptimization(true);
            // ONNX Runtime's own log repeats run-time errors with values from the request (e.g. "idx=86420975" for
            // a bad index); the error reaches the client and the model's error counter, never the log.
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            if (compiled.isPresent()) {
                for (Map.Entry<String, String> entry : compiled.get().options().entrySet()) {
                    options.addConfigEntry(entry.getKey(), entry.getValue());
                }
                if (compiled.get().executionProvider().equals(ArtifactRuntime.CUDA)) {
                    // Only reached where load() found a GPU and the CUDA provider (the onnxruntime_gpu build).
                    options.addCUDA(0);
                }
            }
            return options;
        } catch (OrtException e) {
            options.close();
            throw e;
        }
    }

    /** A manifest's level: {@code disabled} for graphs the compiler already optimised offline. */
    private static OrtSession.SessionOptions.OptLevel optimizationLevel(String level) {
        return switch (level) {
            case ArtifactRuntime.LEVEL_DISABLED -> OrtSession.SessionOptions.OptLevel.NO_OPT;
            case ArtifactRuntime.LEVEL_BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case ArtifactRuntime.LEVEL_EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            default -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
        };
    }

    private static ModelSignature signatureOf(String name, OrtSession session) throws OrtException {
        List<TensorSpec> inputs = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
            inputs.add(OrtTensors.spec(name, "input", e.getKey(), e.getValue().getInfo()));
        }
        List<TensorSpec> outputs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
            try {
                outputs.add(OrtTensors.spec(name, "output", e.getKey(), e.getValue().getInfo()));
            } catch (IllegalArgumentException unsupported) {
                // Converters often add outputs nobody reads (scikit-learn's ZipMap probabilities): serve the
                // others rather than refusing the model.
                skipped.add(unsupported.getMessage());
            }
        }
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("model '" + name + "' has no output Sluice can read: " + skipped);
        }
        skipped.forEach(reason -> LOG.warn(reason + "; it is not requested"));
        return new ModelSignature(inputs, outputs);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    /** Whether requests are combined into batches (enabled in config and the model has a dynamic first dimension). */
    public boolean batching() {
        return planner.enabled();
    }

    /** Requests waiting for a runner. */
    public int queueDepth() {
        return queue.size();
    }

    /** Time it took to create the sessions. */
    public Duration loadTime() {
        return loadTime;
    }

    @Override
    public CompletionStage<Map<String, Tensor>> infer(Map<String, Tensor> inputs) {
        PendingRequest request;
        try {
            request = pending(validate(inputs));
        } catch (RuntimeException e) {
            // The caller may be an event loop: a failed stage, never a throw.
            return CompletableFuture.failedFuture(SluiceException.from(e));
        }
        return switch (queue.offer(request)) {
            case ACCEPTED -> request.result();
            case FULL -> {
                metrics.rejected.increment();
                yield CompletableFuture.failedFuture(new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "model '" + name
                        + "': queue full (" + queue.capacity() + " requests waiting), try again later"));
            }
            case CLOSED -> {
                metrics.rejected.increment();
                yield CompletableFuture.failedFuture(shuttingDown());
            }
        };
    }

    private SluiceException shuttingDown() {
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "model '" + name + "' is shutting down");
    }

    /** Checks names and specs; returns the inputs in signature order. */
    private Map<String, Tensor> validate(Map<String, Tensor> inputs) {
        if (inputs == null) {
            throw SluiceException.validation("model '" + name + "' expects inputs " + signature.inputs());
        }
        for (String given : inputs.keySet()) {
            if (signature.input(given).isEmpty()) {
                throw SluiceException.validation("unknown input '" + given + "'; model '" + name + "' expects inputs "
                        + signature.inputs());
            }
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (TensorSpec spec : signature.inputs()) {
            Tensor tensor = inputs.get(spec.name());
            if (tensor == null) {
                throw SluiceException.validation("missing input '" + spec.name() + "'; model '" + name
                        + "' expects inputs " + signature.inputs());
            }
            spec.check(tensor);
            ordered.put(spec.name(), tensor);
        }
        return ordered;
    }

    private PendingRequest pending(Map<String, Tensor> inputs) {
        Tensor first = inputs.isEmpty() ? null : inputs.values().iterator().next();
        int rows = first == null || first.rank() == 0 ? 1 : (int) first.dim(0);
        boolean batchable = planner.enabled() && first != null;
        for (Tensor t : inputs.values()) {
            // Inputs that disagree on their row count cannot be cut back apart after a batched run.
            batchable &= t.rank() > 0 && t.dim(0) == rows;
        }
        return new PendingRequest(inputs, rows, batchable, nanoClock.getAsLong(), new CompletableFuture<>());
    }

    private void runLoop(OrtSession session) {
        try {
            while (true) {
                List<PendingRequest> batch;
                try {
                    batch = queue.takeBatch();
                } catch (InterruptedException e) {
                    return;
                }
                if (batch == null) {
                    return;
                }
                try {
                    runBatch(session, batch);
                } catch (Throwable t) {
                    // Keep the runner alive whatever happened (even an OutOfMemoryError for one huge batch): a dead
                    // runner would silently shrink the model's capacity. Anything not yet answered gets the failure.
                    SluiceException failure = SluiceException.from(t);
                    batch.forEach(r -> r.result().completeExceptionally(failure));
                }
            }
        } finally {
            // The runner closes its own session, so a session still inside a native run is never closed under it.
            try {
                session.close();
            } catch (OrtException | RuntimeException e) {
                LOG.warn("closing a session of model '" + name + "' failed", e);
            }
        }
    }

    private void runBatch(OrtSession session, List<PendingRequest> batch) {
        long started = nanoClock.getAsLong();
        for (PendingRequest r : batch) {
            metrics.queueTime.record(Math.max(0, started - r.enqueuedNanos()), TimeUnit.NANOSECONDS);
        }
        if (batch.size() == 1) {
            runAlone(session, batch.get(0));
            return;
        }
        int totalRows = 0;
        for (PendingRequest r : batch) {
            totalRows += r.rows();
        }
        List<Map<String, Tensor>> parts;
        try {
            Map<String, Tensor> merged = new LinkedHashMap<>();
            for (TensorSpec spec : signature.inputs()) {
                List<Tensor> pieces = new ArrayList<>(batch.size());
                for (PendingRequest r : batch) {
                    pieces.add(r.inputs().get(spec.name()));
                }
                merged.put(spec.name(), Tensor.concatRows(pieces));
            }
            parts = split(run(session, merged, totalRows), batch, totalRows);
        } catch (OrtException | RuntimeException e) {
            // One bad request must not fail its neighbours: run each alone, so only the culprit sees the error.
            // This costs extra runs only when a batch fails, which is rare.
            for (PendingRequest r : batch) {
                runAlone(session, r);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(parts.get(i));
        }
    }

    private List<Map<String, Tensor>> split(Map<String, Tensor> outputs, List<PendingRequest> batch, int totalRows) {
        List<Map<String, Tensor>> parts = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            parts.add(new LinkedHashMap<>());
        }
        for (Map.Entry<String, Tensor> output : outputs.entrySet()) {
            Tensor tensor = output.getValue();
            if (tensor.rank() == 0 || tensor.dim(0) != totalRows) {
                throw new IllegalStateException("output '" + output.getKey() + "' has " + tensor
                        + ", not one row per input row (" + totalRows + ")");
            }
            int from = 0;
            for (int i = 0; i < batch.size(); i++) {
                int to = from + batch.get(i).rows();
                parts.get(i).put(output.getKey(), tensor.sliceRows(from, to));
                from = to;
            }
        }
        return parts;
    }

    private void runAlone(OrtSession session, PendingRequest request) {
        try {
            request.result().complete(run(session, request.inputs(), request.rows()));
        } catch (OrtException e) {
            metrics.errors.increment();
            request.result().completeExceptionally(SluiceException.modelError("model '" + name + "' failed: "
                    + e.getMessage(), e, 500, e.getMessage()));
        } catch (RuntimeException e) {
            metrics.errors.increment();
            request.result().completeExceptionally(SluiceException.from(e));
        }
    }

    /** One ORT run; every native value it creates is closed before it returns. */
    private Map<String, Tensor> run(OrtSession session, Map<String, Tensor> inputs, int rows) throws OrtException {
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> input : inputs.entrySet()) {
                tensors.put(input.getKey(), OrtTensors.toOnnx(env, input.getValue()));
            }
            long start = System.nanoTime();
            // Every attempt is recorded, failed ones included: a failed batch still occupied the runner.
            metrics.batchSize.record(rows);
            OrtSession.Result result;
            try {
                result = session.run(tensors, outputNames);
            } finally {
                metrics.inferenceTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
            try (result) {
                Map<String, Tensor> outputs = new LinkedHashMap<>();
                for (String output : outputNames) {
                    OnnxValue value = result.get(output)
                            .orElseThrow(() -> new IllegalStateException("ONNX Runtime returned no '" + output + "'"));
                    outputs.put(output, OrtTensors.fromOnnx(output, value));
                }
                return outputs;
            }
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /** {@link #close(Duration)} with {@link #DEFAULT_DRAIN_TIMEOUT}. */
    @Override
    public void close() {
        close(DEFAULT_DRAIN_TIMEOUT);
    }

    /**
     * Stops admission, lets the runners finish what is queued for up to {@code drainTimeout}, fails whatever is left
     * with SERVICE_UNAVAILABLE and releases the sessions. Idempotent.
     *
     * @return true when every runner stopped in time (and so every session is closed)
     */
    public boolean close(Duration drainTimeout) {
        if (!closed.compareAndSet(false, true)) {
            return runners.stream().noneMatch(Thread::isAlive);
        }
        queue.close();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        boolean interrupted = false;
        for (Thread runner : runners) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0 && runner != Thread.currentThread()) {
                    runner.join(Duration.ofNanos(left));
                }
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        for (PendingRequest left : queue.drainRemaining()) {
            left.result().completeExceptionally(new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "model '" + name
                    + "' was unloaded before the request ran"));
        }
        boolean stopped = true;
        for (Thread runner : runners) {
            if (runner.isAlive()) {
                stopped = false;
                // Wakes a runner that is waiting; one inside a native run finishes it first and then closes its
                // session itself on the way out.
                runner.interrupt();
            }
        }
        if (!stopped) {
            LOG.warn("model '" + name + "': runners still busy after " + drainTimeout
                    + "; their sessions close when the current run returns");
        }
        metrics.remove();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return stopped;
    }

    private static void closeQuietly(List<OrtSession> sessions) {
        for (OrtSession session : sessions) {
            try {
                session.close();
            } catch (OrtException | RuntimeException e) {
                LOG.warn("closing a session after a failed load failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "OnnxModel[" + name + ", " + signature.inputs() + " -> " + signature.outputs() + ", runners="
                + runners.size() + ", batching=" + planner.enabled() + "]";
    }
}
