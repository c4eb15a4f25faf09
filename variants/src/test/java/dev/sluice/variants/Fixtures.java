package dev.sluice.variants;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Services and routes for tests: instant, manual and failing backends. */
final class Fixtures {
    static final String ENDPOINT = "ep";

    private Fixtures() {
    }

    static InferenceRequest request() {
        return InferenceRequest.of(bytes("{\"x\":1}"), "application/json", "application/json");
    }

    static InferenceRequest targeted(String variant) {
        return new InferenceRequest(bytes("{\"x\":1}"), "application/json", "application/json", null, null, variant,
                null, null, System.nanoTime());
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(InferenceResponse response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    static InferenceResponse response(String body) {
        return new InferenceResponse(bytes(body), "application/json", null, 0L);
    }

    /** Answers at once with a fixed body. */
    static InferenceService answering(String body) {
        return request -> CompletableFuture.completedFuture(response(body));
    }

    /** Fails every call with the given error code. */
    static InferenceService failing(ErrorCode code) {
        return request -> CompletableFuture.failedFuture(new SluiceException(code, "failing with " + code));
    }

    /** One VariantMeterRegistry per test registry, as a server has one per registry. */
    private static final java.util.Map<MeterRegistry, VariantMeterRegistry> METERS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    static VariantMeterRegistry meters(MeterRegistry registry) {
        return METERS.computeIfAbsent(registry, VariantMeterRegistry::new);
    }

    static InstancePool pool(MeterRegistry registry, String variant, InferenceService... instances) {
        InstancePool pool = new InstancePool(variant, RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
                new VariantMetrics(meters(registry), ENDPOINT, variant, "model-" + variant));
        for (int i = 0; i < instances.length; i++) {
            pool.add(new VariantInstance(variant + "-" + i, instances[i]));
        }
        return pool;
    }

    static VariantRoute route(String variant, double weight, InferenceService service) {
        return new VariantRoute(variant, "model-" + variant, weight, pool(new SimpleMeterRegistry(), variant, service));
    }

    /** Counts calls and answers at once with a body naming the service. */
    static final class Counting implements InferenceService {
        final String body;
        final AtomicInteger calls = new AtomicInteger();

        Counting(String body) {
            this.body = body;
        }

        @Override
        public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(response(body));
        }
    }

    /** Hands out futures the test completes by hand. */
    static final class Manual implements InferenceService {
        final List<CompletableFuture<InferenceResponse>> calls = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
            CompletableFuture<InferenceResponse> call = new CompletableFuture<>();
            calls.add(call);
            return call;
        }

        int count() {
            return calls.size();
        }

        void completeAll(String body) {
            calls.forEach(call -> call.complete(response(body)));
        }

        long pending() {
            return calls.stream().filter(call -> !call.isDone()).count();
        }
    }
}
