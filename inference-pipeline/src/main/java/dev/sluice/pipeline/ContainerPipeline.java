package dev.sluice.pipeline;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.InferenceService;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.codec.EncodeContext;
import dev.sluice.core.codec.PayloadCodec;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorModel;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.EncodedPayload;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A multi-container model, SageMaker's inference pipeline: 2–15 containers run {@link Mode#SERIAL serially} (the
 * client's request goes to the first, each response is the next one's request, the last response goes back) or
 * {@link Mode#DIRECT directly} (only the container named by {@code X-Amzn-SageMaker-Target-Container-Hostname}).
 *
 * <p>A container is a {@link ProcessorContainer processor}, a {@link ModelContainer model} (the host's batched
 * ONNX Runtime runners) or a {@link RemoteContainer remote container} that speaks bytes over HTTP. Between
 * in-process containers the payload stays typed: tensors flow from one to the next and accumulate (a pooling
 * processor after the model still sees the tokenizer's attention mask). Bytes are produced only at the edges — the
 * client's request and response — and around remote containers: tensors going to a remote container are encoded
 * as JSON, its response is decoded by whichever in-process container follows it.
 *
 * <p>Names: a container reads the tensors its signature names. When one is missing and the container declares a
 * single input while the previous container produced a single output, that output is bound to it, so a model whose
 * output is {@code logits} feeds a classifier that reads {@code scores} without configuration.
 *
 * <p>Threads: containers run on the thread that hands them the payload — the caller's for the first in-process
 * containers, the runner thread completing a model stage (or the I/O thread completing a remote call) for those
 * after it. {@link #invoke} never throws.
 *
 * <p>Errors: a failure inside a container becomes a {@code ModelError} whose message names the container and its
 * position, with the container's own status as {@code OriginalStatusCode}. Only signals the client must act on
 * unchanged pass through as they are: an unsupported Content-Type or Accept at the edges, and throttling or
 * unavailability of a model stage (so clients back off as they would for a single model).
 */
public final class ContainerPipeline implements InferenceService, AutoCloseable {
    /** SageMaker's {@code InferenceExecutionConfig.Mode}. */
    public enum Mode { SERIAL, DIRECT }

    /** One container of the pipeline. */
    public sealed interface Container permits ProcessorContainer, ModelContainer, RemoteContainer {
        String hostname();
    }

    /** A built-in or plugin processor, run in process. */
    public record ProcessorContainer(String hostname, ContainerProcessor processor) implements Container {
        public ProcessorContainer {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(processor, "processor");
        }
    }

    /** A model the host runs (through its queue and dynamic batcher). */
    public record ModelContainer(String hostname, TensorModel model) implements Container {
        public ModelContainer {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(model, "model");
        }
    }

    /** A container reached over HTTP: bytes in, bytes out. */
    public record RemoteContainer(String hostname, InferenceService service) implements Container {
        public RemoteContainer {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(service, "service");
        }
    }

    /** Where per-container latency goes (SageMaker's ContainerLatency). Called once per container run. */
    @FunctionalInterface
    public interface LatencyRecorder {
        LatencyRecorder NONE = (container, nanos) -> { };

        void record(String container, long nanos);
    }

    /** Marks a thread that is running a heavy processor's hop, so the rest of that run does not hop again. */
    private static final ThreadLocal<Boolean> ON_PROCESSING_THREAD = ThreadLocal.withInitial(() -> false);
    public static final int MIN_CONTAINERS = 1;
    public static final int MAX_CONTAINERS = 15;
    /** Header-free media type used for tensors sent to a remote container. */
    static final String REMOTE_CONTENT_TYPE = CodecRegistry.APPLICATION_JSON;

    private final String name;
    private final Mode mode;
    private final List<Container> containers;
    private final Map<String, Integer> byHostname;
    private final CodecRegistry codecs;
    private final LatencyRecorder latency;
    private final List<AutoCloseable> resources;
    private final Executor processing;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param resources closed by {@link #close()} after the processors, last first (e.g. the models' unloads)
     */
    public ContainerPipeline(String name, Mode mode, List<Container> containers, CodecRegistry codecs,
                             LatencyRecorder latency, List<AutoCloseable> resources) {
        this(name, mode, containers, codecs, latency, resources, null);
    }

    /**
     * @param processing where {@link ContainerProcessor#heavy() heavy} processors run (null: on the caller's thread);
     *                   a task it rejects answers 503 ServiceUnavailable, so a saturated pool sheds load instead of
     *                   queueing without bound
     */
    public ContainerPipeline(String name, Mode mode, List<Container> containers, CodecRegistry codecs,
                             LatencyRecorder latency, List<AutoCloseable> resources, Executor processing) {
        this.processing = processing;
        this.name = Objects.requireNonNull(name, "name");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.containers = List.copyOf(containers);
        if (this.containers.size() < MIN_CONTAINERS || this.containers.size() > MAX_CONTAINERS) {
            throw new IllegalArgumentException("pipeline '" + name + "' needs " + MIN_CONTAINERS + " to "
                    + MAX_CONTAINERS + " containers, got " + this.containers.size());
        }
        Map<String, Integer> hostnames = new LinkedHashMap<>();
        for (int i = 0; i < this.containers.size(); i++) {
            if (hostnames.putIfAbsent(this.containers.get(i).hostname(), i) != null) {
                throw new IllegalArgumentException("pipeline '" + name + "': container hostname '"
                        + this.containers.get(i).hostname() + "' is used twice");
            }
        }
        this.byHostname = Collections.unmodifiableMap(hostnames);
        this.codecs = Objects.requireNonNull(codecs, "codecs");
        this.latency = latency == null ? LatencyRecorder.NONE : latency;
        this.resources = resources == null ? List.of() : List.copyOf(resources);
    }

    public String name() {
        return name;
    }

    public Mode mode() {
        return mode;
    }

    public List<Container> containers() {
        return containers;
    }

    /**
     * What clients send and receive, as far as in-process containers declare it: the first container's inputs and
     * the last one's outputs (a remote container declares nothing). For Direct pipelines, the first container's.
     */
    public ModelSignature signature() {
        Container first = containers.get(0);
        Container last = mode == Mode.DIRECT ? first : containers.get(containers.size() - 1);
        return new ModelSignature(declared(first).inputs(), declared(last).outputs());
    }

    private static ModelSignature declared(Container container) {
        return switch (container) {
            case ProcessorContainer p -> p.processor().signature();
            case ModelContainer m -> m.model().signature();
            case RemoteContainer r -> new ModelSignature(List.of(), List.of());
        };
    }

    @Override
    public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
        try {
            if (closed.get()) {
                throw new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "pipeline '" + name + "' is closed");
            }
            Flow flow = new Flow(request);
            if (mode == Mode.DIRECT) {
                int index = target(request.targetContainerHostname());
                return run(flow, index, index + 1);
            }
            return run(flow, 0, containers.size());
        } catch (Throwable failure) {
            return CompletableFuture.failedFuture(SluiceException.from(failure));
        }
    }

    private int target(String hostname) {
        if (hostname == null || hostname.isBlank()) {
            throw SluiceException.validation("model '" + name + "' is a Direct inference pipeline: name the container"
                    + " to invoke in the X-Amzn-SageMaker-Target-Container-Hostname header; containers: "
                    + byHostname.keySet());
        }
        Integer index = byHostname.get(hostname);
        if (index == null) {
            throw SluiceException.validation("model '" + name + "' has no container with hostname '"
                    + clip(hostname) + "' (X-Amzn-SageMaker-Target-Container-Hostname); containers: "
                    + byHostname.keySet());
        }
        return index;
    }

    /**
     * Runs containers {@code [from, to)}. Synchronous containers run in a loop; an asynchronous one (a model or a
     * remote container) continues the loop from its completion, so the stack never grows with the pipeline.
     */
    private CompletionStage<InferenceResponse> run(Flow flow, int from, int to) {
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        advance(flow, from, from, to, result);
        return result;
    }

    private void advance(Flow flow, int index, int from, int to, CompletableFuture<InferenceResponse> result) {
        int i = index;
        try {
            while (i < to) {
                Container container = containers.get(i);
                boolean first = i == from;
                boolean last = i == to - 1;
                long started = System.nanoTime();
                if (processing != null && container instanceof ProcessorContainer heavy
                        && heavy.processor().heavy() && !ON_PROCESSING_THREAD.get()) {
                    int position = i;
                    try {
                        processing.execute(() -> {
                            ON_PROCESSING_THREAD.set(true);
                            try {
                                advance(flow, position, from, to, result);
                            } finally {
                                ON_PROCESSING_THREAD.set(false);
                            }
                        });
                    } catch (java.util.concurrent.RejectedExecutionException busy) {
                        result.completeExceptionally(new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "model '"
                                + name + "': every processing thread is busy; retry"));
                    }
                    return;
                }
                switch (container) {
                    case ProcessorContainer p -> {
                        runProcessor(flow, p, first);
                        finishedContainer(flow, container, started);
                    }
                    case ModelContainer m -> {
                        int next = i + 1;
                        int position = i;
                        startModel(flow, m, first).whenComplete((outputs, failure) -> {
                            if (failure != null) {
                                result.completeExceptionally(stageFailure(position, from, to, failure));
                                return;
                            }
                            flow.accept(m.model().signature(), outputs);
                            finishedContainer(flow, container, started);
                            advance(flow, next, from, to, result);
                        });
                        return;
                    }
                    case RemoteContainer r -> {
                        int next = i + 1;
                        int position = i;
                        startRemote(flow, r, last).whenComplete((response, failure) -> {
                            if (failure != null) {
                                result.completeExceptionally(stageFailure(position, from, to, failure));
                                return;
                            }
                            flow.acceptBytes(response);
                            finishedContainer(flow, container, started);
                            advance(flow, next, from, to, result);
                        });
                        return;
                    }
                }
                i++;
            }
        } catch (Throwable failure) {
            result.completeExceptionally(stageFailure(i, from, to, failure));
            return;
        }
        try {
            result.complete(respond(flow, containers.get(to - 1)));
        } catch (Throwable failure) {
            result.completeExceptionally(edgeFailure(to - 1, from, to, failure));
        }
    }

    private void finishedContainer(Flow flow, Container container, long started) {
        long nanos = System.nanoTime() - started;
        flow.modelNanos += nanos;
        latency.record(container.hostname(), nanos);
    }

    private void runProcessor(Flow flow, ProcessorContainer container, boolean first) {
        ContainerProcessor processor = container.processor();
        ModelSignature signature = processor.signature();
        if (flow.tensors == null) {
            DecodedPayload decoded;
            try {
                decoded = processor.decode(flow.body, flow.contentType);
            } catch (SluiceException e) {
                // A media type the first container cannot read is the client's 415, as for a single model.
                if (first && e.code() == ErrorCode.UNSUPPORTED_MEDIA_TYPE) {
                    throw new EdgeException(e);
                }
                throw e;
            }
            if (decoded == null) {
                decoded = decoder(flow.contentType, first).decode(flow.body, signature);
            }
            flow.decoded(decoded, first);
        }
        Map<String, Tensor> inputs = flow.bind(signature, container.hostname());
        Map<String, Tensor> outputs = processor.process(Collections.unmodifiableMap(inputs));
        if (outputs == null) {
            throw new IllegalStateException("processor returned no tensors");
        }
        flow.accept(signature, outputs);
    }

    private CompletionStage<Map<String, Tensor>> startModel(Flow flow, ModelContainer container, boolean first) {
        TensorModel model = container.model();
        ModelSignature signature = model.signature();
        if (flow.tensors == null) {
            flow.decoded(decoder(flow.contentType, first).decode(flow.body, signature), first);
        }
        Map<String, Tensor> bound = flow.bind(signature, container.hostname());
        // Only what the model declares: earlier containers may leave tensors an ONNX session would reject.
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : signature.inputs()) {
            Tensor tensor = bound.get(spec.name());
            spec.check(tensor);
            inputs.put(spec.name(), tensor);
        }
        return model.infer(inputs);
    }

    private CompletionStage<InferenceResponse> startRemote(Flow flow, RemoteContainer container, boolean last) {
        byte[] body;
        String contentType;
        if (flow.tensors == null) {
            body = flow.body;
            contentType = flow.contentType;
        } else {
            Map<String, Tensor> outputs = flow.lastOutputs();
            PayloadCodec json = codecs.forContentType(REMOTE_CONTENT_TYPE);
            body = json.encode(outputs, new EncodeContext(name, specsOf(outputs), flow.hints));
            contentType = REMOTE_CONTENT_TYPE;
        }
        // Only the last container answers the client, so only it sees the client's Accept; the others answer
        // in their own format, which the next container reads by its Content-Type.
        String accept = last ? flow.request.accept() : null;
        return container.service().invoke(flow.request.withBody(body, contentType)
                .withContentTypeAndAccept(contentType, accept));
    }

    private InferenceResponse respond(Flow flow, Container last) {
        if (flow.tensors == null) {
            return new InferenceResponse(flow.body, flow.contentType == null ? "application/octet-stream"
                    : flow.contentType, flow.customAttributes, flow.modelNanos);
        }
        Map<String, Tensor> outputs = flow.lastOutputs();
        String accept = flow.request.accept();
        if (last instanceof ProcessorContainer p) {
            EncodedPayload encoded = p.processor().encode(outputs, accept, Collections.unmodifiableMap(flow.hints));
            if (encoded != null) {
                return new InferenceResponse(encoded.body(), encoded.contentType(), flow.customAttributes,
                        flow.modelNanos);
            }
        }
        PayloadCodec codec = codecs.forAccept(accept, requestCodecOrJson(flow.request.contentType()));
        byte[] body = codec.encode(outputs, new EncodeContext(name, specsOf(outputs), flow.hints));
        return new InferenceResponse(body, codec.mediaTypes().get(0), flow.customAttributes, flow.modelNanos);
    }

    /**
     * The codec that decodes bytes for an in-process container: the client's Content-Type at the first container (an
     * unsupported one is the client's 415), a remote container's response type after one.
     */
    private PayloadCodec decoder(String contentType, boolean first) {
        try {
            return codecs.forContentType(contentType);
        } catch (SluiceException e) {
            if (first) {
                throw new EdgeException(e);
            }
            throw e;
        }
    }

    /** A request read by a processor's own decoder (an image, say) may still get its answer from a codec. */
    private PayloadCodec requestCodecOrJson(String contentType) {
        try {
            return codecs.forContentType(contentType);
        } catch (SluiceException e) {
            return codecs.forContentType(CodecRegistry.APPLICATION_JSON);
        }
    }

    private static ModelSignature specsOf(Map<String, Tensor> tensors) {
        List<TensorSpec> specs = new ArrayList<>();
        tensors.forEach((key, tensor) -> specs.add(new TensorSpec(key, tensor.type(), tensor.shape())));
        return new ModelSignature(List.of(), specs);
    }

    private SluiceException stageFailure(int index, int from, int to, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof EdgeException edge) {
            return edge.failure;
        }
        SluiceException e = SluiceException.from(cause);
        switch (e.code()) {
            // Capacity signals: the client backs off exactly as it would for a single model.
            case THROTTLING, MODEL_NOT_READY, SERVICE_UNAVAILABLE, INSUFFICIENT_STORAGE -> {
                return e;
            }
            default -> {
            }
        }
        Container container = containers.get(index);
        String where = "container '" + container.hostname() + "'" + (to - from > 1
                ? " (" + (index + 1) + " of " + containers.size() + ")" : "");
        if (e.code() == ErrorCode.MODEL_ERROR) {
            // A remote container's error: keep its status and body, say where it happened.
            return SluiceException.modelError("model '" + name + "': " + where + " failed: " + e.getMessage(), e,
                    e.originalStatusCode(), e.originalMessage());
        }
        int status = e.code().httpStatus();
        String kind = status >= 400 && status < 500 ? "client" : "server";
        return SluiceException.modelError("Received " + kind + " error (" + status + ") from " + where
                + " of model '" + name + "' with message \"" + e.getMessage() + "\"", e, status, e.getMessage());
    }

    /** Encoding the final response: a 406 is the client's Accept, anything else the last container's failure. */
    private SluiceException edgeFailure(int index, int from, int to, Throwable failure) {
        SluiceException e = SluiceException.from(unwrap(failure));
        if (e.code() == ErrorCode.NOT_ACCEPTABLE) {
            return e;
        }
        return stageFailure(index, from, to, e);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String clip(String value) {
        return value.length() <= 63 ? value : value.substring(0, 63) + "…";
    }

    /**
     * Closes the processors (last first), then the resources. Requests arriving afterwards fail with
     * {@link ErrorCode#SERVICE_UNAVAILABLE}. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<AutoCloseable> all = new ArrayList<>(resources);
        for (Container container : containers) {
            if (container instanceof ProcessorContainer p) {
                all.add(p.processor());
            }
        }
        Pipeline.closeAll(all, "pipeline '" + name + "'");
    }

    @Override
    public String toString() {
        return "ContainerPipeline[" + name + ", " + mode + ", " + byHostname.keySet() + "]";
    }

    /** A client error at the request's edge (its Content-Type), passed through rather than blamed on a container. */
    private static final class EdgeException extends RuntimeException {
        final SluiceException failure;

        EdgeException(SluiceException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }

    /**
     * The payload as it moves through one request: typed tensors between in-process containers, bytes after a
     * remote one. Touched by one thread at a time; the futures between containers order the hand-overs.
     */
    private static final class Flow {
        final InferenceRequest request;
        /** Every tensor in-process containers produced since the last byte boundary; null while the payload is bytes. */
        Map<String, Tensor> tensors;
        /** What the last in-process container produced, in its signature's order. */
        Set<String> produced = new LinkedHashSet<>();
        byte[] body;
        String contentType;
        final Map<String, String> hints = new HashMap<>();
        String customAttributes;
        long modelNanos;

        Flow(InferenceRequest request) {
            this.request = request;
            this.body = request.body();
            this.contentType = request.contentType();
        }

        void decoded(DecodedPayload decoded, boolean fromClient) {
            tensors = new LinkedHashMap<>(decoded.inputs());
            produced = new LinkedHashSet<>(decoded.inputs().keySet());
            if (fromClient) {
                // The client's form (instances → predictions, an OIP id) shapes the final response.
                hints.putAll(decoded.hints());
            }
        }

        /**
         * The tensors with the container's inputs present: a missing single input is bound to the previous
         * container's single output.
         */
        Map<String, Tensor> bind(ModelSignature signature, String hostname) {
            List<TensorSpec> inputs = signature.inputs();
            List<String> missing = new ArrayList<>();
            for (TensorSpec spec : inputs) {
                if (!tensors.containsKey(spec.name())) {
                    missing.add(spec.name());
                }
            }
            if (missing.isEmpty()) {
                return tensors;
            }
            if (inputs.size() == 1 && produced.size() == 1) {
                Map<String, Tensor> bound = new LinkedHashMap<>(tensors);
                bound.put(inputs.get(0).name(), tensors.get(produced.iterator().next()));
                return bound;
            }
            throw SluiceException.validation("container '" + hostname + "' needs " + missing + " but the payload"
                    + " holds " + tensors.keySet());
        }

        void accept(ModelSignature signature, Map<String, Tensor> outputs) {
            Map<String, Tensor> merged = new LinkedHashMap<>(tensors);
            merged.putAll(outputs);
            tensors = merged;
            Set<String> names = new LinkedHashSet<>();
            for (TensorSpec spec : signature.outputs()) {
                if (outputs.containsKey(spec.name())) {
                    names.add(spec.name());
                }
            }
            produced = names.isEmpty() ? new LinkedHashSet<>(outputs.keySet()) : names;
        }

        void acceptBytes(InferenceResponse response) {
            tensors = null;
            produced = new LinkedHashSet<>();
            body = response.body();
            contentType = response.contentType();
            if (response.customAttributes() != null) {
                customAttributes = response.customAttributes();
            }
        }

        Map<String, Tensor> lastOutputs() {
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            for (String key : produced) {
                outputs.put(key, tensors.get(key));
            }
            return outputs;
        }
    }
}
