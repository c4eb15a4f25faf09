package dev.sluice.cli;

import dev.sluice.batch.AssembleWith;
import dev.sluice.batch.BatchStrategy;
import dev.sluice.batch.Compression;
import dev.sluice.batch.ExecutionParameters;
import dev.sluice.batch.FileFailure;
import dev.sluice.batch.JoinSource;
import dev.sluice.batch.SplitType;
import dev.sluice.batch.TransformConfig;
import dev.sluice.batch.TransformJob;
import dev.sluice.batch.TransformListener;
import dev.sluice.batch.TransformSummary;
import dev.sluice.core.InferenceService;
import dev.sluice.core.auth.SigV4;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.config.ModelConfig;
import dev.sluice.core.config.RunnerConfig;
import dev.sluice.core.config.S3Config;
import dev.sluice.modelhost.HostedModel;
import dev.sluice.modelhost.ModelHost;
import dev.sluice.modelhost.RemoteHostClient;
import dev.sluice.modelhost.RequestCredentials;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * {@code sluice transform}: a SageMaker batch transform job (SAGEMAKER-CONTRACT.md §7) run from the command line,
 * against a running endpoint ({@code --endpoint}) or a model loaded in this process ({@code --model}, no server).
 * Exit codes: 0 Completed, 1 Failed (or Stopped), 2 bad arguments.
 */
@Command(name = "transform", mixinStandardHelpOptions = true,
        description = "Run a batch transform job: every object under --input becomes <output>/<relative path>.out.")
