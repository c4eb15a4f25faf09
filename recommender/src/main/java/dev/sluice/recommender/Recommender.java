package dev.sluice.recommender;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.recommender.internal.CandidateRunner;
import dev.sluice.recommender.internal.LoadSearch;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Runs a recommendation job: every candidate of the grid on every gateway (the local one and the {@code --hosts}),
 * one at a time so that candidates never share a machine, then ranks, estimates the types nobody measured, and
 * deploys the winner once more to check it.
 *
 * <p>Candidates are deployed and measured through the gateway's public interfaces only (control plane, data plane,
 * {@code /metrics}), so an in-process gateway and a remote one are measured by the same code.
 */
public final class Recommender {
    /** Verification also deploys and warms up; this much beyond its load time is kept free of the budget. */
    private static final Duration VERIFY_OVERHEAD = Duration.ofSeconds(15);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    /**
     * Runs the job on this thread. Interrupting the thread stops it (endpoints are still deleted) with an
     * {@link InterruptedException}.
     *
     * @param gateway the local gateway (an in-process one, or {@code --gateway URL})
     */
    public RecommendationReport run(RecommendRequest request, Gateway gateway, ProgressListener listener)
            throws InterruptedException {
        return execute(request, gateway, listener, new AtomicBoolean());
    }

    /** Runs the job on {@code executor}; {@link RecommendationJob#stop()} ends it with a STOPPED report. */
    public RecommendationJob start(RecommendRequest request, Gateway gateway, ProgressListener listener,
                                   Executor executor) {
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<RecommendationReport> result = CompletableFuture.supplyAsync(() -> {
            try {
                return execute(request, gateway, listener, stop);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(new CancellationException("interrupted"));
            }
        }, executor);
        return new RecommendationJob(request.jobName(), result, stop);
    }

