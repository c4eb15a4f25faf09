package dev.sluice.variants;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What makes a variant serverless (SageMaker's {@code ServerlessConfig}): a hard cap on concurrent requests and
 * capacity that may be zero. Installed on the variant's {@link InstancePool}, which consults it on every request:
 *
 * <ul>
 *   <li>Over {@code MaxConcurrency} requests in flight, a request is refused at once with {@code ThrottlingException}:
 *       never queued, so a burst cannot build an unbounded backlog.</li>
 *   <li>A request that finds no instance asks for one ({@link ColdStarter}) and waits for it, up to
 *       {@code coldStartWait}; past that it gets 429 {@code ModelNotReadyException} and the client retries.</li>
 *   <li>The gate keeps the time of the last request's start and end, which the owner reads to scale an idle variant
 *       to zero ({@link #idleSince()}).</li>
 * </ul>
 *
 * <p>Thread-safe and lock-free on the request path; waiters are completed on the thread that adds the instance.
 */
public final class ServerlessGate {
    /** Asked (possibly from many threads at once) for an instance when a request finds none; must not block. */
    @FunctionalInterface
    public interface ColdStarter {
        void requestInstance();
    }

    private final String variant;
    private final int maxConcurrency;
    private final Duration coldStartWait;
    private final Scheduler scheduler;
    private final ColdStarter coldStarter;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Queue<CompletableFuture<Void>> waiters = new ConcurrentLinkedQueue<>();
    private volatile Instant lastActivity;

    public ServerlessGate(String variant, int maxConcurrency, Duration coldStartWait, Scheduler scheduler,
                          ColdStarter coldStarter) {
        this.variant = Objects.requireNonNull(variant, "variant");
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be at least 1, got " + maxConcurrency);
        }
        this.maxConcurrency = maxConcurrency;
        this.coldStartWait = Objects.requireNonNull(coldStartWait, "coldStartWait");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.coldStarter = Objects.requireNonNull(coldStarter, "coldStarter");
        this.lastActivity = scheduler.now();
    }

    public int maxConcurrency() {
        return maxConcurrency;
    }

    /** Requests admitted and not yet answered. */
    public int inFlight() {
        return inFlight.get();
    }

    /** When the variant last started or finished a request (or the gate was made); meaningful while idle. */
    public Instant idleSince() {
        return lastActivity;
    }

    /** Admits a request if the variant is under its concurrency cap; every admitted request must {@link #exit()}. */
    boolean tryEnter() {
        while (true) {
            int current = inFlight.get();
            if (current >= maxConcurrency) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + 1)) {
                lastActivity = scheduler.now();
                return true;
            }
        }
    }

    void exit() {
        inFlight.decrementAndGet();
        lastActivity = scheduler.now();
    }

    SluiceException throttled() {
        return new SluiceException(ErrorCode.THROTTLING, "variant " + variant + " is serving its MaxConcurrency of "
                + maxConcurrency + " concurrent requests; retry with backoff");
    }

    /**
     * Waits for an instance: completes when one is added, fails with ModelNotReady after the cold-start bound.
     * Asks for an instance every time, so a cold start that failed is retried by the next request.
     */
    CompletableFuture<Void> awaitInstance() {
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        waiters.add(waiter);
        Cancellable timeout = scheduler.schedule(() -> {
            if (waiter.completeExceptionally(new SluiceException(ErrorCode.MODEL_NOT_READY, "variant " + variant
                    + " is starting from zero instances and was not ready within " + coldStartWait.toMillis()
                    + " ms; retry"))) {
                waiters.remove(waiter);
            }
        }, coldStartWait);
        waiter.whenComplete((ignored, failure) -> timeout.cancel());
        coldStarter.requestInstance();
        return waiter;
    }

    /** Called by the pool when an instance joins: every waiting request proceeds. */
    void instanceAdded() {
        CompletableFuture<Void> waiter;
        while ((waiter = waiters.poll()) != null) {
            waiter.complete(null);
        }
    }

    /** A cold start failed: waiting requests get its error now rather than a timeout later. */
    public void coldStartFailed(SluiceException failure) {
        CompletableFuture<Void> waiter;
        while ((waiter = waiters.poll()) != null) {
            waiter.completeExceptionally(failure);
        }
    }

    /** Requests waiting for a cold start. */
    public int waiting() {
        return waiters.size();
    }
}
