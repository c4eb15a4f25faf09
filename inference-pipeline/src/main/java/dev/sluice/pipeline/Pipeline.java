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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A serial pipeline: decode → pre-processors → model → post-processors → encode, exposed as one
 * {@link InferenceService}. Clients see {@link #signature()}, which may differ from the model's (a sentence-embedding
 * pipeline takes texts and answers vectors while the model takes token ids).
 *
 * <p>Threads: decoding and pre-processing run on the caller's thread (possibly a Netty event loop), the model stage
 * is asynchronous, and post-processing and encoding run on the thread that completes the model's stage (a runner),
 * so a request crosses threads only where the model host makes it. {@link #invoke} never throws: every failure
 * completes the returned stage exceptionally with a {@link SluiceException}.
 *
 * <p>The pipeline does not own its model (the model host does) but owns the resources registered with
 * {@link Builder#closeWith}, which {@link #close()} releases.
 */
public final class Pipeline implements InferenceService, AutoCloseable {
    private final String name;
    private final ModelSignature signature;
    private final CodecRegistry codecs;
    private final List<Processor> preProcessors;
    private final TensorModel model;
    private final ModelSignature modelSignature;
    private final List<Processor> postProcessors;
    private final Map<String, String> responseHints;
    private final List<AutoCloseable> resources;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Pipeline(Builder builder) {
        this.name = builder.name;
        this.model = builder.model;
        // Read once: the model's signature is fixed for its lifetime and is consulted on every request.
        this.modelSignature = Objects.requireNonNull(model.signature(), "model '" + model.name() + "' signature");
        this.signature = builder.signature == null ? modelSignature : builder.signature;
        this.codecs = builder.codecs;
        this.preProcessors = List.copyOf(builder.preProcessors);
        this.postProcessors = List.copyOf(builder.postProcessors);
        this.responseHints = Map.copyOf(builder.responseHints);
        this.resources = List.copyOf(builder.resources);
    }

    /** Starts a pipeline around {@code model}; by default its external signature is the model's. */
    public static Builder builder(String name, TensorModel model, CodecRegistry codecs) {
        return new Builder(name, model, codecs);
    }

    public String name() {
        return name;
    }

    /** What clients send and receive. */
    public ModelSignature signature() {
        return signature;
    }

    public TensorModel model() {
        return model;
    }

    public List<Processor> preProcessors() {
        return preProcessors;
    }

    public List<Processor> postProcessors() {
        return postProcessors;
    }

    /** Hints laid over the request's decoded hints when encoding the response. */
    public Map<String, String> responseHints() {
        return responseHints;
    }

    @Override
    public CompletionStage<InferenceResponse> invoke(InferenceRequest request) {
        try {
            return start(request);
        } catch (Throwable failure) {
            // CompletableFuture itself captures any Throwable a stage throws; doing the same keeps a caller's
            // future from hanging on an Error as well.
            return CompletableFuture.failedFuture(SluiceException.from(failure));
        }
    }

    private CompletionStage<InferenceResponse> start(InferenceRequest request) {
        if (closed.get()) {
            throw new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "pipeline '" + name + "' is closed");
        }
        // Both media types are negotiated before any work, so a 415 or 406 costs no decoding and never reaches
        // the model.
        PayloadCodec requestCodec = codecs.forContentType(request.contentType());
        PayloadCodec responseCodec = codecs.forAccept(request.accept(), requestCodec);
        DecodedPayload decoded = requestCodec.decode(request.body(), signature);
        Map<String, Tensor> tensors = checkInputs(decoded.inputs());
        tensors = runStages(preProcessors, tensors);
        Map<String, Tensor> modelInputs = modelInputs(tensors);
        Map<String, String> hints = new LinkedHashMap<>(decoded.hints());
        hints.putAll(responseHints);
        EncodeContext context = new EncodeContext(name, signature, hints);

        Map<String, Tensor> beforeModel = tensors;
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        long started = System.nanoTime();
        // Not *Async: the continuation runs on whichever runner thread completes the model stage, which is the
        // one hop the data path allows; a model stage that is already complete continues on this thread.
        model.infer(modelInputs).whenComplete((outputs, failure) -> {
            long modelNanos = System.nanoTime() - started;
            if (failure != null) {
                result.completeExceptionally(SluiceException.from(failure));
                return;
            }
            try {
                result.complete(finish(beforeModel, outputs, responseCodec, context, modelNanos));
            } catch (Throwable t) {
                result.completeExceptionally(SluiceException.from(t));
            }
        });
        return result;
    }

    private Map<String, Tensor> checkInputs(Map<String, Tensor> decoded) {
        for (TensorSpec spec : signature.inputs()) {
            Tensor tensor = decoded.get(spec.name());
            if (tensor == null) {
                throw SluiceException.validation("missing input '" + spec.name() + "' (" + spec.type().v2Name()
                        + " " + spec.describeShape() + ")");
            }
            spec.check(tensor);
        }
        return decoded;
    }

    private Map<String, Tensor> runStages(List<Processor> stages, Map<String, Tensor> tensors) {
        Map<String, Tensor> current = tensors;
        for (Processor stage : stages) {
            current = stage.process(current);
            if (current == null) {
                throw new IllegalStateException("pipeline '" + name + "': processor " + stage.name()
                        + " returned no tensors");
            }
        }
        return current;
    }

    /** Only what the model declares: pre-processors may leave intermediate tensors the model would reject. */
    private Map<String, Tensor> modelInputs(Map<String, Tensor> tensors) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : modelSignature.inputs()) {
            Tensor tensor = tensors.get(spec.name());
            if (tensor == null) {
                throw new IllegalStateException("pipeline '" + name + "': no stage produced model input '"
                        + spec.name() + "'");
            }
            inputs.put(spec.name(), tensor);
        }
        return inputs;
    }

    private InferenceResponse finish(Map<String, Tensor> beforeModel, Map<String, Tensor> modelOutputs,
                                     PayloadCodec responseCodec, EncodeContext context, long modelNanos) {
        if (modelOutputs == null) {
            throw new IllegalStateException("model '" + model.name() + "' completed without outputs");
        }
        // Post-processors see the pre-model tensors too: pooling needs the attention mask beside the model output.
        Map<String, Tensor> tensors = new LinkedHashMap<>(beforeModel);
        tensors.putAll(modelOutputs);
        tensors = runStages(postProcessors, tensors);
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        for (TensorSpec spec : signature.outputs()) {
            Tensor tensor = tensors.get(spec.name());
            if (tensor == null) {
                throw new IllegalStateException("pipeline '" + name + "': no stage produced output '"
                        + spec.name() + "'");
            }
            outputs.put(spec.name(), tensor);
        }
        byte[] body = responseCodec.encode(outputs, context);
        return new InferenceResponse(body, responseCodec.mediaTypes().get(0), null, modelNanos);
    }

    /**
     * Releases the pipeline's own resources (e.g. the tokenizer's native handle), last registered first. Idempotent.
     * Requests arriving afterwards fail with {@link ErrorCode#SERVICE_UNAVAILABLE}. The model is left to its owner.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeAll(resources, "pipeline '" + name + "'");
    }

    /**
     * Closes every resource, last first, even when some fail; the first failure is thrown with the others
     * suppressed in it, so one bad resource cannot leak the rest.
     */
    static void closeAll(List<? extends AutoCloseable> resources, String owner) {
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException(owner + ": closing a resource failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "Pipeline[" + name + ", model=" + model.name() + ", pre=" + preProcessors.size() + ", post="
                + postProcessors.size() + "]";
    }

    /** Assembles a {@link Pipeline}; stages run in the order they are added. */
    public static final class Builder {
        private final String name;
        private final TensorModel model;
        private final CodecRegistry codecs;
        private ModelSignature signature;
        private final List<Processor> preProcessors = new ArrayList<>();
        private final List<Processor> postProcessors = new ArrayList<>();
        private final Map<String, String> responseHints = new LinkedHashMap<>();
        private final List<AutoCloseable> resources = new ArrayList<>();

        private Builder(String name, TensorModel model, CodecRegistry codecs) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("pipeline name must not be empty");
            }
            this.name = name;
            this.model = Objects.requireNonNull(model, "model");
            this.codecs = Objects.requireNonNull(codecs, "codecs");
        }

        /** The signature clients see, when pre- or post-processors make it differ from the model's. */
        public Builder signature(ModelSignature externalSignature) {
            this.signature = Objects.requireNonNull(externalSignature, "signature");
            return this;
        }

        public Builder preProcessor(Processor processor) {
            preProcessors.add(Objects.requireNonNull(processor, "processor"));
            return this;
        }

        public Builder postProcessor(Processor processor) {
            postProcessors.add(Objects.requireNonNull(processor, "processor"));
            return this;
        }

        /** A hint that always wins over the request's, e.g. {@code style=flat} for a pipeline's own response form. */
        public Builder responseHint(String key, String value) {
            responseHints.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** A resource the pipeline owns and releases in {@link Pipeline#close()}. */
        public Builder closeWith(AutoCloseable resource) {
            resources.add(Objects.requireNonNull(resource, "resource"));
            return this;
        }

        public Pipeline build() {
            return new Pipeline(this);
        }
    }
}
