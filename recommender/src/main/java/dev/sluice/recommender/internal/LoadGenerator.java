package dev.sluice.recommender.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * An open-model load generator: request <i>i</i> of a step is due at {@code start + i / rate} and is sent then,
 * whether or not earlier ones have answered. Its latency runs from that due time, not from when it was actually sent,
 * so neither a slow server nor a generator that fell behind can hide latency (coordinated omission). At most
 * {@code maxInFlight} requests are outstanding; a request due while the bound is reached is not sent and counts as an
 * error, since a client at that rate would have seen it fail or queue without bound.
 */
public final class LoadGenerator {
    /** Drain allowance beyond the request timeout before outstanding requests are written off. */
    private static final long DRAIN_SLACK_NANOS = Duration.ofSeconds(1).toNanos();
    static final String NOT_STARTED = "not started (in-flight bound reached)";

    private final HttpClient client;
    private final HttpRequest request;
    private final Semaphore inFlight;
    private final Duration requestTimeout;

    /**
     * @param client         a client whose executor is named and bounded by the caller
     * @param target         the invocation URL, with the gateway's credentials ({@link dev.sluice.recommender.Gateway#request})
     * @param maxInFlight    the most outstanding requests
     * @param requestTimeout after this a request counts as failed
     */
    public LoadGenerator(HttpClient client, HttpRequest.Builder target, byte[] body, String contentType, String accept,
                         int maxInFlight, Duration requestTimeout) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        this.client = client;
        this.requestTimeout = requestTimeout;
        this.inFlight = new Semaphore(maxInFlight);
        HttpRequest.Builder builder = target.timeout(requestTimeout)
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (accept != null) {
            builder.header("Accept", accept);
        }
        this.request = builder.build();
    }

    /**
     * What a step measured.
     *
     * @param requests    requests due in the step
     * @param errors      of which failed or were not sent
     * @param seconds     the step's scheduled length
     * @param latencies   latencies of successful requests in microseconds
     * @param maxLagNanos the longest the generator was late sending a request
     * @param errorKinds  failures by kind ({@code HTTP 503}, {@code timeout}, ...)
     */
    public record Measurement(long requests, long errors, double seconds, Histogram latencies, long maxLagNanos,
                              Map<String, Long> errorKinds, Histogram early, Histogram late) {
        public long succeeded() {
            return requests - errors;
        }

        /** The latency at a percentile in milliseconds; null when nothing succeeded. */
        public Double percentileMillis(double percentile) {
            return millis(latencies, percentile);
        }

        /** Median of the first third of the step's requests (by schedule). */
        public Double earlyMedianMillis() {
            return millis(early, 50);
        }

        /** Median of the last third. */
        public Double lateMedianMillis() {
            return millis(late, 50);
        }

        private static Double millis(Histogram h, double percentile) {
            return h.getTotalCount() == 0 ? null : h.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    /**
     * What the warm-up saw: one client sending back to back.
     *
     * @param ratePerSecond the rate that one client achieved
     */
    public record WarmUp(long requests, double seconds, double ratePerSecond, double p50Millis) {
    }

    /**
     * One client sending back to back for {@code duration} (or {@code maxRequests}): warms both ends up and tells
     * how fast a single request is. The first refused request ends it with the server's answer, so a payload the model
     * does not take fails here with the model's own message rather than as a step full of errors.
     */
    public WarmUp warmUp(Duration duration, int maxRequests, BooleanSupplier cancelled) throws InterruptedException {
        Histogram latencies = new Histogram(3);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long count = 0;
        // At least one request, even with no warm-up time: it is what proves the payload is accepted.
        while (count < maxRequests && (count == 0 || System.nanoTime() < end) && !cancelled.getAsBoolean()) {
            long sent = System.nanoTime();
            HttpResponse<String> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new SluiceException(ErrorCode.INTERNAL_DEPENDENCY, "the endpoint did not answer a request: "
                        + describe(e), e);
            }
            int status = response.statusCode();
            if (status / 100 != 2) {
                String body = response.body() == null ? "" : response.body();
                throw new SluiceException(status / 100 == 4 ? ErrorCode.VALIDATION_ERROR : ErrorCode.MODEL_ERROR,
                        "the endpoint answered HTTP " + status + " to the payload: "
                                + (body.length() > 400 ? body.substring(0, 400) + "..." : body));
            }
            latencies.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
            count++;
        }
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        return new WarmUp(count, seconds, count / seconds,
                count == 0 ? 0 : latencies.getValueAtPercentile(50) / 1000.0);
    }

    /** Offers {@code ratePerSecond} for {@code duration}, then waits for the step's requests to finish. */
    public Measurement run(double ratePerSecond, Duration duration, BooleanSupplier cancelled)
            throws InterruptedException {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("ratePerSecond must be > 0, got " + ratePerSecond);
        }
        Step step = new Step();
        double intervalNanos = 1e9 / ratePerSecond;
        long due = Math.max(1, Math.round(ratePerSecond * duration.toNanos() / 1e9));
        long start = System.nanoTime();
        long requests = 0;
        long maxLag = 0;
        for (long i = 0; i < due; i++) {
            long scheduled = start + (long) (i * intervalNanos);
            int third = (int) Math.min(2, i * 3 / due);
            long wait;
            while ((wait = scheduled - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            if (cancelled.getAsBoolean()) {
                break;
            }
            maxLag = Math.max(maxLag, System.nanoTime() - scheduled);
            requests++;
            if (!inFlight.tryAcquire()) {
                step.error(NOT_STARTED);
                continue;
            }
            step.pending.incrementAndGet();
            try {
                client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                        .whenComplete((response, failure) -> step.complete(scheduled, third, response, failure));
            } catch (RuntimeException e) {
                step.complete(scheduled, third, null, e);
            }
        }
        // Outstanding requests finish (or time out) before the next step, so steps never overlap.
        long drainDeadline = System.nanoTime() + requestTimeout.toNanos() + DRAIN_SLACK_NANOS;
        while (step.pending.get() > 0 && System.nanoTime() < drainDeadline) {
            Thread.sleep(2);
        }
        return step.close(requests, due * intervalNanos / 1e9, maxLag);
    }

    private final class Step {
        final ConcurrentHistogram latencies = new ConcurrentHistogram(3);
        final ConcurrentHistogram early = new ConcurrentHistogram(3);
        final ConcurrentHistogram late = new ConcurrentHistogram(3);
        final AtomicInteger pending = new AtomicInteger();
        final LongAdder errors = new LongAdder();
        final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
        boolean closed;

        /** Synchronized with {@link #close}: a request is either in the step's results or written off, never both. */
        synchronized void complete(long scheduled, int third, HttpResponse<?> response, Throwable failure) {
            long end = System.nanoTime();
            try {
                if (closed) {
                    return;
                }
                if (failure == null && response != null && response.statusCode() / 100 == 2) {
                    long micros = Math.max(1, (end - scheduled) / 1000);
                    latencies.recordValue(micros);
                    if (third == 0) {
                        early.recordValue(micros);
                    } else if (third == 2) {
                        late.recordValue(micros);
                    }
                } else if (failure != null) {
                    error(describe(failure));
                } else {
                    error("HTTP " + response.statusCode());
                }
            } finally {
                inFlight.release();
                pending.decrementAndGet();
            }
        }

        void error(String kind) {
            errors.increment();
            errorKinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
        }

        synchronized Measurement close(long requests, double seconds, long maxLag) {
            int outstanding = pending.get();
            closed = true;
            for (int i = 0; i < outstanding; i++) {
                error("timeout");
            }
            Map<String, Long> kinds = new TreeMap<>();
            errorKinds.forEach((k, v) -> kinds.put(k, v.sum()));
            Histogram copy = latencies.copy();
            return new Measurement(requests, Math.min(requests, errors.sum()), seconds, copy, maxLag, kinds,
                    early.copy(), late.copy());
        }
    }

    static String describe(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof HttpTimeoutException) {
            return "timeout";
        }
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