final class TransformCommand implements Callable<Integer> {
    /** SageMaker's defaults when neither the command line nor the container's /execution-parameters say. */
    static final int DEFAULT_MAX_CONCURRENT = 1;
    static final int DEFAULT_MAX_PAYLOAD_MB = 6;
    /** SageMaker's MaxPayloadInMB limit. */
    static final int MAX_PAYLOAD_MB_LIMIT = 100;
    /** SageMaker's batch invocation timeout default (ModelClientConfig.InvocationsTimeoutInSeconds). */
    static final int DEFAULT_TIMEOUT_SECONDS = 600;
    /** SageMaker's ModelClientConfig.InvocationsMaxRetries default. */
    static final int DEFAULT_MAX_RETRIES = 3;
    /** /execution-parameters is optional; a container that hangs on it must not hold the job up for long. */
    private static final Duration EXECUTION_PARAMETERS_TIMEOUT = Duration.ofSeconds(5);
    private static final String MODEL_NAME = "transform";

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--endpoint", paramLabel = "URL", required = true,
                description = "Base URL of a running Sluice or any SageMaker-container-contract server, "
                        + "e.g. http://localhost:8080.")
        URI endpoint;

        @Option(names = "--model", paramLabel = "PATH", required = true,
                description = "Run the model in this process (.onnx, a directory holding one, or model.tar.gz); "
                        + "no server.")
        String model;
    }

    @Option(names = "--endpoint-name", paramLabel = "NAME",
            description = "With --endpoint: invoke URL/endpoints/NAME/invocations instead of URL/invocations.")
    String endpointName;

    @Option(names = "--input", required = true, paramLabel = "PATH|s3://…",
            description = "A file, a directory or an s3:// prefix; every object under it is transformed.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "PATH|s3://…",
            description = "Where <relative path>.out files go (a directory or an s3:// prefix).")
    String output;

    @Option(names = "--content-type", paramLabel = "TYPE", description = "Content-Type of each request.")
    String contentType;

    @Option(names = "--accept", paramLabel = "TYPE", description = "Accept of each request.")
    String accept;

    @Option(names = "--split-type", paramLabel = "None|Line|RecordIO|TFRecord",
            description = "How inputs are cut into records (default None: one request per file).")
    String splitType;

    @Option(names = "--batch-strategy", paramLabel = "SingleRecord|MultiRecord",
            description = "One record per request or as many as fit (default: the endpoint's "
                    + "/execution-parameters, else MultiRecord).")
    String batchStrategy;

    @Option(names = "--max-payload-mb", paramLabel = "N",
            description = "Largest request in MB, 1-100 (default: the endpoint's /execution-parameters, else 6).")
    Integer maxPayloadMb;

    @Option(names = "--max-concurrent", paramLabel = "N",
            description = "Requests in flight at once (default: the endpoint's /execution-parameters, else 1; "
                    + "with --model the model's runner threads).")
    Integer maxConcurrent;

    @Option(names = "--compression", paramLabel = "None|Gzip", description = "Input compression (default None).")
    String compression;

    @Option(names = "--input-filter", paramLabel = "JSONPATH", description = "Part of each record to send (default $).")
    String inputFilter;

    @Option(names = "--output-filter", paramLabel = "JSONPATH", description = "Part of each result to keep (default $).")
    String outputFilter;

    @Option(names = "--join-source", paramLabel = "None|Input",
            description = "Input: join each result with its input record (default None).")
    String joinSource;

    @Option(names = "--assemble-with", paramLabel = "None|Line",
            description = "Line: one result per line in the .out (default None: results concatenated).")
    String assembleWith;

    @Option(names = "--timeout-s", paramLabel = "N", description = "Per-request timeout in seconds, 1-3600 "
            + "(default 600).")
    Integer timeoutSeconds;

    @Option(names = "--max-retries", paramLabel = "N", description = "Retries of a request after a 5xx or a "
            + "connection error, 0-3 (default 3).")
    Integer maxRetries;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "S3-compatible endpoint for s3:// input and output (default: AWS, or AWS_ENDPOINT_URL_S3).")
    URI s3Endpoint;

    @Option(names = "--s3-path-style", description = "Address S3 buckets in the path (MinIO and most S3 look-alikes).")
    boolean s3PathStyle;

    @Option(names = "--s3-region", paramLabel = "REGION", description = "S3 signing region (default us-east-1).")
    String s3Region;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "With --model: where model archives are unpacked (default: a temporary directory).")
    Path workDir;

    @Mixin
    RunnerOptions runnerOptions = new RunnerOptions();

    @Option(names = "--api-key-file", paramLabel = "FILE",
            description = "With --endpoint: send 'Authorization: Bearer KEY' with the key on FILE's first line (for a "
                    + "server started with --api-keys-file).")
    Path apiKeyFile;

    @Option(names = "--aws-sigv4", description = "With --endpoint: sign every request with AWS SigV4 (service "
            + "sagemaker), with the AWS default credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            + "AWS_PROFILE, ~/.aws/credentials, ...), for a server started with --aws-credentials-file.")
    boolean awsSigV4;

    @Option(names = "--aws-region", paramLabel = "REGION",
            description = "With --aws-sigv4: the signing region (default us-east-1).")
    String awsRegion;

    /** What the command line fixes before any endpoint or model is asked; null fields: not given. */
    record Explicit(Integer maxConcurrent, BatchStrategy batchStrategy, Integer maxPayloadMb) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        Explicit explicit;
        try {
            explicit = validate();
        } catch (IllegalArgumentException e) {
            err.println("sluice transform: " + e.getMessage());
            err.flush();
            return 2;
        }
        if (target.endpoint != null) {
            URI base = baseUrl();
            RequestCredentials credentials;
            try {
                credentials = credentials();
            } catch (IllegalArgumentException e) {
                err.println("sluice transform: " + e.getMessage());
                err.flush();
                return 2;
            }
            ExecutionParameters fromServer = ExecutionParameters.fetch(target.endpoint, EXECUTION_PARAMETERS_TIMEOUT,
                    uri -> credentials == null ? Map.of() : credentials.headers("GET", uri.getPort() < 0
                            ? uri.getHost() : uri.getHost() + ":" + uri.getPort(), uri.getRawPath()
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()), Map.of(), new byte[0]))
                    .orElse(null);
            TransformConfig config;
            try {
                config = toConfig(explicit, fromServer);
            } catch (IllegalArgumentException e) {
                err.println("sluice transform: " + e.getMessage());
                err.flush();
                return 2;
            }
            // One connection per concurrent transform; the request timeout is the batch invocation timeout.
            RemoteHostClient.Settings settings = new RemoteHostClient.Settings(
                    RemoteHostClient.Settings.DEFAULT_CONNECT_TIMEOUT, config.invocationTimeout(),
                    Math.max(1, config.maxConcurrentTransforms()),
                    RemoteHostClient.Settings.DEFAULT_MAX_PENDING_REQUESTS_PER_HOST);
            try (RemoteHostClient client = new RemoteHostClient(settings)) {
                return run(config, client.container(base, credentials), out, err);
            }
        }
        Path work = workDir != null ? workDir : Files.createTempDirectory("sluice-transform-");
        try (ModelHost host = new ModelHost(work, new SimpleMeterRegistry(), CodecRegistry.standard())) {
            RunnerConfig runners = runnerOptions.runners();
            HostedModel model;
            try {
                model = host.load(new ModelConfig(MODEL_NAME, target.model, ModelConfig.PIPELINE_TENSOR, runners,
                        runnerOptions.batching(), Map.of())).get();
            } catch (ExecutionException e) {
                err.println("sluice transform: the model failed to load: " + rootCause(e).getMessage());
                err.flush();
                return 1;
            }
            // What `sluice host` would answer on /execution-parameters for this model.
            ExecutionParameters local = new ExecutionParameters(runners.workers(), BatchStrategy.MULTI_RECORD,
                    DEFAULT_MAX_PAYLOAD_MB);
            TransformConfig config;
            try {
                config = toConfig(explicit, local);
            } catch (IllegalArgumentException e) {
                err.println("sluice transform: " + e.getMessage());
                err.flush();
                return 2;
            }
            return run(config, model.service(), out, err);
        } finally {
            if (workDir == null) {
                deleteQuietly(work);
            }
        }
    }

    /** Checks the arguments that need no endpoint or model; IllegalArgumentException names the option. */
    Explicit validate() {
        if (target.endpoint != null) {
            String scheme = target.endpoint.getScheme() == null ? "" : target.endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") || target.endpoint.getHost() == null) {
                throw new IllegalArgumentException("--endpoint must be an http://host:port URL, got '"
                        + target.endpoint + "'");
            }
        } else if (endpointName != null) {
            throw new IllegalArgumentException("--endpoint-name needs --endpoint");
        } else if (apiKeyFile != null || awsSigV4) {
            throw new IllegalArgumentException((apiKeyFile != null ? "--api-key-file" : "--aws-sigv4")
                    + " needs --endpoint");
        }
        if (apiKeyFile != null && awsSigV4) {
            throw new IllegalArgumentException("give --api-key-file or --aws-sigv4, not both");
        }
        if (awsRegion != null && !awsSigV4) {
            throw new IllegalArgumentException("--aws-region needs --aws-sigv4");
        }
        if (endpointName != null && !endpointName.matches("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")) {
            throw new IllegalArgumentException("--endpoint-name must be 1-63 letters, digits and dashes, got '"
                    + endpointName + "'");
        }
        if (maxPayloadMb != null && (maxPayloadMb < 1 || maxPayloadMb > MAX_PAYLOAD_MB_LIMIT)) {
            throw new IllegalArgumentException("--max-payload-mb must be 1-" + MAX_PAYLOAD_MB_LIMIT + ", got "
                    + maxPayloadMb);
        }
        if (maxConcurrent != null && maxConcurrent < 1) {
            throw new IllegalArgumentException("--max-concurrent must be at least 1, got " + maxConcurrent);
        }
        if (timeoutSeconds != null && (timeoutSeconds < 1 || timeoutSeconds > 3600)) {
            throw new IllegalArgumentException("--timeout-s must be 1-3600, got " + timeoutSeconds);
        }
        if (maxRetries != null && (maxRetries < 0 || maxRetries > 3)) {
            throw new IllegalArgumentException("--max-retries must be 0-3, got " + maxRetries);
        }
        // Parsed here so a misspelt value fails before a model loads; the engine names the option in its message.
        if (splitType != null) {
            SplitType.parse(splitType);
        }
        if (compression != null) {
            Compression.parse(compression);
        }
        if (joinSource != null) {
            JoinSource.parse(joinSource);
        }
        if (assembleWith != null) {
            AssembleWith.parse(assembleWith);
        }
        s3();
        return new Explicit(maxConcurrent, batchStrategy == null ? null : BatchStrategy.parse(batchStrategy),
                maxPayloadMb);
    }

    /**
     * What authenticates each request to an endpoint that wants it; null for none. The key file is read here, the
     * AWS credentials at each request (the default chain caches and refreshes them).
     */
    RequestCredentials credentials() {
        if (apiKeyFile != null) {
            String key;
            try {
                key = Files.readAllLines(apiKeyFile).stream().map(String::strip).filter(l -> !l.isEmpty()
                        && !l.startsWith("#")).findFirst().orElse(null);
            } catch (IOException e) {
                throw new IllegalArgumentException("--api-key-file " + apiKeyFile + ": cannot read it ("
                        + e.getClass().getSimpleName() + ")", e);
            }
            if (key == null) {
                throw new IllegalArgumentException("--api-key-file " + apiKeyFile + " holds no key");
            }
            return RequestCredentials.bearer(key);
        }
        if (!awsSigV4) {
            return null;
        }
        String region = awsRegion != null ? awsRegion : "us-east-1";
        DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
        return (method, host, pathAndQuery, headers, body) -> {
            AwsCredentials aws = chain.resolveCredentials();
            String token = aws instanceof AwsSessionCredentials session ? session.sessionToken() : null;
            return SigV4.signingHeaders(aws.accessKeyId(), aws.secretAccessKey(), token, region, "sagemaker",
                    Instant.now(), method, host, pathAndQuery, headers, body);
        };
    }

    /** URL, or URL/endpoints/NAME so that requests go to URL/endpoints/NAME/invocations. */
    URI baseUrl() {
        if (endpointName == null) {
            return target.endpoint;
        }
        String base = target.endpoint.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/endpoints/"
                + endpointName);
    }

    /**
     * SageMaker's precedence (SAGEMAKER-CONTRACT.md §1): the job's own settings, then the container's
     * {@code /execution-parameters} ({@code server}, may be null or partial), then 1, MultiRecord, 6 MB.
     */
    TransformConfig toConfig(Explicit explicit, ExecutionParameters server) {
        int concurrent = firstNonNull(explicit.maxConcurrent(), server == null ? null : server.maxConcurrentTransforms(),
                DEFAULT_MAX_CONCURRENT);
        BatchStrategy strategy = firstNonNull(explicit.batchStrategy(), server == null ? null : server.batchStrategy(),
                BatchStrategy.MULTI_RECORD);
        int payloadMb = firstNonNull(explicit.maxPayloadMb(), server == null ? null : server.maxPayloadInMb(),
                DEFAULT_MAX_PAYLOAD_MB);
        if (explicit.maxConcurrent() == null) {
            // A server's answer need not respect SageMaker's MaxConcurrentTransforms × MaxPayloadInMB ≤ 100; the job must.
            concurrent = Math.max(1, Math.min(concurrent, MAX_PAYLOAD_MB_LIMIT / payloadMb));
        }
        return new TransformConfig(input, output, contentType, accept,
                splitType == null ? SplitType.NONE : SplitType.parse(splitType),
                strategy, (long) payloadMb << 20, concurrent,
                compression == null ? Compression.NONE : Compression.parse(compression),
                inputFilter, outputFilter,
                joinSource == null ? JoinSource.NONE : JoinSource.parse(joinSource),
                assembleWith == null ? AssembleWith.NONE : AssembleWith.parse(assembleWith),
                Duration.ofSeconds(timeoutSeconds != null ? timeoutSeconds : DEFAULT_TIMEOUT_SECONDS),
                maxRetries != null ? maxRetries : DEFAULT_MAX_RETRIES,
                s3());
    }

    S3Config s3() {
        return new S3Config(s3Endpoint, s3PathStyle, s3Region);
    }

    private int run(TransformConfig config, InferenceService service, PrintWriter out, PrintWriter err)
            throws InterruptedException {
        err.printf("sluice transform: %s -> %s (%s, %d concurrent, %d MB payloads)%n", config.input(),
                config.output(), config.batchStrategy(), config.maxConcurrentTransforms(),
                config.maxPayloadBytes() >> 20);
        err.flush();
        TransformSummary summary;
        try (Progress progress = Progress.open(localInputBytes(config.input()), err)) {
            TransformJob job;
            try {
                job = TransformJob.start(config, service, progress);
            } catch (IllegalArgumentException e) {
                err.println("sluice transform: " + e.getMessage());
                err.flush();
                return 2;
            }
            // Ctrl-C: stop taking records and clean up partial outputs rather than leave temporaries behind.
            Thread stopper = Thread.ofPlatform().name("sluice-transform-stop").unstarted(() -> {
                job.stop();
                try {
                    job.completion().get(30, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // Exiting anyway.
                }
            });
            Runtime.getRuntime().addShutdownHook(stopper);
            try {
                summary = job.completion().get();
            } catch (ExecutionException e) {
                err.println("sluice transform: Failed: " + rootCause(e).getMessage());
                err.flush();
                return 1;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopper);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is running; it owns the ending.
                }
            }
        }
        out.printf("sluice transform: %s: %d of %d file(s) transformed, %d skipped (already complete), "
                        + "%d failed; %d record(s) in %.1f s%n", summary.status(), summary.filesSucceeded(),
                summary.filesTotal(), summary.filesSkipped(), summary.failures().size(), summary.records(),
                summary.elapsed().toMillis() / 1000.0);
        for (FileFailure failure : summary.failures()) {
            out.println("  failed: " + failure.input() + ": " + failure.reason());
        }
        out.flush();
        return "Completed".equals(summary.status()) ? 0 : 1;
    }

    /** Total bytes under a local input, for the ETA; -1 for s3:// or anything unreadable. */
    static long localInputBytes(String input) {
        if (input.regionMatches(true, 0, "s3://", 0, 5)) {
            return -1;
        }
        Path path = input.startsWith("file:") ? Path.of(URI.create(input)) : Path.of(input);
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static Throwable rootCause(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static <T> T firstNonNull(T a, T b, T c) {
        return a != null ? a : b != null ? b : c;
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // A temporary directory; the OS cleans up what is left.
        }
    }

    /**
     * Terminal progress fed by the job's listener (called from the job's threads, so everything here is atomic or
     * synchronized by the progress bar): a bar counting records with records/s, files done and an ETA from bytes of
     * finished files. Without a console (CI, a pipe) it writes one line per finished file instead of redrawing.
     */
    static final class Progress implements TransformListener, AutoCloseable {
        private final ProgressBar bar;
        private final PrintWriter lines;
        private final long totalBytes;
        private final long startNanos = System.nanoTime();
        private final java.util.concurrent.ConcurrentHashMap<String, Long> sizes =
                new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicLong doneBytes = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicInteger filesDone = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger filesFailed = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger filesStarted = new java.util.concurrent.atomic.AtomicInteger();

        private Progress(ProgressBar bar, PrintWriter lines, long totalBytes) {
            this.bar = bar;
            this.lines = lines;
            this.totalBytes = totalBytes;
        }

        static Progress open(long totalBytes, PrintWriter err) {
            if (System.console() == null) {
                return new Progress(null, err, totalBytes);
            }
            ProgressBar bar = new ProgressBarBuilder().setTaskName("transform").setUnit(" rec", 1)
                    .setInitialMax(-1).showSpeed().setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS).hideEta().setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).continuousUpdate()
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            return new Progress(bar, null, totalBytes);
        }

        @Override
        public void fileStarted(String input, long bytes) {
            filesStarted.incrementAndGet();
            sizes.put(input, Math.max(0, bytes));
            message();
        }

        @Override
        public void recordsDone(long records) {
            if (bar != null) {
                bar.stepBy(records);
            }
        }

        @Override
        public void fileDone(String input, boolean ok) {
            filesDone.incrementAndGet();
            if (!ok) {
                filesFailed.incrementAndGet();
            }
            Long bytes = sizes.remove(input);
            doneBytes.addAndGet(bytes == null ? 0 : bytes);
            if (bar == null) {
                synchronized (lines) {
                    lines.printf("sluice transform: %s %s (%d file(s) done%s)%n", ok ? "done" : "FAILED", input,
                            filesDone.get(), eta().map(e -> ", ETA " + e).orElse(""));
                    lines.flush();
                }
            }
            message();
        }

        private void message() {
            if (bar != null) {
                bar.setExtraMessage(" files " + filesDone.get() + (filesFailed.get() > 0 ? " (" + filesFailed.get()
                        + " failed)" : "") + " of " + filesStarted.get() + "+" + eta().map(e -> ", ETA " + e)
                        .orElse(""));
            }
        }

        /** Time left, by the share of input bytes in finished files; empty while that is unknown. */
        Optional<String> eta() {
            long done = doneBytes.get();
            if (totalBytes <= 0 || done <= 0) {
                return Optional.empty();
            }
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            long left = Math.max(0, Math.round(elapsed * (totalBytes - done) / done));
            return Optional.of(String.format("%d:%02d:%02d", left / 3600, left / 60 % 60, left % 60));
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
