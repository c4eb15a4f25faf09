package dev.sluice.cli;

import dev.sluice.core.SluiceException;
import dev.sluice.core.config.S3Config;
import dev.sluice.core.config.ServerConfig;
import dev.sluice.gateway.SluiceServer;
import dev.sluice.recommender.ArtifactVariant;
import dev.sluice.recommender.BatchingChoice;
import dev.sluice.recommender.CandidateGrid;
import dev.sluice.recommender.DeploySnippet;
import dev.sluice.recommender.Gateway;
import dev.sluice.recommender.HostsFile;
import dev.sluice.recommender.InstanceCatalog;
import dev.sluice.recommender.ModelUnderTest;
import dev.sluice.recommender.RecommendRequest;
import dev.sluice.recommender.Recommendation;
import dev.sluice.recommender.RecommendationReport;
import dev.sluice.recommender.Recommender;
import dev.sluice.recommender.ReportWriter;
import dev.sluice.recommender.StoppingConditions;
import dev.sluice.recommender.TerminalTable;
import dev.sluice.recommender.TrafficPattern;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice recommend}: load-tests serving configurations of a model on a Sluice gateway (one started in this
 * process, or {@code --gateway URL}) and on {@code --hosts}, and writes the ranked result as {@code report.html} and
 * {@code recommendations.json}. Exit codes: 0 a configuration met the SLA (and held when verified), 1 none did (or the
 * verification missed it), 2 bad arguments.
 */
@Command(name = "recommend", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load-test serving configurations of a model and recommend the cheapest that meets a latency "
                + "SLA: report.html, recommendations.json and the CreateEndpointConfig that deploys it.")
