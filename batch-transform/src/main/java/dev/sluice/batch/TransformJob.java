package dev.sluice.batch;

import dev.sluice.batch.internal.DataProcessing;
import dev.sluice.batch.internal.FileTransformer;
import dev.sluice.batch.internal.Invoker;
import dev.sluice.batch.internal.Manifest;
import dev.sluice.batch.internal.S3Clients;
import dev.sluice.batch.internal.Store;
import dev.sluice.core.InferenceService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running batch transform (SAGEMAKER-CONTRACT.md §7): every object under the input becomes
 * {@code <output>/<relative path>.out}, records in input order, an {@code .out} only for a wholly successful input.
 * Runs on its own named threads: one coordinator, up to {@code maxConcurrentTransforms} file workers (each file is
 * read sequentially; its batches go out concurrently), and one timer for timeouts and retry backoff.
 */
public final class TransformJob {
    private static final Logger LOG = LoggerFactory.getLogger(TransformJob.class);
    /** First retry backoff; doubles per attempt up to {@link #MAX_BACKOFF} (3 retries wait ≤ ~1.4 s in all). */
    static final Duration BASE_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final TransformConfig config;
    private final InferenceService target;
    private final TransformListener listener;
    private final String name;
    private final CompletableFuture<TransformSummary> completion = new CompletableFuture<>();
    private volatile String status = "InProgress";
    private volatile boolean stopRequested;

    private TransformJob(TransformConfig config, InferenceService target, TransformListener listener) {
        this.config = Objects.requireNonNull(config, "config");
        this.target = Objects.requireNonNull(target, "target");
        this.listener = listener == null ? TransformListener.NONE : listener;
        this.name = "sluice-transform-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Starts in the background on its own named threads; target is the model: an in-process service or an HTTP client to an endpoint. */
    public static TransformJob start(TransformConfig config, InferenceService target, TransformListener listener) {
        TransformJob job = new TransformJob(config, target, listener);
        Thread coordinator = new Thread(job::run, job.name);
        coordinator.setDaemon(true);
        coordinator.start();
        return job;
    }

    public CompletableFuture<TransformSummary> completion() {
        return completion;
    }

    /** Starts nothing new; requests in flight complete; files in progress get no {@code .out}; status Stopped. */
    public void stop() {
        stopRequested = true;
        if (!completion.isDone()) {
            status = "Stopping";
        }
    }

    /** InProgress, Completed, Failed, Stopping or Stopped. */
    public String status() {
        return status;
    }

    private void run() {
        long started = System.nanoTime();
        List<FileFailure> failures = new ArrayList<>();
        int total = 0;
        int succeeded = 0;
        int skipped = 0;
        AtomicLong records = new AtomicLong();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(named(name + "-timer"));
        ExecutorService files = Executors.newFixedThreadPool(config.maxConcurrentTransforms(), named(name + "-file"));
        try (S3Clients s3 = new S3Clients();
             Store input = Store.forLocation(config.input(), config.output(), s3, config.s3());
             Store output = Store.forLocation(config.output(), config.input(), s3, config.s3())) {
            List<Store.Item> items = input.list();
            total = items.size();
            if (items.isEmpty()) {
                failures.add(new FileFailure(config.input(), "no input objects found"));
            }
            Manifest manifest = Manifest.load(output, fingerprint(config));
            DataProcessing processing = new DataProcessing(config);
            Invoker invoker = new Invoker(target, config.invocationTimeout(), config.maxRetries(), timer, BASE_BACKOFF,
                    MAX_BACKOFF);
            FileTransformer transformer = new FileTransformer(config, processing, invoker,
                    new Semaphore(config.maxConcurrentTransforms()), () -> stopRequested, counting(records));
            List<Store.Item> todo = new ArrayList<>();
            for (Store.Item item : items) {
                if (manifest.isCompleted(item.relativePath(), item.size()) && output.exists(item.relativePath() + ".out")) {
                    skipped++;
                } else {
                    todo.add(item);
                }
            }
            List<Future<FileTransformer.Result>> results = new ArrayList<>();
            for (Store.Item item : todo) {
                results.add(files.submit(() -> {
                    if (stopRequested) {
                        return new FileTransformer.Result(FileTransformer.Outcome.STOPPED, 0, "stopped");
                    }
                    listener.fileStarted(item.display(), item.size());
                    FileTransformer.Result result = transformer.transform(input, item, output);
                    if (result.outcome() == FileTransformer.Outcome.SUCCEEDED) {
                        try {
                            // Serialized so that a later snapshot never lands before an earlier one.
                            synchronized (manifest) {
                                output.writeManifest(manifest.complete(item.relativePath(), item.size()));
                            }
                        } catch (Exception e) {
                            // The .out is complete; only resuming would redo it.
                            LOG.warn("{}: cannot record {} in the manifest: {}", name, item.display(), e.toString());
                        }
                    }
                    if (result.outcome() != FileTransformer.Outcome.STOPPED) {
                        listener.fileDone(item.display(), result.outcome() == FileTransformer.Outcome.SUCCEEDED);
                    }
                    return result;
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                FileTransformer.Result result = results.get(i).get();
                switch (result.outcome()) {
                    case SUCCEEDED -> succeeded++;
                    case FAILED -> failures.add(new FileFailure(todo.get(i).display(), result.reason()));
                    case STOPPED -> {
                    }
                }
            }
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            failures.add(new FileFailure(config.input(), cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        } finally {
            files.shutdownNow();
            timer.shutdownNow();
        }
        String end = stopRequested ? "Stopped" : failures.isEmpty() ? "Completed" : "Failed";
        status = end;
        completion.complete(new TransformSummary(end, total, succeeded, skipped, records.get(), failures,
                Duration.ofNanos(System.nanoTime() - started)));
    }

    private TransformListener counting(AtomicLong records) {
        return new TransformListener() {
            @Override
            public void recordsDone(long n) {
                records.addAndGet(n);
                listener.recordsDone(n);
            }
        };
    }

    /** Every option that changes an output's bytes; concurrency, timeouts and retries do not. */
    static String fingerprint(TransformConfig c) {
        String key = String.join("\u0000", String.valueOf(c.contentType()), String.valueOf(c.accept()),
                c.splitType().name(), c.batchStrategy().name(), Long.toString(c.maxPayloadBytes()),
                c.compression().name(), c.inputFilter(), c.outputFilter(), c.joinSource().name(), c.assembleWith().name());
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
