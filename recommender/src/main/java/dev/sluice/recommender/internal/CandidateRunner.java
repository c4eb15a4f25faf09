package dev.sluice.recommender.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.recommender.Candidate;
import dev.sluice.recommender.Gateway;
import dev.sluice.recommender.LoadStep;
import dev.sluice.recommender.ModelUnderTest;
import dev.sluice.recommender.ProgressEvent;
import dev.sluice.recommender.ProgressListener;
import dev.sluice.recommender.RecommendRequest;
import dev.sluice.recommender.StoppingConditions;
import dev.sluice.recommender.TrafficPattern;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures one candidate on one gateway the way a user would: CreateModel, CreateEndpointConfig and CreateEndpoint on
 * the control plane, DescribeEndpoint until InService, a warm-up and the load steps against
 * {@code /endpoints/{name}/invocations}, then DeleteEndpoint (waiting until it is gone, so the next candidate has the
 * machine to itself), DeleteEndpointConfig and DeleteModel, whatever happened.
 */
public final class CandidateRunner {
    private static final Logger LOG = LoggerFactory.getLogger(CandidateRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
    private static final Duration DELETE_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_WARM_UP_REQUESTS = 100_000;
    public static final String VERIFY = "verify";

    private final HttpClient http;
    private final RecommendRequest.Options options;
    private final BooleanSupplier cancelled;
    private final ProgressListener listener;

    public CandidateRunner(HttpClient http, RecommendRequest.Options options, BooleanSupplier cancelled,
                           ProgressListener listener) {
        this.http = http;
        this.options = options;
        this.cancelled = cancelled;
        this.listener = listener;
    }

    /**
     * @param model           the model with the payload used (a derived payload, when one was derived here)
     * @param search          the load search, or null when the candidate failed before it
     * @param setupMillis     CreateEndpoint to InService, or null when it never got there
     * @param error           why the candidate failed, or null
     * @param payloadRejected whether the model refused the payload itself (4xx): every candidate would
     */
    public record Outcome(ModelUnderTest model, LoadSearch.Result search, Long setupMillis, String error,
                          boolean payloadRejected) {
    }

    public Outcome measure(String name, Candidate candidate, Gateway gateway, ModelUnderTest model,
                           TrafficPattern pattern, StoppingConditions stop, BooleanSupplier outOfTime)
            throws InterruptedException {
        return run(name, candidate, gateway, model, pattern, stop, outOfTime, null);
    }

    /** Deploys the candidate again and offers one rate for a while: the verification of a recommendation. */
    public Outcome verify(String name, Candidate candidate, Gateway gateway, ModelUnderTest model, double ratePerSecond,
                          Duration duration, StoppingConditions stop) throws InterruptedException {
        TrafficPattern once = new TrafficPattern.Phases(List.of(new TrafficPattern.Phase(ratePerSecond, duration)));
        return run(name, candidate, gateway, model, once, stop, () -> false, VERIFY);
    }

    private Outcome run(String name, Candidate candidate, Gateway gateway, ModelUnderTest model,
                        TrafficPattern pattern, StoppingConditions stop, BooleanSupplier outOfTime, String kind)
            throws InterruptedException {
        ControlPlaneClient controlPlane = new ControlPlaneClient(http, gateway, CONTROL_TIMEOUT);
        Long setup = null;
        try {
            setup = deploy(controlPlane, name, candidate, gateway, model);
            listener.onEvent(new ProgressEvent.Deployed(candidate, setup));
            if (model.payload() == null) {
                model = model.withPayload(derivePayload(gateway, name), PayloadGenerator.CONTENT_TYPE);
            }
            LoadGenerator generator = new LoadGenerator(http, gateway.request(invocations(gateway, name)), model.payload(),
                    model.contentType(), model.accept(), options.maxInFlight(), options.requestTimeout());
            LoadGenerator.WarmUp warm;
            try {
                warm = generator.warmUp(options.warmUp(), MAX_WARM_UP_REQUESTS, cancelled);
            } catch (SluiceException e) {
                return new Outcome(model, null, setup, e.getMessage(), e.code().isClientError());
            }
            checkCancelled();
            listener.onEvent(new ProgressEvent.WarmedUp(candidate, warm.ratePerSecond(), warm.p50Millis()));
            ResourceSampler sampler = new ResourceSampler(http, gateway);
            LoadSearch.Result result = LoadSearch.run(pattern, stop, warm.ratePerSecond(),
                    (stepKind, rate, duration) -> step(generator, sampler, candidate, stop,
                            kind == null ? stepKind : kind, rate, duration),
                    outOfTime);
            return new Outcome(model, result, setup, null, false);
        } catch (SluiceException e) {
            return new Outcome(model, null, setup, e.getMessage(), false);
        } finally {
            cleanup(controlPlane, name);
        }
    }

    /**
     * One step, measured again once when the generator itself fell behind its schedule by more than
     * {@link #maxScheduleLagMillis}: the process was not given the CPU (another tenant of a shared machine, a long
     * pause), and that step says more about the machine than about the candidate.
     */
    private LoadStep step(LoadGenerator generator, ResourceSampler sampler, Candidate candidate,
                          StoppingConditions stop, String kind, double rate, Duration duration)
            throws InterruptedException {
        LoadStep step = measureStep(generator, sampler, candidate, stop, kind, rate, duration);
        double limit = maxScheduleLagMillis(stop);
        if (step.maxScheduleLagMillis() > limit) {
            listener.onEvent(new ProgressEvent.StepRepeated(candidate, step, String.format(java.util.Locale.ROOT,
                    "the load generator fell %.0f ms behind its schedule (limit %.0f ms)",
                    step.maxScheduleLagMillis(), limit)));
            step = measureStep(generator, sampler, candidate, stop, kind, rate, duration);
        }
        listener.onEvent(new ProgressEvent.StepMeasured(candidate, step));
        return step;
    }

    /** A quarter of the SLA, at least 20 ms: less lag than that cannot decide a step. */
    static double maxScheduleLagMillis(StoppingConditions stop) {
        return Math.max(20, stop.latency().valueMillis() / 4);
    }

    private LoadStep measureStep(LoadGenerator generator, ResourceSampler sampler, Candidate candidate,
                                 StoppingConditions stop, String kind, double rate, Duration duration)
            throws InterruptedException {
        ResourceSampler.Sample before = sampler.sample();
        LoadGenerator.Measurement m = generator.run(rate, duration, cancelled);
        ResourceSampler.Sample after = sampler.sample();
        checkCancelled();
        Long memory = after.memoryBytes();
        Double memoryPercent = memory == null ? null : 100.0 * memory / candidate.instanceType().memoryBytes();
        LoadStep step = new LoadStep(kind, rate, m.seconds(), m.requests(), m.errors(),
                m.succeeded() / Math.max(1e-9, m.seconds()), m.percentileMillis(50), m.percentileMillis(95),
                m.percentileMillis(99), m.latencies().getTotalCount() == 0 ? null
                : m.latencies().getMaxValue() / 1000.0, ResourceSampler.cpuPercent(before, after), memoryPercent,
                memory, m.maxLagNanos() / 1e6, m.earlyMedianMillis(), m.lateMedianMillis(), false);
        step = step.withPassed(stop.meets(step));
        if (!m.errorKinds().isEmpty()) {
            LOG.debug("{} at {}/s: errors {}", candidate.label(), rate, m.errorKinds());
        }
        return step;
    }

    /** Creates the model, config and endpoint; answers ModelSetupTime in milliseconds once it is InService. */
    private long deploy(ControlPlaneClient controlPlane, String name, Candidate candidate, Gateway gateway,
                        ModelUnderTest model) throws InterruptedException {
        controlPlane.createModel(HostingRequests.createModel(name, model.image(),
                candidate.artifact().modelDataUrlFor(gateway.remote()), candidate.environment(model)));
        controlPlane.createEndpointConfig(HostingRequests.createEndpointConfig(name, name,
                candidate.instanceType().name(), 1));
        long start = System.nanoTime();
        controlPlane.createEndpoint(name, name);
        long deadline = start + options.setupTimeout().toNanos();
        while (true) {
            JsonNode described = controlPlane.describeEndpoint(name);
            String status = described == null ? "missing" : described.path("EndpointStatus").asText();
            if (status.equals("InService")) {
                long client = (System.nanoTime() - start) / 1_000_000;
                JsonNode created = described.path("CreationTime");
                JsonNode modified = described.path("LastModifiedTime");
                // The gateway's own timestamps do not carry the polling interval; prefer them when they make sense.
                if (created.isNumber() && modified.isNumber()) {
                    long server = Math.round((modified.asDouble() - created.asDouble()) * 1000);
                    if (server >= 0 && server <= client + 1000) {
                        return server;
                    }
                }
                return client;
            }
            if (status.equals("Failed") || status.equals("missing")) {
                throw new SluiceException(ErrorCode.INTERNAL_DEPENDENCY, "endpoint " + name + " failed to start: "
                        + (described == null ? "it disappeared" : described.path("FailureReason").asText("no reason")));
            }
            if (System.nanoTime() > deadline) {
                throw new SluiceException(ErrorCode.INTERNAL_DEPENDENCY, "endpoint " + name + " was not InService after "
                        + options.setupTimeout().toSeconds() + " s (status " + status + ")");
            }
            checkCancelled();
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    private byte[] derivePayload(Gateway gateway, String name) throws InterruptedException {
        URI uri = gateway.dataUrl().resolve("/v2/models/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> response = http.send(gateway.request(uri).timeout(CONTROL_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new SluiceException(ErrorCode.VALIDATION_ERROR, "no payload was given and the model's input "
                        + "signature is not published (" + uri + " answered HTTP " + response.statusCode()
                        + "): pass a sample request body with --payload FILE");
            }
            return PayloadGenerator.fromMetadata(JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new SluiceException(ErrorCode.VALIDATION_ERROR, "no payload was given and the model's input "
                    + "signature could not be read from " + uri + " (" + LoadGenerator.describe(e)
                    + "): pass a sample request body with --payload FILE", e);
        }
    }

    private static URI invocations(Gateway gateway, String name) {
        return gateway.dataUrl().resolve("/endpoints/" + name + "/invocations");
    }

    /** Runs even when the job was cancelled or interrupted: a candidate left deployed would skew the next one. */
    private void cleanup(ControlPlaneClient controlPlane, String name) {
        boolean interrupted = Thread.interrupted();
        try {
            controlPlane.delete("DeleteEndpoint", "EndpointName", name);
            long deadline = System.nanoTime() + DELETE_TIMEOUT.toNanos();
            while (controlPlane.describeEndpoint(name) != null && System.nanoTime() < deadline) {
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
            controlPlane.delete("DeleteEndpointConfig", "EndpointConfigName", name);
            controlPlane.delete("DeleteModel", "ModelName", name);
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (RuntimeException e) {
            LOG.warn("could not delete the recommender's endpoint {}: {}", name, e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void checkCancelled() {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("the recommendation job was stopped");
        }
    }
}
