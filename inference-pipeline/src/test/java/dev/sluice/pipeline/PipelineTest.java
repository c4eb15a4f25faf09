package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorModel;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.testing.TestJsonCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CodecRegistry CODECS = new CodecRegistry(List.of(new TestJsonCodec()));
    private static final ModelSignature DOUBLER = new ModelSignature(
            List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 2})),
            List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 2})));
    private static final byte[] TWO_ROWS = "{\"x\":[[1,2],[3,4]]}".getBytes(StandardCharsets.UTF_8);

    /** Doubles "x" into "y" unless told otherwise; records what it was called with. */
    static final class FakeModel implements TensorModel {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicReference<Map<String, Tensor>> lastInputs = new AtomicReference<>();
        private final Function<Map<String, Tensor>, CompletionStage<Map<String, Tensor>>> behaviour;

        FakeModel() {
            this(inputs -> CompletableFuture.completedFuture(doubled(inputs)));
        }

        FakeModel(Function<Map<String, Tensor>, CompletionStage<Map<String, Tensor>>> behaviour) {
            this.behaviour = behaviour;
        }

        static Map<String, Tensor> doubled(Map<String, Tensor> inputs) {
            Tensor x = inputs.get("x");
            float[] y = x.floats().clone();
            for (int i = 0; i < y.length; i++) {
                y[i] *= 2;
            }
            return Map.of("y", Tensor.ofFloats(x.shape(), y));
        }

        @Override
        public String name() {
            return "doubler";
        }

        @Override
        public ModelSignature signature() {
            return DOUBLER;
        }

        @Override
        public CompletionStage<Map<String, Tensor>> infer(Map<String, Tensor> inputs) {
            calls.incrementAndGet();
            lastInputs.set(inputs);
            return behaviour.apply(inputs);
        }
    }

    private static InferenceRequest json(byte[] body) {
        return InferenceRequest.of(body, "application/json", null);
    }

    private static SluiceException failure(CompletionStage<InferenceResponse> stage) {
        CompletableFuture<InferenceResponse> future = stage.toCompletableFuture();
        assertThat(future).failsWithin(Duration.ofSeconds(5));
        try {
            future.get();
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SluiceException.class);
            return (SluiceException) e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode body(InferenceResponse response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void tensorPipelineRunsTheModelAndEncodesItsOutputs() throws Exception {
        FakeModel model = new FakeModel();
        Pipeline pipeline = Pipelines.tensor("doubler", model, CODECS);

        InferenceResponse response = pipeline.invoke(json(TWO_ROWS)).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(pipeline.signature()).isEqualTo(DOUBLER);
        assertThat(response.contentType()).isEqualTo("application/json");
        assertThat(body(response).toString()).isEqualTo("{\"outputs\":{\"y\":[[2.0,4.0],[6.0,8.0]]}}");
        assertThat(response.modelLatencyNanos()).isPositive();
        assertThat(model.calls).hasValue(1);
    }

    @Test
    void modelFailureCompletesTheStageWithTheModelsException() {
        SluiceException modelError = SluiceException.modelError("boom", null, 500, "container said no");
        FakeModel model = new FakeModel(inputs -> CompletableFuture.failedFuture(modelError));

        SluiceException failure = failure(Pipelines.tensor("doubler", model, CODECS).invoke(json(TWO_ROWS)));

        assertThat(failure).isSameAs(modelError);
    }

    @Test
    void modelThrowingSynchronouslyStillFailsTheStageInsteadOfThrowing() {
        FakeModel model = new FakeModel(inputs -> {
            throw new IllegalStateException("runner bug");
        });
        Pipeline pipeline = Pipelines.tensor("doubler", model, CODECS);

        AtomicReference<CompletionStage<InferenceResponse>> stage = new AtomicReference<>();
        assertThatCode(() -> stage.set(pipeline.invoke(json(TWO_ROWS)))).doesNotThrowAnyException();

        SluiceException failure = failure(stage.get());
        assertThat(failure.code()).isEqualTo(ErrorCode.INTERNAL_FAILURE);
        assertThat(failure).hasMessageContaining("runner bug");
    }

    @Test
    void unsupportedContentTypeIsRefusedWithoutCallingTheModel() {
        FakeModel model = new FakeModel();

        SluiceException failure = failure(Pipelines.tensor("doubler", model, CODECS)
                .invoke(InferenceRequest.of(TWO_ROWS, "text/csv", null)));

        assertThat(failure.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE);
        assertThat(model.calls).hasValue(0);
    }

    @Test
    void unacceptableAcceptIsRefusedBeforeAnyWork() {
        FakeModel model = new FakeModel();
        AtomicInteger processed = new AtomicInteger();
        Pipeline pipeline = Pipeline.builder("doubler", model, CODECS)
                .preProcessor(tensors -> {
                    processed.incrementAndGet();
                    return tensors;
                })
                .build();

        SluiceException failure = failure(pipeline.invoke(InferenceRequest.of(TWO_ROWS, "application/json",
                "text/csv")));

        assertThat(failure.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE);
        assertThat(processed).hasValue(0);
        assertThat(model.calls).hasValue(0);
    }

    @Test
    void inputsThatDoNotFitTheSignatureAreValidationErrors() {
        FakeModel model = new FakeModel();
        Pipeline pipeline = Pipelines.tensor("doubler", model, CODECS);

        SluiceException missing = failure(pipeline.invoke(json("{\"z\":[[1,2]]}".getBytes(StandardCharsets.UTF_8))));
        SluiceException wrongShape = failure(pipeline.invoke(json("{\"x\":[[1,2,3]]}".getBytes(StandardCharsets.UTF_8))));
        SluiceException notJson = failure(pipeline.invoke(json("{\"x\":".getBytes(StandardCharsets.UTF_8))));

        assertThat(missing.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(missing).hasMessageContaining("'x'");
        assertThat(wrongShape.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(notJson.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(model.calls).hasValue(0);
    }

    @Test
    void processorFailuresKeepValidationErrorsAndTurnBugsIntoInternalFailures() {
        FakeModel model = new FakeModel();
        Pipeline rejecting = Pipeline.builder("p", model, CODECS)
                .preProcessor(tensors -> {
                    throw SluiceException.validation("x must be positive");
                })
                .build();
        Pipeline buggyPre = Pipeline.builder("p", model, CODECS)
                .preProcessor(tensors -> {
                    throw new ArrayIndexOutOfBoundsException(7);
                })
                .build();
        Pipeline buggyPost = Pipeline.builder("p", model, CODECS)
                .postProcessor(tensors -> {
                    throw new IllegalStateException("post bug");
                })
                .build();

        assertThat(failure(rejecting.invoke(json(TWO_ROWS))).code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(failure(buggyPre.invoke(json(TWO_ROWS))).code()).isEqualTo(ErrorCode.INTERNAL_FAILURE);
        assertThat(failure(buggyPost.invoke(json(TWO_ROWS))).code()).isEqualTo(ErrorCode.INTERNAL_FAILURE);
        assertThat(model.calls).hasValue(1);
    }

    @Test
    void missingOutputIsAnInternalFailure() {
        FakeModel model = new FakeModel(inputs -> CompletableFuture.completedFuture(Map.of()));

        SluiceException failure = failure(Pipelines.tensor("doubler", model, CODECS).invoke(json(TWO_ROWS)));

        assertThat(failure.code()).isEqualTo(ErrorCode.INTERNAL_FAILURE);
        assertThat(failure).hasMessageContaining("'y'");
    }

    @Test
    void modelReceivesOnlyTheInputsItDeclares() throws Exception {
        FakeModel model = new FakeModel();
        Pipeline pipeline = Pipeline.builder("p", model, CODECS)
                .preProcessor(tensors -> {
                    Map<String, Tensor> out = new LinkedHashMap<>(tensors);
                    out.put("scratch", Tensor.ofLongs(new long[] {1}, new long[] {42}));
                    return out;
                })
                .build();

        pipeline.invoke(json(TWO_ROWS)).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(model.lastInputs.get()).containsOnlyKeys("x");
    }

    @Test
    void postProcessingRunsOnTheThreadThatCompletesTheModelAndLatencyCoversTheModel() throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-runner"));
        try {
            FakeModel model = new FakeModel(inputs -> CompletableFuture.supplyAsync(() -> {
                sleep(30);
                return FakeModel.doubled(inputs);
            }, runner));
            List<String> threads = new ArrayList<>();
            Pipeline pipeline = Pipeline.builder("p", model, CODECS)
                    .preProcessor(tensors -> {
                        threads.add("pre:" + Thread.currentThread().getName());
                        return tensors;
                    })
                    .postProcessor(tensors -> {
                        threads.add("post:" + Thread.currentThread().getName());
                        return tensors;
                    })
                    .build();

            InferenceResponse response = pipeline.invoke(json(TWO_ROWS)).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);

            assertThat(threads).containsExactly("pre:" + Thread.currentThread().getName(), "post:test-runner");
            assertThat(response.modelLatencyNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
        } finally {
            runner.shutdownNow();
        }
    }

    @Test
    void fixedResponseHintsWinOverTheRequestsHints() throws Exception {
        Pipeline pipeline = Pipeline.builder("p", new FakeModel(), CODECS)
                .responseHint(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_FLAT)
                .build();

        InferenceResponse response = pipeline.invoke(json("{\"x\":[[1,2]],\"echo\":\"kept\"}"
                .getBytes(StandardCharsets.UTF_8))).toCompletableFuture().get(5, TimeUnit.SECONDS);

        JsonNode body = body(response);
        assertThat(body.get("y").toString()).isEqualTo("[[2.0,4.0]]");
        assertThat(body.get("hints").get(DecodedPayload.HINT_STYLE).asText()).isEqualTo(DecodedPayload.STYLE_FLAT);
        assertThat(body.get("hints").get(TestJsonCodec.HINT_ECHO).asText()).isEqualTo("kept");
    }

    @Test
    void closeReleasesOwnedResourcesOnceInReverseOrderAndRefusesLaterRequests() {
        List<String> closed = new ArrayList<>();
        FakeModel model = new FakeModel();
        Pipeline pipeline = Pipeline.builder("p", model, CODECS)
                .closeWith(() -> closed.add("first"))
                .closeWith(() -> closed.add("second"))
                .build();

        pipeline.close();
        pipeline.close();

        assertThat(closed).containsExactly("second", "first");
        assertThat(failure(pipeline.invoke(json(TWO_ROWS))).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(model.calls).hasValue(0);
    }

    @Test
    void closeAttemptsEveryResourceAndReportsTheFailures() {
        List<String> closed = new ArrayList<>();
        Pipeline pipeline = Pipeline.builder("p", new FakeModel(), CODECS)
                .closeWith(() -> closed.add("first"))
                .closeWith(() -> {
                    throw new java.io.IOException("disk gone");
                })
                .build();

        assertThatThrownBy(pipeline::close).hasRootCauseMessage("disk gone");
        assertThat(closed).containsExactly("first");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