    private RecommendationReport execute(RecommendRequest request, Gateway gateway, ProgressListener listener,
                                         AtomicBoolean stop) throws InterruptedException {
        Instant created = Instant.now();
        long deadline = System.nanoTime() + request.options().timeBudget().toNanos();
        InstanceCatalog catalog = request.catalog();
        String source;
        InstanceType localType;
        if (gateway.instanceType() != null) {
            localType = catalog.require(gateway.instanceType());
            source = "declared for the gateway";
        } else if (request.localInstanceType() != null) {
            localType = catalog.require(request.localInstanceType());
            source = "given with --instance-type";
        } else {
            int cpus = Runtime.getRuntime().availableProcessors();
            String arch = InstanceType.normalizeArch(System.getProperty("os.arch"));
            localType = catalog.forMachine(cpus, arch).orElseThrow(() -> new IllegalArgumentException(
                    "no CPU-only catalog type has this machine's " + cpus + " vCPUs and " + arch
                            + " architecture: name the type it stands for with --instance-type"));
            source = "this machine has " + cpus + " vCPUs (" + arch + "); " + localType.name()
                    + " is the first catalog type of that size";
        }
        List<Gateway> gateways = new ArrayList<>();
        gateways.add(gateway.withInstanceType(localType.name()));
        gateways.addAll(request.hosts());
        List<Planned> plan = new ArrayList<>();
        for (Gateway g : gateways) {
            InstanceType type = catalog.require(g.instanceType());
            for (Candidate c : request.grid().candidates(request.model().artifacts(), type)) {
                plan.add(new Planned(g, c));
            }
        }
        listener.onEvent(new ProgressEvent.Planned(plan.size(), localType, source,
                plan.stream().map(p -> p.candidate.instanceType().name() + "/" + p.candidate.label()).toList()));

        RecommendRequest.Options options = request.options();
        long verifyReserve = options.verify() ? options.verifyDuration().plus(options.warmUp())
                .plus(VERIFY_OVERHEAD).toNanos() : 0;
        BooleanSupplier cancelled = () -> stop.get() || Thread.currentThread().isInterrupted();
        // With a target load, the search goes as far as the rate whose derated value serves it.
        StoppingConditions requested = request.stopping();
        StoppingConditions searchStop = new StoppingConditions(requested.latency(),
                requested.maxInvocationsPerMinute() == 0 ? 0 : options.undoDerate(requested.maxInvocationsPerMinute()),
                requested.maxErrorRate());
        BooleanSupplier outOfTime = () -> System.nanoTime() + verifyReserve > deadline;
        String prefix = "rec-" + HexFormat.of().formatHex(randomBytes(3));
        ExecutorService httpExecutor = Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), named("sluice-recommender-http"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT).executor(httpExecutor).build();
        try {
            CandidateRunner runner = new CandidateRunner(http, options, cancelled, listener);
            ModelUnderTest model = request.model();
            List<Recommendation> rows = new ArrayList<>();
            boolean stopped = false;
            long spent = 0;
            int measuredCount = 0;
            for (int i = 0; i < plan.size(); i++) {
                Planned p = plan.get(i);
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("the recommendation job was interrupted");
                }
                if (stop.get()) {
                    stopped = true;
                    break;
                }
                long now = System.nanoTime();
                long average = measuredCount == 0 ? 0 : spent / measuredCount;
                if (measuredCount > 0 && now + average + verifyReserve > deadline) {
                    String why = "the time budget (" + options.timeBudget().toSeconds() + " s) left no room for it";
                    listener.onEvent(new ProgressEvent.CandidateSkipped(i + 1, plan.size(), p.candidate, why));
                    rows.add(failedRow(p, request, StopReason.SKIPPED, why));
                    continue;
                }
                listener.onEvent(new ProgressEvent.CandidateStarted(i + 1, plan.size(), p.candidate,
                        p.gateway.adminUrl().toString()));
                CandidateRunner.Outcome outcome;
                try {
                    outcome = runner.measure(prefix + "-" + (i + 1), p.candidate, p.gateway, model,
                            request.traffic(), searchStop, outOfTime);
                } catch (CancellationException e) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException("the recommendation job was interrupted");
                    }
                    stopped = true;
                    break;
                }
                spent += System.nanoTime() - now;
                measuredCount++;
                model = outcome.model();
                if (outcome.payloadRejected() && rows.stream().noneMatch(r -> r.error() == null)) {
                    // The model refused the request body itself: every other candidate would too.
                    throw new SluiceException(ErrorCode.VALIDATION_ERROR, outcome.error());
                }
                Recommendation row = row(p, outcome, request);
                rows.add(row);
                listener.onEvent(new ProgressEvent.CandidateFinished(i + 1, plan.size(), row));
            }
            List<Recommendation> measured = CostModel.rank(rows);
            Recommendation recommended = measured.stream().filter(r -> Integer.valueOf(1).equals(r.rank()))
                    .findFirst().orElse(null);
            Set<String> measuredTypes = new LinkedHashSet<>();
            gateways.forEach(g -> measuredTypes.add(g.instanceType()));
            List<Recommendation> estimated = options.estimate() ? CostModel.rank(Estimator.estimate(measured, catalog,
                    measuredTypes, request.stopping().maxInvocationsPerMinute())) : List.of();
            Verification verification = null;
            if (!stopped && options.verify() && recommended != null) {
                verification = verify(runner, prefix + "-verify", recommended, gateways, model, request, listener);
                if (cancelled.getAsBoolean()) {
                    stopped = true;
                }
            }
            return new RecommendationReport(request.jobName(),
                    stopped ? RecommendationReport.STOPPED : RecommendationReport.COMPLETED, created, Instant.now(),
                    request, localType, source, measured, estimated, recommended, verification,
                    notes(request, gateways, localType));
        } finally {
            http.close();
            httpExecutor.shutdownNow();
        }
    }

    private Verification verify(CandidateRunner runner, String name, Recommendation recommended,
                                List<Gateway> gateways, ModelUnderTest model, RecommendRequest request,
                                ProgressListener listener) throws InterruptedException {
        Gateway gateway = gateways.stream().filter(g -> g.adminUrl().toString().equals(recommended.gateway()))
                .findFirst().orElse(gateways.get(0));
        double rate = recommended.metrics().maxInvocations() / 60.0;
        long maxRpm = request.stopping().maxInvocationsPerMinute();
        if (maxRpm > 0 && recommended.initialInstanceCount() > 0) {
            rate = Math.min(rate, maxRpm / 60.0 / recommended.initialInstanceCount());
        }
        listener.onEvent(new ProgressEvent.VerificationStarted(recommended, rate));
        StoppingConditions stop = new StoppingConditions(request.stopping().latency(), 0,
                request.stopping().maxErrorRate());
        CandidateRunner.Outcome outcome;
        try {
            outcome = runner.verify(name, recommended.candidate(), gateway, model, rate,
                    request.options().verifyDuration(), stop);
        } catch (CancellationException e) {
            if (Thread.interrupted()) {
                throw new InterruptedException("the recommendation job was interrupted");
            }
            return null;
        }
        LoadStep step = outcome.search() == null || outcome.search().steps().isEmpty() ? null
                : outcome.search().steps().get(0).withKind(CandidateRunner.VERIFY);
        Verification verification = new Verification(recommended.recommendationId(),
                recommended.instanceType().name(), rate, step, outcome.setupMillis(), step != null && step.passed(),
                outcome.error());
        listener.onEvent(new ProgressEvent.VerificationFinished(verification));
        return verification;
    }

    private static Recommendation row(Planned p, CandidateRunner.Outcome outcome, RecommendRequest request) {
        if (outcome.error() != null || outcome.search() == null) {
            Recommendation failed = failedRow(p, request, StopReason.FAILED,
                    outcome.error() == null ? "not measured" : outcome.error());
            Metrics m = failed.metrics();
            return new Recommendation(failed.recommendationId(), null, false, null, false, p.candidate,
                    failed.environment(), 0, new Metrics(m.instanceCostPerHour(), m.costPerHour(), null, 0, 0, null,
                    null, null, null, null, null, null, outcome.setupMillis()), List.of(), StopReason.FAILED,
                    p.gateway.adminUrl().toString(), failed.error());
        }
        LoadSearch.Result search = outcome.search();
        LoadStep best = search.best();
        long measured = search.maxInvocationsPerMinute();
        long maxInvocations = request.options().derate(measured);
        long maxRpm = request.stopping().maxInvocationsPerMinute();
        int count = CostModel.initialInstanceCount(maxRpm, maxInvocations);
        InstanceType type = p.candidate.instanceType();
        Metrics metrics = new Metrics(type.pricePerHour(), CostModel.costPerHour(type.pricePerHour(), count),
                CostModel.costPerInference(type.pricePerHour(), maxInvocations), maxInvocations, measured,
                best == null ? null : best.latencyAt(request.stopping().latency().percentile()),
                best == null ? null : best.p50Millis(), best == null ? null : best.p95Millis(),
                best == null ? null : best.p99Millis(), best == null ? null : best.cpuUtilization(),
                best == null ? null : best.memoryUtilization(), best == null ? null : best.memoryBytes(),
                outcome.setupMillis());
        boolean meets = best != null && best.passed() && maxInvocations > 0;
        return new Recommendation(type.name() + "/" + p.candidate.label(), null, false, null, meets, p.candidate,
                p.candidate.environment(outcome.model()), count, metrics, search.steps(), search.stoppedBy(),
                p.gateway.adminUrl().toString(), null);
    }

    private static Recommendation failedRow(Planned p, RecommendRequest request, StopReason reason, String error) {
        InstanceType type = p.candidate.instanceType();
        Metrics metrics = new Metrics(type.pricePerHour(), type.pricePerHour(), null, 0, 0, null, null, null, null,
                null, null, null, null);
        return new Recommendation(type.name() + "/" + p.candidate.label(), null, false, null, false, p.candidate,
                p.candidate.environment(request.model()), 0, metrics, List.of(), reason,
                p.gateway.adminUrl().toString(), error);
    }

    private static List<String> notes(RecommendRequest request, List<Gateway> gateways, InstanceType localType) {
        List<String> notes = new ArrayList<>();
        Gateway local = gateways.get(0);
        if (local.processId() != null && local.processId() == ProcessHandle.current().pid()) {
            notes.add("The local gateway ran in the recommender's own process on " + localType.name() + "'s "
                    + localType.vCpus() + " vCPUs: the load generator shared those CPUs with the model, and its CPU is "
                    + "part of CpuUtilization and MemoryUtilization. A machine that only serves does a little better.");
        }
        if (gateways.stream().anyMatch(g -> g.processId() == null)) {
            notes.add("For gateways whose process this one cannot see (--hosts, --gateway) MemoryUtilization counts "
                    + "JVM memory only (heap, non-heap, buffers), not native memory such as ONNX Runtime's: it is a "
                    + "lower bound.");
        }
        notes.add("Latencies are end to end as a client of the gateway sees them (SageMaker's ModelLatency counts the "
                + "container only), from each request's scheduled start: the open-model generator never waits for "
                + "answers, so queueing shows.");
        notes.add("Prices: " + request.catalog().note() + " (" + request.catalog().region() + ", as of "
                + request.catalog().pricesAsOf() + ").");
        return notes;
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private record Planned(Gateway gateway, Candidate candidate) {
    }
}