final class RecommendCommand implements Callable<Integer> {
    private static final String BUILTIN_MINILM = "builtin:minilm";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "The model: builtin:minilm (the demo), an .onnx file, a directory holding one, a "
                    + "model.tar.gz or an s3:// URL.")
    String model;

    @Option(names = "--payload", paramLabel = "FILE", description = "A sample request body (default for "
            + "builtin:minilm: one sentence; for ONNX models: one row made up from the input signature).")
    Path payload;

    @Option(names = "--content-type", description = "The payload's media type (default from its extension: .csv "
            + "text/csv, .json application/json, .jsonl application/jsonlines, .npy application/x-npy).")
    String contentType;

    @Option(names = "--accept", description = "The Accept header of the load test's requests.")
    String accept;

    @Option(names = "--image", description = "The CreateModel image (default sluice/sentence-embedding for "
            + "builtin:minilm, else sluice/onnx).")
    String image;

    @Option(names = "--artifact", paramLabel = "NAME=PATH", description = "Another artifact of the same model to "
            + "measure as well, e.g. a compiled int8 or fp16 build (sluice compile's output). Repeatable.")
    Map<String, String> artifacts = new LinkedHashMap<>();

    @Option(names = "--no-compile", description = "Do not measure a compiled variant of an ONNX model (by default "
            + "the model is also compiled for the measured instance type, int8 on CPUs, into DIR/artifacts).")
    boolean noCompile;

    @Option(names = "--catalog", paramLabel = "FILE", description = "Instance types and prices (YAML or JSON); "
            + "replaces the built-in catalog of common ml.* types.")
    Path catalog;

    @ArgGroup(exclusive = true)
    Sla sla;

    static final class Sla {
        @Option(names = "--sla-p99-ms", paramLabel = "N", description = "SLA: p99 latency at most N ms "
                + "(default 100).")
        Double p99;

        @Option(names = "--sla-p95-ms", paramLabel = "N", description = "SLA: p95 latency at most N ms.")
        Double p95;
    }

    @Option(names = "--max-rpm", paramLabel = "N", description = "The load to serve, invocations per minute: sizes "
            + "InitialInstanceCount and stops a candidate once it serves this much (default: none).")
    long maxRpm;

    @Option(names = "--headroom", paramLabel = "H", description = "Share of the highest confirmed rate kept in "
            + "reserve: MaxInvocations, the instance count and the verification use (1 - H) times it (default 0.2; "
            + "0 = the raw maximum).")
    double headroom = RecommendRequest.Options.DEFAULT_HEADROOM;

    @Option(names = "--max-error-rate", paramLabel = "R", description = "A step fails above this share of failed "
            + "requests (default 0.001).")
    double maxErrorRate = StoppingConditions.DEFAULT_MAX_ERROR_RATE;

    @Option(names = "--hosts", paramLabel = "FILE", description = "Remote Sluice gateways to measure too: a YAML/JSON "
            + "list of {url (admin port), dataUrl, instanceType}.")
    Path hosts;

    @Option(names = "--remote-model-data-url", paramLabel = "URL", description = "The model as --hosts reach it "
            + "(e.g. s3://...); default the --model path.")
    String remoteModelDataUrl;

    @Option(names = "--report", required = true, paramLabel = "DIR", description = "Where report.html, "
            + "recommendations.json and the deployment files go.")
    Path report;

    @Option(names = "--instance-type", paramLabel = "TYPE", description = "The catalog type this machine stands for "
            + "(default: the first CPU-only type with this machine's vCPUs and architecture).")
    String instanceType;

    @Option(names = "--gateway", paramLabel = "URL", description = "Use a running Sluice gateway (its admin URL, "
            + "e.g. http://127.0.0.1:8081) instead of starting one in this process.")
    URI gateway;

    @Option(names = "--gateway-data-url", paramLabel = "URL", description = "That gateway's data plane (default: its "
            + "host on port 8080).")
    URI gatewayDataUrl;

    @Option(names = "--traffic", paramLabel = "TYPE", description = "stairs (default) or phases.")
    String traffic = "stairs";

    @Option(names = "--phases", split = ",", paramLabel = "RATE:SECONDS", description = "With --traffic phases: "
            + "rates per second and durations, e.g. 50:10,100:10,200:10.")
    List<String> phases = new ArrayList<>();

    @Option(names = "--start-rate", paramLabel = "N", description = "Stairs: first step, requests/s (default: half "
            + "the warm-up's single-client rate).")
    double startRate;

    @Option(names = "--step-factor", description = "Stairs: each step's rate over the last (default 2).")
    double stepFactor = TrafficPattern.Stairs.DEFAULT_STEP_FACTOR;

    @Option(names = "--step-seconds", description = "Stairs: seconds per step (default 4).")
    double stepSeconds = TrafficPattern.Stairs.DEFAULT_STEP_DURATION.toMillis() / 1000.0;

    @Option(names = "--max-steps", description = "Stairs: most steps per candidate (default 12).")
    int maxSteps = TrafficPattern.Stairs.DEFAULT_MAX_STEPS;

    @Option(names = "--refine-steps", description = "Stairs: bisection steps after the first miss (default 3).")
    int refineSteps = TrafficPattern.Stairs.DEFAULT_REFINE_STEPS;

    @Option(names = "--workers", split = ",", paramLabel = "N", description = "Runner threads to try (default: "
            + "1, vCPUs/2 and vCPUs, combined with --intra-op-threads so that between half and all vCPUs are used).")
    List<Integer> workers = new ArrayList<>();

    @Option(names = "--intra-op-threads", split = ",", paramLabel = "N", description = "Intra-op threads to try "
            + "(default: 1 and vCPUs/workers).")
    List<Integer> intraOpThreads = new ArrayList<>();

    @Option(names = "--batching", split = ",", paramLabel = "off|on", description = "Dynamic batching settings to try "
            + "(default off,on).")
    List<String> batching = new ArrayList<>(List.of("off", "on"));

    @Option(names = "--max-batch-size", description = "Batching on: most rows per batch (default 8).")
    int maxBatchSize = BatchingChoice.DEFAULT_ON.maxBatchSize();

    @Option(names = "--max-batch-delay-ms", description = "Batching on: longest wait to fill a batch (default 2).")
    double maxBatchDelayMs = BatchingChoice.DEFAULT_ON.maxDelayMillis();

    @Option(names = "--no-verify", description = "Do not deploy the recommendation again to check it.")
    boolean noVerify;

    @Option(names = "--verify-seconds", description = "How long the verification loads it (default 15).")
    double verifySeconds = RecommendRequest.Options.DEFAULT_VERIFY_DURATION.toSeconds();

    @Option(names = "--no-estimate", description = "Do not add estimated rows for catalog types nobody measured.")
    boolean noEstimate;

    @Option(names = "--warm-up-seconds", description = "One client back to back before the steps (default 2).")
    double warmUpSeconds = RecommendRequest.Options.DEFAULT_WARM_UP.toSeconds();

    @Option(names = "--max-in-flight", description = "The load generator's bound on outstanding requests; more "
            + "count as errors (default 256).")
    int maxInFlight = RecommendRequest.Options.DEFAULT_MAX_IN_FLIGHT;

    @Option(names = "--time-budget-seconds", description = "The whole job's budget; candidates that would not fit are "
            + "skipped (default 540).")
    double timeBudgetSeconds = RecommendRequest.Options.DEFAULT_TIME_BUDGET.toSeconds();

    @Option(names = "--job-name", description = "The job's name (default sluice-recommend-<time>).")
    String jobName;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RecommendRequest request;
        try {
            request = toRequest();
        } catch (IllegalArgumentException | IOException e) {
            err.println("sluice recommend: " + e.getMessage());
            return 2;
        }
        request = withCompiledVariant(request, out);
        RecommendationReport result;
        try {
            // A gateway given with --gateway is taken to share this machine's files (the --model path), as the
            // in-process one does; its resident memory is not known, so its JVM memory stands in.
            result = gateway != null ? run(request, new Gateway(gateway, dataUrl(), null, null, false), out)
                    : runInProcess(request, out);
        } catch (SluiceException | IllegalArgumentException e) {
            err.println("sluice recommend: " + e.getMessage());
            return e instanceof IllegalArgumentException ? 2 : 1;
        }
        ReportWriter.write(result, report);
        out.println();
        out.print(TerminalTable.render(result));
        printRecommendation(result, out);
        out.println("Report: " + report.resolve(ReportWriter.HTML_FILE).toAbsolutePath() + " and "
                + ReportWriter.JSON_FILE);
        out.flush();
        return result.succeeded() ? 0 : 1;
    }

    /**
     * Adds the compiled variant of a local ONNX model ("compiled int8/fp16 when the compiler is present"); the built-in
     * MiniLM is int8 already and ships inside a jar, so it is measured as it is.
     */
    private RecommendRequest withCompiledVariant(RecommendRequest request, PrintWriter out) {
        ModelUnderTest m = request.model();
        String original = m.artifacts().get(0).modelDataUrl();
        if (noCompile || original == null || original.contains("://") || original.startsWith("file:")
                || !m.image().startsWith(ModelUnderTest.IMAGE_ONNX)) {
            return request;
        }
        InstanceCatalog catalog = request.catalog();
        var type = request.localInstanceType() != null ? catalog.find(request.localInstanceType())
                : catalog.forThisMachine();
        if (type.isEmpty()) {
            return request;
        }
        return RecommendCompile.compile(Path.of(original), type.get(), report.resolve("artifacts"), out)
                .filter(a -> m.artifacts().stream().noneMatch(existing -> existing.name().equals(a.name())))
                .map(a -> new RecommendRequest(request.jobName(), m.withArtifact(a), request.grid(), request.traffic(),
                        request.stopping(), catalog, request.localInstanceType(), request.hosts(), request.options()))
                .orElse(request);
    }

    private URI dataUrl() {
        return gatewayDataUrl != null ? gatewayDataUrl
                : URI.create(gateway.getScheme() + "://" + gateway.getHost() + ":" + ServerConfig.DEFAULT_PORT);
    }

    private RecommendationReport runInProcess(RecommendRequest request, PrintWriter out) throws Exception {
        // The gateway's INFO lines (one per endpoint) would bury the progress; a user's own setting still wins.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Path work = Files.createTempDirectory("sluice-recommend-work");
        Path data = Files.createTempDirectory("sluice-recommend-state");
        ServerConfig config = new ServerConfig("127.0.0.1", 0, 0, ServerConfig.DEFAULT_MAX_PAYLOAD_BYTES,
                Duration.ofSeconds(5), List.of(), List.of(), S3Config.DEFAULT, ServerConfig.Role.GATEWAY);
        SluiceServer server = SluiceServer.start(config, work, data);
        try {
            server.restored().get(60, TimeUnit.SECONDS);
            Gateway local = Gateway.inProcess(URI.create("http://127.0.0.1:" + server.adminPort()),
                    URI.create("http://127.0.0.1:" + server.port()));
            out.printf("sluice recommend: gateway in this process (data port %d, admin port %d)%n", server.port(),
                    server.adminPort());
            return run(request, local, out);
        } finally {
            server.close();
            deleteTree(work);
            deleteTree(data);
        }
    }

    private RecommendationReport run(RecommendRequest request, Gateway local, PrintWriter out)
            throws InterruptedException {
        return new Recommender().run(request, local, new RecommendProgress(out));
    }

    RecommendRequest toRequest() throws IOException {
        ModelUnderTest modelUnderTest = modelUnderTest();
        StoppingConditions.LatencyThreshold latency = sla == null ? StoppingConditions.DEFAULT_LATENCY
                : sla.p95 != null ? new StoppingConditions.LatencyThreshold(StoppingConditions.Percentile.P95, sla.p95)
                : new StoppingConditions.LatencyThreshold(StoppingConditions.Percentile.P99, sla.p99);
        StoppingConditions stopping = new StoppingConditions(latency, maxRpm, maxErrorRate);
        List<BatchingChoice> choices = new ArrayList<>();
        for (String b : batching) {
            switch (b.trim().toLowerCase(Locale.ROOT)) {
                case "off", "false" -> choices.add(BatchingChoice.OFF);
                case "on", "true" -> choices.add(BatchingChoice.on(maxBatchSize, maxBatchDelayMs));
                default -> throw new IllegalArgumentException("--batching takes off and/or on, got '" + b + "'");
            }
        }
        CandidateGrid grid = new CandidateGrid(workers, intraOpThreads, choices);
        TrafficPattern pattern = switch (traffic.trim().toLowerCase(Locale.ROOT)) {
            case "stairs" -> new TrafficPattern.Stairs(startRate, stepFactor, seconds("--step-seconds", stepSeconds),
                    maxSteps, refineSteps);
            case "phases" -> new TrafficPattern.Phases(phases());
            default -> throw new IllegalArgumentException("--traffic must be stairs or phases, got '" + traffic + "'");
        };
        InstanceCatalog instanceCatalog = catalog == null ? InstanceCatalog.defaults() : InstanceCatalog.read(catalog);
        List<Gateway> remoteHosts = hosts == null ? List.of() : HostsFile.read(hosts);
        RecommendRequest.Options options = new RecommendRequest.Options(!noVerify,
                seconds("--verify-seconds", verifySeconds), !noEstimate, warmUpSeconds <= 0 ? Duration.ZERO
                : seconds("--warm-up-seconds", warmUpSeconds), maxInFlight,
                RecommendRequest.Options.DEFAULT_REQUEST_TIMEOUT, RecommendRequest.Options.DEFAULT_SETUP_TIMEOUT,
                seconds("--time-budget-seconds", timeBudgetSeconds), headroom);
        String name = jobName != null ? jobName
                : "sluice-recommend-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return new RecommendRequest(name, modelUnderTest, grid, pattern, stopping, instanceCatalog, instanceType,
                remoteHosts, options);
    }

    private ModelUnderTest modelUnderTest() throws IOException {
        byte[] body = null;
        String type = contentType;
        if (payload != null) {
            if (!Files.isRegularFile(payload)) {
                throw new IllegalArgumentException("--payload " + payload + " is not a file");
            }
            body = Files.readAllBytes(payload);
            if (type == null) {
                type = contentTypeOf(payload);
            }
        }
        if (model.trim().equalsIgnoreCase(BUILTIN_MINILM)) {
            ModelUnderTest demo = ModelUnderTest.builtinMinilm();
            if (!artifacts.isEmpty()) {
                throw new IllegalArgumentException("--artifact does not apply to builtin:minilm");
            }
            return body == null ? demo : demo.withPayload(body, type);
        }
        String dataUrl = modelDataUrl(model);
        String img = image != null ? image : ModelUnderTest.IMAGE_ONNX;
        if (body == null && img.startsWith(ModelUnderTest.IMAGE_SENTENCE_EMBEDDING)) {
            body = ("{\"inputs\":[\"" + ModelUnderTest.DEMO_SENTENCE + "\"]}").getBytes(StandardCharsets.UTF_8);
            type = "application/json";
        }
        List<ArtifactVariant> variants = new ArrayList<>();
        variants.add(new ArtifactVariant(ArtifactVariant.ORIGINAL, dataUrl, remoteModelDataUrl));
        artifacts.forEach((name, path) -> variants.add(new ArtifactVariant(name, modelDataUrl(path), null)));
        return new ModelUnderTest(model, img, variants, Map.of(), Map.of(), body, type, accept);
    }

    /** Local paths go to the local gateway as absolute paths; URLs (s3://, file:) as given. */
    private static String modelDataUrl(String source) {
        String s = source.trim();
        if (s.contains("://") || s.startsWith("file:")) {
            return s;
        }
        Path path = Path.of(s);
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("model " + s + " does not exist");
        }
        return path.toAbsolutePath().normalize().toString();
    }

    private static String contentTypeOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return "text/csv";
        }
        if (name.endsWith(".json")) {
            return "application/json";
        }
        if (name.endsWith(".jsonl") || name.endsWith(".jsonlines")) {
            return "application/jsonlines";
        }
        if (name.endsWith(".npy")) {
            return "application/x-npy";
        }
        throw new IllegalArgumentException("cannot tell the media type of " + file + ": give --content-type");
    }

    private List<TrafficPattern.Phase> phases() {
        if (phases.isEmpty()) {
            throw new IllegalArgumentException("--traffic phases needs --phases RATE:SECONDS,...");
        }
        List<TrafficPattern.Phase> out = new ArrayList<>();
        for (String p : phases) {
            String[] parts = p.trim().split(":");
            if (parts.length != 2) {
                throw new IllegalArgumentException("--phases entries are RATE:SECONDS, got '" + p + "'");
            }
            try {
                out.add(new TrafficPattern.Phase(Double.parseDouble(parts[0]),
                        seconds("--phases", Double.parseDouble(parts[1]))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--phases entries are RATE:SECONDS numbers, got '" + p + "'", e);
            }
        }
        return out;
    }

    private static Duration seconds(String option, double value) {
        if (!(value > 0) || value > 86_400) {
            throw new IllegalArgumentException(option + " must be a positive number of seconds, got " + value);
        }
        return Duration.ofMillis(Math.round(value * 1000));
    }

    private static void printRecommendation(RecommendationReport result, PrintWriter out) {
        Recommendation r = result.recommended();
        if (r == null) {
            out.println("\nNo configuration met the SLA.");
            return;
        }
        DeploySnippet d = DeploySnippet.of(result, r);
        out.printf("%nRecommended: %s x %d (%s)%n", r.instanceType().name(), r.initialInstanceCount(),
                r.candidate().label());
        if (result.verification() != null) {
            var v = result.verification();
            out.printf("Verification: deployed again at %,d invocations/min: %s%n", Math.round(v.ratePerSecond() * 60),
                    v.step() == null ? "could not be measured (" + v.error() + ")"
                            : String.format(Locale.ROOT, "p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, %d errors of %d: %s",
                            v.step().p50Millis(), v.step().p95Millis(), v.step().p99Millis(), v.step().errors(),
                            v.step().requests(), v.meetsSla() ? "meets the SLA" : "MISSES the SLA"));
        }
        out.println("\nDeploy it with the control plane (CreateModel, CreateEndpointConfig, CreateEndpoint):");
        out.println(d.createModel().toPrettyString());
        out.println(d.createEndpointConfig().toPrettyString());
        out.println(d.createEndpoint().toPrettyString());
        out.println("or: " + d.serveCommand());
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // A temporary file left behind is not worth failing the command for.
                }
            });
        } catch (IOException ignored) {
            // As above.
        }
    }
}
