package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorModel;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.ContainerPipeline.Container;
import dev.sluice.pipeline.ContainerPipeline.ModelContainer;
import dev.sluice.pipeline.ContainerPipeline.ProcessorContainer;
import dev.sluice.pipeline.ContainerPipeline.RemoteContainer;
import dev.sluice.pipeline.spi.ContainerProcessor;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ContainerPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CodecRegistry CODECS = CodecRegistry.standard();
    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(
            task -> Thread.ofPlatform().name("fake-runner").daemon(true).unstarted(task));

    @AfterAll
    static void stop() {
        RUNNER.shutdownNow();
    }

    /** Adds {@code amount} to every element of {@code in}, producing {@code out}; records the tensors it saw. */
    static class AddProcessor implements ContainerProcessor {
        final String in;
        final String out;
        final float amount;
        final AtomicReference<Map<String, Tensor>> seen = new AtomicReference<>();
        final AtomicBoolean closed = new AtomicBoolean();
        UnaryOperator<Map<String, Tensor>> failure = null;

        AddProcessor(String in, String out, float amount) {
            this.in = in;
            this.out = out;
            this.amount = amount;
        }

        @Override
        public ModelSignature signature() {
            return new ModelSignature(List.of(new TensorSpec(in, DataType.FP32, new long[] {-1, -1})),
                    List.of(new TensorSpec(out, DataType.FP32, new long[] {-1, -1})));
        }

        @Override
        public Map<String, Tensor> process(Map<String, Tensor> tensors) {
            seen.set(tensors);
            if (failure != null) {
                return failure.apply(tensors);
            }
            Tensor x = tensors.get(in);
            float[] values = x.floats().clone();
            for (int i = 0; i < values.length; i++) {
                values[i] += amount;
            }
            return Map.of(out, Tensor.ofFloats(x.shape(), values));
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    /** Multiplies "features" by 10 into "scores" on another thread, as a runner would. */
    static final class TimesTenModel implements TensorModel {
        final AtomicReference<Map<String, Tensor>> seen = new AtomicReference<>();
        final AtomicReference<String> completingThread = new AtomicReference<>();
        volatile SluiceException failWith;

        @Override
        public String name() {
            return "times-ten";
        }

        @Override
        public ModelSignature signature() {
            return new ModelSignature(List.of(new TensorSpec("features", DataType.FP32, new long[] {-1, -1})),
                    List.of(new TensorSpec("scores", DataType.FP32, new long[] {-1, -1})));
        }

        @Override
        public CompletionStage<Map<String, Tensor>> infer(Map<String, Tensor> inputs) {
            seen.set(inputs);
            return CompletableFuture.supplyAsync(() -> {
                completingThread.set(Thread.currentThread().getName());
                if (failWith != null) {
                    throw failWith;
                }
                Tensor x = inputs.get("features");
                float[] values = x.floats().clone();
                for (int i = 0; i < values.length; i++) {
                    values[i] *= 10;
                }
                return Map.of("scores", Tensor.ofFloats(x.shape(), values));
                // Delayed, so the pipeline has attached its continuation before the "runner" completes the stage.
            }, CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, RUNNER));
        }
    }

    /** A remote container: answers {@code text/plain} "remote saw <content-type>: <body>". */
    static final class EchoRemote implements InferenceService {
        final AtomicReference<InferenceRequest> seen = new AtomicReference<>();
        final AtomicInteger calls = new AtomicInteger();
        String answerType = "text/plain";
        byte[] answer;

        @Override
        public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
            seen.set(request);
            calls.incrementAndGet();
            byte[] body = answer != null ? answer : ("remote saw " + request.contentType() + ": "
                    + new String(request.body(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            return CompletableFuture.completedFuture(new InferenceResponse(body, answerType, "remote-attr", 0));
        }
    }

    private static ContainerPipeline serial(Container... containers) {
        return new ContainerPipeline("p", ContainerPipeline.Mode.SERIAL, List.of(containers), CODECS, null, null);
    }

    private static InferenceResponse invoke(ContainerPipeline pipeline, String body) throws Exception {
        return invoke(pipeline, InferenceRequest.of(body.getBytes(StandardCharsets.UTF_8), "application/json", null));
    }

    private static InferenceResponse invoke(ContainerPipeline pipeline, InferenceRequest request) throws Exception {
        return pipeline.invoke(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static SluiceException failure(ContainerPipeline pipeline, InferenceRequest request) {
        try {
            pipeline.invoke(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return SluiceException.from(e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the request succeeded");
    }

    private static InferenceRequest json(String body) {
        return InferenceRequest.of(body.getBytes(StandardCharsets.UTF_8), "application/json", null);
    }

    private static JsonNode body(InferenceResponse response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void serialContainersPassTypedTensorsWithoutReencoding() throws Exception {
        AddProcessor pre = new AddProcessor("x", "features", 1);
        TimesTenModel model = new TimesTenModel();
        AddProcessor post = new AddProcessor("scores", "y", 0.5f);
        ContainerPipeline pipeline = serial(new ProcessorContainer("pre", pre), new ModelContainer("model", model),
                new ProcessorContainer("post", post));

        InferenceResponse response = invoke(pipeline, "{\"inputs\": {\"x\": [[1, 2], [3, 4]]}}");

        assertThat(body(response).at("/outputs/y").toString()).isEqualTo("[[20.5,30.5],[40.5,50.5]]");
        // The very tensor object the pre-processor made is what the model got: no bytes in between.
        Tensor produced = pre.seen.get() == null ? null : model.seen.get().get("features");
        assertThat(produced).isNotNull();
        assertThat(model.seen.get()).containsOnlyKeys("features");
        // Later containers see what earlier ones produced (a pooling stage needs the tokenizer's mask).
        assertThat(post.seen.get()).containsKeys("x", "features", "scores");
        assertThat(post.seen.get().get("features")).isSameAs(produced);
        assertThat(response.contentType()).isEqualTo("application/json");
    }

    @Test
    void postProcessingRunsOnTheThreadThatCompletedTheModel() throws Exception {
        TimesTenModel model = new TimesTenModel();
        AtomicReference<String> postThread = new AtomicReference<>();
        AddProcessor post = new AddProcessor("scores", "y", 0) {
            @Override
            public Map<String, Tensor> process(Map<String, Tensor> tensors) {
                postThread.set(Thread.currentThread().getName());
                return super.process(tensors);
            }
        };
        ContainerPipeline pipeline = serial(new ModelContainer("model", model), new ProcessorContainer("post", post));
        invoke(pipeline, "{\"inputs\": {\"features\": [[1]]}}");
        assertThat(postThread.get()).isEqualTo("fake-runner").isEqualTo(model.completingThread.get());
    }

    @Test
    void aSingleOutputFeedsASingleInputOfAnotherName() throws Exception {
        // The model produces "scores"; the processor reads "logits": bound without configuration.
        AddProcessor post = new AddProcessor("logits", "y", 1);
        ContainerPipeline pipeline = serial(new ModelContainer("model", new TimesTenModel()),
                new ProcessorContainer("post", post));
        InferenceResponse response = invoke(pipeline, "{\"inputs\": {\"features\": [[2]]}}");
        assertThat(body(response).at("/outputs/y").toString()).isEqualTo("[[21.0]]");
    }

    @Test
    void aRemoteContainerGetsJsonAndItsAnswerGoesBackAsIs() throws Exception {
        EchoRemote remote = new EchoRemote();
        ContainerPipeline pipeline = serial(new ProcessorContainer("pre", new AddProcessor("x", "features", 1)),
                new RemoteContainer("remote", remote));
        InferenceRequest request = new InferenceRequest("{\"inputs\": {\"x\": [[1]]}}".getBytes(StandardCharsets.UTF_8),
                "application/json", "text/plain", null, null, null, null, "id-7", System.nanoTime());

        InferenceResponse response = invoke(pipeline, request);

        assertThat(remote.seen.get().contentType()).isEqualTo("application/json");
        assertThat(JSON.readTree(remote.seen.get().body()).toString()).contains("\"features\"").contains("2.0");
        // The last container answers the client, so it sees the client's Accept and the inference id.
        assertThat(remote.seen.get().accept()).isEqualTo("text/plain");
        assertThat(remote.seen.get().inferenceId()).isEqualTo("id-7");
        assertThat(response.contentType()).isEqualTo("text/plain");
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).startsWith("remote saw application/json");
        assertThat(response.customAttributes()).isEqualTo("remote-attr");
    }

    @Test
    void aContainerAfterARemoteOneDecodesItsResponseByContentType() throws Exception {
        EchoRemote remote = new EchoRemote();
        remote.answerType = "text/csv";
        remote.answer = "1,2\n3,4\n".getBytes(StandardCharsets.UTF_8);
        AddProcessor post = new AddProcessor("x", "y", 100);
        ContainerPipeline pipeline = serial(new RemoteContainer("remote", remote), new ProcessorContainer("post", post));
        InferenceRequest request = InferenceRequest.of("anything".getBytes(StandardCharsets.UTF_8), "text/plain",
                "application/json");

        InferenceResponse response = invoke(pipeline, request);

        // The first (remote) container got the client's bytes untouched, and no Accept: it is not the last.
        assertThat(new String(remote.seen.get().body(), StandardCharsets.UTF_8)).isEqualTo("anything");
        assertThat(remote.seen.get().accept()).isNull();
        assertThat(body(response).toString()).contains("101.0").contains("104.0");
    }

    @Test
    void modelLatencyIsTheSumOfContainerLatencies() throws Exception {
        Map<String, Long> recorded = new LinkedHashMap<>();
        ContainerPipeline pipeline = new ContainerPipeline("p", ContainerPipeline.Mode.SERIAL, List.of(
                new ProcessorContainer("a", new AddProcessor("x", "features", 1)),
                new ModelContainer("b", new TimesTenModel()),
                new ProcessorContainer("c", new AddProcessor("scores", "y", 1))), CODECS,
                (container, nanos) -> {
                    synchronized (recorded) {
                        recorded.put(container, nanos);
                    }
                }, null);
        InferenceResponse response = invoke(pipeline, "{\"inputs\": {\"x\": [[1]]}}");
        assertThat(recorded).containsOnlyKeys("a", "b", "c");
        assertThat(recorded.values()).allMatch(n -> n > 0);
        assertThat(response.modelLatencyNanos()).isEqualTo(recorded.values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void directModeRunsOnlyTheNamedContainer() throws Exception {
        EchoRemote remote = new EchoRemote();
        AddProcessor adder = new AddProcessor("x", "y", 1);
        ContainerPipeline pipeline = new ContainerPipeline("d", ContainerPipeline.Mode.DIRECT, List.of(
                new ProcessorContainer("adder", adder), new RemoteContainer("echo", remote)), CODECS, null, null);

        InferenceRequest toAdder = new InferenceRequest("{\"inputs\": {\"x\": [[1]]}}".getBytes(StandardCharsets.UTF_8),
                "application/json", null, null, null, null, "adder", null, System.nanoTime());
        assertThat(body(invoke(pipeline, toAdder)).at("/outputs/y").toString()).isEqualTo("[[2.0]]");
        assertThat(remote.calls).hasValue(0);

        InferenceRequest toEcho = new InferenceRequest("hello".getBytes(StandardCharsets.UTF_8), "text/plain", null,
                null, null, null, "echo", null, System.nanoTime());
        assertThat(new String(invoke(pipeline, toEcho).body(), StandardCharsets.UTF_8))
                .isEqualTo("remote saw text/plain: hello");
        assertThat(adder.seen.get()).isNotNull();
    }

    @Test
    void directModeWithoutOrWithAnUnknownHostnameIsAValidationError() {
        ContainerPipeline pipeline = new ContainerPipeline("d", ContainerPipeline.Mode.DIRECT, List.of(
                new ProcessorContainer("adder", new AddProcessor("x", "y", 1)),
                new RemoteContainer("echo", new EchoRemote())), CODECS, null, null);

        SluiceException missing = failure(pipeline, json("{}"));
        assertThat(missing.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(missing.getMessage()).contains("X-Amzn-SageMaker-Target-Container-Hostname")
                .contains("[adder, echo]");

        SluiceException unknown = failure(pipeline, new InferenceRequest(new byte[0], "application/json", null,
                null, null, null, "nope", null, System.nanoTime()));
        assertThat(unknown.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(unknown.getMessage()).contains("'nope'").contains("[adder, echo]");
    }

    @Test
    void aFailingContainerIsNamedInTheModelError() {
        AddProcessor post = new AddProcessor("scores", "y", 1);
        post.failure = tensors -> {
            throw SluiceException.validation("scores must be positive");
        };
        ContainerPipeline pipeline = serial(new ProcessorContainer("pre", new AddProcessor("x", "features", 1)),
                new ModelContainer("model", new TimesTenModel()), new ProcessorContainer("post", post));

        SluiceException e = failure(pipeline, json("{\"inputs\": {\"x\": [[1]]}}"));

        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(e.getMessage()).contains("container 'post' (3 of 3)").contains("scores must be positive");
        assertThat(e.originalStatusCode()).isEqualTo(400);
    }

    @Test
    void aBugInAContainerIsAServerErrorNamingIt() {
        TimesTenModel model = new TimesTenModel();
        model.failWith = new SluiceException(ErrorCode.INTERNAL_FAILURE, "onnx runtime exploded");
        ContainerPipeline pipeline = serial(new ProcessorContainer("pre", new AddProcessor("x", "features", 1)),
                new ModelContainer("model", model));
        SluiceException e = failure(pipeline, json("{\"inputs\": {\"x\": [[1]]}}"));
        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(e.getMessage()).contains("server error (500)").contains("container 'model' (2 of 2)")
                .contains("onnx runtime exploded");
        assertThat(e.originalStatusCode()).isEqualTo(500);
    }

    @Test
    void badClientInputToTheFirstContainerIsReportedAgainstIt() {
        ContainerPipeline pipeline = serial(new ProcessorContainer("pre", new AddProcessor("x", "features", 1)),
                new ModelContainer("model", new TimesTenModel()));
        SluiceException e = failure(pipeline, json("{\"inputs\": {\"x\": \"not numbers\"}}"));
        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(e.getMessage()).contains("client error (400)").contains("container 'pre' (1 of 2)");
    }

    @Test
    void capacityAndMediaTypeSignalsPassThroughUnchanged() {
        TimesTenModel model = new TimesTenModel();
        model.failWith = new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "queue full");
        ContainerPipeline pipeline = serial(new ProcessorContainer("pre", new AddProcessor("x", "features", 1)),
                new ModelContainer("model", model));
        assertThat(failure(pipeline, json("{\"inputs\": {\"x\": [[1]]}}")).code())
                .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);

        SluiceException unsupported = failure(pipeline, InferenceRequest.of(new byte[] {1}, "application/x-nope",
                null));
        assertThat(unsupported.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE);

        ContainerPipeline fine = serial(new ProcessorContainer("pre", new AddProcessor("x", "y", 1)));
        SluiceException notAcceptable = failure(fine, InferenceRequest.of(
                "{\"inputs\": {\"x\": [[1]]}}".getBytes(StandardCharsets.UTF_8), "application/json", "image/gif"));
        assertThat(notAcceptable.code()).isEqualTo(ErrorCode.NOT_ACCEPTABLE);
    }

    @Test
    void aRemoteContainersErrorKeepsItsStatusAndSaysWhereItHappened() {
        InferenceService failing = request -> CompletableFuture.failedFuture(SluiceException.modelError(
                "Received client error (418) from primary", null, 418, "teapot"));
        ContainerPipeline pipeline = serial(new ProcessorContainer("pre", new AddProcessor("x", "features", 1)),
                new RemoteContainer("kettle", failing));
        SluiceException e = failure(pipeline, json("{\"inputs\": {\"x\": [[1]]}}"));
        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_ERROR);
        assertThat(e.originalStatusCode()).isEqualTo(418);
        assertThat(e.originalMessage()).isEqualTo("teapot");
        assertThat(e.getMessage()).contains("container 'kettle' (2 of 2)");
    }

    @Test
    void closeClosesProcessorsAndRefusesLaterRequests() {
        AddProcessor a = new AddProcessor("x", "y", 1);
        AtomicBoolean resource = new AtomicBoolean();
        ContainerPipeline pipeline = new ContainerPipeline("p", ContainerPipeline.Mode.SERIAL,
                List.of(new ProcessorContainer("a", a)), CODECS, null, List.of(() -> resource.set(true)));
        pipeline.close();
        pipeline.close();
        assertThat(a.closed).isTrue();
        assertThat(resource).isTrue();
        assertThat(failure(pipeline, json("{}")).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
    }

    @Test
    void hostnamesMustBeUniqueAndContainersBounded() {
        assertThatThrownBy(() -> serial(new ProcessorContainer("a", new AddProcessor("x", "y", 1)),
                new ProcessorContainer("a", new AddProcessor("y", "z", 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' is used twice");
        List<Container> sixteen = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            sixteen.add(new ProcessorContainer("c" + i, new AddProcessor("x", "x", 1)));
        }
        assertThatThrownBy(() -> new ContainerPipeline("p", ContainerPipeline.Mode.SERIAL, sixteen, CODECS, null,
                null)).hasMessageContaining("1 to 15 containers");
    }

    @Test
    void fifteenContainersRunInOrder() throws Exception {
        List<Container> chain = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            chain.add(new ProcessorContainer("c" + i, new AddProcessor(i == 0 ? "x" : "v" + (i - 1), "v" + i, 1)));
        }
        ContainerPipeline pipeline = new ContainerPipeline("p", ContainerPipeline.Mode.SERIAL, chain, CODECS, null,
                null);
        assertThat(body(invoke(pipeline, "{\"inputs\": {\"x\": [[0]]}}")).at("/outputs/v14").toString())
                .isEqualTo("[[15.0]]");
    }

    @Test
    void aFirstProcessorRefusingTheMediaTypeIsTheClients415() {
        AddProcessor picky = new AddProcessor("x", "y", 1) {
            @Override
            public dev.sluice.core.codec.DecodedPayload decode(byte[] body, String contentType) {
                throw new SluiceException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "only images");
            }
        };
        ContainerPipeline pipeline = serial(new ProcessorContainer("picky", picky));
        SluiceException e = failure(pipeline, InferenceRequest.of(new byte[] {1}, "text/plain", null));
        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE);
        assertThat(e.getMessage()).isEqualTo("only images");
    }

    @Test
    void heavyProcessorsRunOnTheProcessingThreadsAndLightOnesInline() throws Exception {
        AtomicReference<String> heavyThread = new AtomicReference<>();
        AtomicReference<String> lightThread = new AtomicReference<>();
        AddProcessor heavy = new AddProcessor("x", "features", 1) {
            @Override
            public boolean heavy() {
                return true;
            }

            @Override
            public Map<String, Tensor> process(Map<String, Tensor> tensors) {
                heavyThread.set(Thread.currentThread().getName());
                return super.process(tensors);
            }
        };
        AddProcessor light = new AddProcessor("features", "y", 1) {
            @Override
            public Map<String, Tensor> process(Map<String, Tensor> tensors) {
                lightThread.set(Thread.currentThread().getName());
                return super.process(tensors);
            }
        };
        ExecutorService processing = Executors.newSingleThreadExecutor(
                task -> Thread.ofPlatform().name("test-processing").unstarted(task));
        try {
            ContainerPipeline pipeline = new ContainerPipeline("p", ContainerPipeline.Mode.SERIAL, List.of(
                    new ProcessorContainer("heavy", heavy), new ProcessorContainer("light", light)), CODECS, null,
                    null, processing);
            assertThat(body(invoke(pipeline, "{\"inputs\": {\"x\": [[1]]}}")).at("/outputs/y").toString())
                    .isEqualTo("[[3.0]]");
            assertThat(heavyThread.get()).isEqualTo("test-processing");
            // Having hopped once, the rest of the run stays there rather than hopping again.
            assertThat(lightThread.get()).isEqualTo("test-processing");

            ContainerPipeline lightOnly = new ContainerPipeline("q", ContainerPipeline.Mode.SERIAL, List.of(
                    new ProcessorContainer("light", light)), CODECS, null, null, processing);
            invoke(lightOnly, "{\"inputs\": {\"features\": [[1]]}}");
            assertThat(lightThread.get()).isEqualTo(Thread.currentThread().getName());
        } finally {
            processing.shutdownNow();
        }
    }

    @Test
    void aSaturatedProcessingPoolShedsLoadWith503() {
        AddProcessor heavy = new AddProcessor("x", "y", 1) {
            @Override
            public boolean heavy() {
                return true;
            }
        };
        ContainerPipeline pipeline = new ContainerPipeline("p", ContainerPipeline.Mode.SERIAL, List.of(
                new ProcessorContainer("heavy", heavy)), CODECS, null, null, task -> {
                    throw new java.util.concurrent.RejectedExecutionException("full");
                });
        assertThat(failure(pipeline, json("{\"inputs\": {\"x\": [[1]]}}")).code())
                .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
    }
}
