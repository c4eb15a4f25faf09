package dev.sluice.batch;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Fake models: line-wise functions over the request body, optionally slow or failing. */
final class Models {
    private Models() {
    }

    /** Records every request body, so tests can check batching. */
    static final class Recording implements InferenceService {
        final List<byte[]> bodies = new CopyOnWriteArrayList<>();
        private final UnaryOperator<String> perLine;
        private final long maxDelayMillis;
        private final ScheduledExecutorService delays;

        Recording(UnaryOperator<String> perLine, long maxDelayMillis) {
            this.perLine = perLine;
            this.maxDelayMillis = maxDelayMillis;
            this.delays = maxDelayMillis > 0 ? Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "test-model-delay");
                t.setDaemon(true);
                return t;
            }) : null;
        }

        @Override
        public CompletableFuture<InferenceResponse> invoke(dev.sluice.core.InferenceRequest request) {
            bodies.add(request.body());
            CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
            Runnable answer = () -> {
                try {
                    String body = new String(request.body(), StandardCharsets.UTF_8);
                    List<String> out = new ArrayList<>();
                    for (String line : body.split("\n", -1)) {
                        out.add(perLine.apply(line));
                    }
                    result.complete(InferenceResponse.of(String.join("\n", out).getBytes(StandardCharsets.UTF_8),
                            "text/csv"));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            };
            if (delays == null) {
                answer.run();
            } else {
                delays.schedule(answer, ThreadLocalRandom.current().nextLong(maxDelayMillis + 1), TimeUnit.MILLISECONDS);
            }
            return result;
        }

        int requests() {
            return bodies.size();
        }
    }

    static Recording lines(UnaryOperator<String> perLine) {
        return new Recording(perLine, 0);
    }

    /** Echoes the body unchanged (binary framings). */
    static final class Echo implements InferenceService {
        final List<byte[]> bodies = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<InferenceResponse> invoke(dev.sluice.core.InferenceRequest request) {
            bodies.add(request.body());
            return CompletableFuture.completedFuture(InferenceResponse.of(request.body(), "application/octet-stream"));
        }
    }

    static SluiceException clientError(String message) {
        return SluiceException.modelError(message, null, 400, message);
    }

    static SluiceException unavailable() {
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "busy");
    }
}
