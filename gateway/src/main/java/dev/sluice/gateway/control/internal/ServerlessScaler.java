package dev.sluice.gateway.control.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.hosting.ServerlessConfig;
import dev.sluice.variants.Scheduler;
import dev.sluice.variants.ServerlessGate;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serverless variants: scale to zero when idle, start from zero on demand. The data plane's half lives in the
 * variant's {@link ServerlessGate} (concurrency cap, waiting for a cold start); this is the control plane's half,
 * and like everything that mutates a {@link LiveVariant} it runs on the control thread.
 *
 * <p>Capacity: one instance serves a serverless variant (an in-process instance runs the model's runners and handles
 * many concurrent requests; {@code MaxConcurrency} bounds them). {@code ProvisionedConcurrency > 0} keeps that one
 * instance warm; otherwise the variant goes to zero instances — model unloaded, runner threads gone — after
 * {@code idleTimeout} without a request. The next request starts it again and waits (bounded by the gate); the time
 * from asking to serving is exported as {@value #SETUP_TIME_METRIC} (SageMaker's ModelSetupTime).
 */
public final class ServerlessScaler {
    /** Cold-start time per endpoint and variant: from the first waiting request to the instance serving. */
    public static final String SETUP_TIME_METRIC = "sluice.model.setup.time";
    private static final Logger LOG = LoggerFactory.getLogger(ServerlessScaler.class);

    private final Scheduler scheduler;
    private final Executor controlPlane;
    private final MeterRegistry registry;
    private final Duration idleTimeout;
    private final Duration coldStartWait;
    private Fleets fleets;

    public ServerlessScaler(Scheduler scheduler, Executor controlPlane, MeterRegistry registry, Duration idleTimeout,
                            Duration coldStartWait) {
        this.scheduler = scheduler;
        this.controlPlane = controlPlane;
        this.registry = registry;
        this.idleTimeout = idleTimeout;
        this.coldStartWait = coldStartWait;
    }

    /** The fleets that start and stop instances; set once by {@link Fleets}' constructor. */
    void bind(Fleets owner) {
        this.fleets = owner;
    }

    /** Makes a new serverless variant's pool serverless. */
    void install(String endpoint, LiveVariant variant) {
        ServerlessConfig config = variant.definition.serverless();
        ServerlessGate gate = new ServerlessGate(variant.name(), config.maxConcurrency(), coldStartWait, scheduler,
                () -> onControlThread(() -> coldStart(endpoint, variant)));
        variant.serverless = gate;
        variant.pool.serverless(gate);
    }

    private void onControlThread(Runnable task) {
        try {
            controlPlane.execute(task);
        } catch (RejectedExecutionException closed) {
            // Shutting down: the waiting requests time out with ModelNotReady.
        }
    }

    /** Starts the variant's instance unless it has one or one is starting. Control thread. */
    private void coldStart(String endpoint, LiveVariant variant) {
        if (variant.coldStarting || !variant.instances.isEmpty() || variant.status != null
                && variant.status.equals("Deleting")) {
            return;
        }
        variant.coldStarting = true;
        Instant started = scheduler.now();
        LOG.info("serverless variant {}/{}: cold start", endpoint, variant.name());
        fleets.startInstance(endpoint, variant).whenComplete((ignored, failure) -> {
            // startInstance completes on the control thread.
            variant.coldStarting = false;
            if (failure != null) {
                SluiceException e = SluiceException.from(failure);
                LOG.warn("serverless variant {}/{}: cold start failed: {}", endpoint, variant.name(), e.getMessage());
                variant.serverless.coldStartFailed(new SluiceException(ErrorCode.MODEL_ERROR.equals(e.code())
                        ? e.code() : ErrorCode.SERVICE_UNAVAILABLE, "variant " + variant.name()
                        + " could not start: " + e.getMessage(), e));
                return;
            }
            variant.desiredInstances = variant.instances.size();
            Duration setup = Duration.between(started, scheduler.now());
            Timer.builder(SETUP_TIME_METRIC).tag("endpoint", endpoint).tag("variant", variant.name())
                    .description("Time to start a serverless variant from zero (SageMaker's ModelSetupTime)")
                    .register(registry).record(setup);
            LOG.info("serverless variant {}/{}: serving after a {} ms cold start", endpoint, variant.name(),
                    setup.toMillis());
        });
    }

    /** Scales idle serverless variants of these endpoints down to their floor. Control thread. */
    public void sweep(Collection<LiveEndpoint> endpoints) {
        Instant now = scheduler.now();
        for (LiveEndpoint endpoint : endpoints) {
            if (endpoint.fleet == null || endpoint.deleted || endpoint.pending != null) {
                continue;
            }
            for (LiveVariant variant : endpoint.fleet.all()) {
                ServerlessGate gate = variant.serverless;
                if (gate == null || variant.coldStarting) {
                    continue;
                }
                Integer provisioned = variant.definition.serverless().provisionedConcurrency();
                int floor = provisioned != null && provisioned > 0 ? 1 : 0;
                int surplus = variant.instances.size() - floor;
                boolean idle = gate.inFlight() == 0 && gate.waiting() == 0
                        && !Duration.between(gate.idleSince(), now).minus(idleTimeout).isNegative();
                if (surplus > 0 && idle) {
                    LOG.info("serverless variant {}/{}: idle for {} s, scaling to {}", endpoint.name,
                            variant.name(), Duration.between(gate.idleSince(), now).toSeconds(), floor);
                    variant.desiredInstances = floor;
                    fleets.stopInstances(variant, surplus);
                }
            }
        }
    }
}
