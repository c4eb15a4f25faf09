package dev.sluice.batch.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One mini-batch request with SageMaker's ModelClientConfig: a per-attempt timeout and up to {@code maxRetries}
 * retries with exponential backoff and jitter (a random delay between half and all of the backoff). Timers run on the job's named scheduler (not
 * CompletableFuture's anonymous delayer).
 */
public final class Invoker {
    private final InferenceService target;
    private final Duration timeout;
    private final int maxRetries;
    private final ScheduledExecutorService scheduler;
    private final long baseBackoffMillis;
    private final long maxBackoffMillis;

    public Invoker(InferenceService target, Duration timeout, int maxRetries, ScheduledExecutorService scheduler,
                   Duration baseBackoff, Duration maxBackoff) {
        this.target = target;
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.scheduler = scheduler;
        this.baseBackoffMillis = baseBackoff.toMillis();
        this.maxBackoffMillis = maxBackoff.toMillis();
    }

    /**
     * Whether a failure is worth another attempt: 5xx and the connection failures that arrive as INTERNAL_FAILURE,
     * throttling (429 / SageMaker's 400 ThrottlingException), and ModelError (424) when the container itself
     * answered 5xx or timed out (original status 0) — a 4xx from the container means the record is bad and would
     * fail again.
     */
    public static boolean retryable(SluiceException e) {
        if (e.code() == ErrorCode.MODEL_ERROR) {
            return e.originalStatusCode() >= 500 || e.originalStatusCode() == 0;
        }
        return e.code().httpStatus() >= 500 || e.code() == ErrorCode.THROTTLING || e.code() == ErrorCode.MODEL_NOT_READY;
    }

    public CompletableFuture<InferenceResponse> invoke(InferenceRequest request) {
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        attempt(request, 0, result);
        return result;
    }

    private void attempt(InferenceRequest request, int attempt, CompletableFuture<InferenceResponse> result) {
        CompletableFuture<InferenceResponse> call = new CompletableFuture<>();
        var timer = scheduler.schedule(() -> call.completeExceptionally(SluiceException.modelError(
                "the model did not answer within " + timeout.toSeconds() + " s (--timeout-s)", null, 0, null)),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            target.invoke(request).whenComplete((response, failure) -> {
                if (failure != null) {
                    call.completeExceptionally(failure);
                } else {
                    call.complete(response);
                }
            });
        } catch (RuntimeException e) {
            call.completeExceptionally(e);
        }
        call.whenComplete((response, failure) -> {
            timer.cancel(false);
            if (failure == null) {
                result.complete(response);
                return;
            }
            SluiceException error = SluiceException.from(failure);
            if (attempt < maxRetries && retryable(error)) {
                long cap = Math.min(maxBackoffMillis, baseBackoffMillis << Math.min(attempt, 20));
                long delay = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
                try {
                    scheduler.schedule(() -> attempt(request, attempt + 1, result), delay, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    result.completeExceptionally(error);
                }
            } else {
                String tries = attempt == 0 ? "" : " (after " + (attempt + 1) + " attempts)";
                result.completeExceptionally(new SluiceException(error.code(), error.getMessage() + tries, error,
                        error.originalStatusCode(), error.originalMessage()));
            }
        });
    }
}
