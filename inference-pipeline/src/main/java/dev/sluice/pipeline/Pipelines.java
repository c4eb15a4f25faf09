package dev.sluice.pipeline;

import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.TensorModel;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.internal.ClsPoolingProcessor;
import dev.sluice.pipeline.internal.L2NormalizeProcessor;
import dev.sluice.pipeline.internal.MeanPoolingProcessor;
import dev.sluice.pipeline.internal.PerSequenceTensorModel;
import dev.sluice.pipeline.internal.SentenceEmbeddingOptions;
import dev.sluice.pipeline.internal.TokenizerProcessor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The pipelines a {@code ModelConfig.pipeline()} names, assembled around a model the host has loaded. */
public final class Pipelines {
    /** Sentence-embedding request input: the texts, a list of strings. */
    public static final String TEXTS = "inputs";
    /** Sentence-embedding response output: one vector per text. */
    public static final String EMBEDDINGS = "embeddings";

    public static final String OPTION_MAX_LENGTH = SentenceEmbeddingOptions.MAX_LENGTH;
    public static final String OPTION_PAD_MULTIPLE = SentenceEmbeddingOptions.PAD_MULTIPLE;
    public static final String OPTION_POOLING = SentenceEmbeddingOptions.POOLING;
    public static final String OPTION_NORMALIZE = SentenceEmbeddingOptions.NORMALIZE;
    public static final String OPTION_TOKEN_EMBEDDINGS = SentenceEmbeddingOptions.TOKEN_EMBEDDINGS;
    public static final String OPTION_PER_SEQUENCE = SentenceEmbeddingOptions.PER_SEQUENCE;

    private Pipelines() {
    }

    /** The model as it is: clients send and receive the model's own tensors through the payload codecs. */
    public static Pipeline tensor(String name, TensorModel model, CodecRegistry codecs) {
        return Pipeline.builder(name, model, codecs).build();
    }

    /**
     * Texts in, one vector per text out: {@code {"inputs": ["a cat sits", ...]}} answers
     * {@code {"embeddings": [[...], ...]}}. Stages: tokenizer → model → mean (or CLS) pooling → L2 normalisation.
     *
     * <p>The model must take {@code input_ids} and {@code attention_mask} (and may take {@code token_type_ids}),
     * as INT64 or INT32, and produce token embeddings [N, L, H]: the output named by option {@code tokenEmbeddings},
     * else its first output of rank 3. Options: {@code maxLength} (256), {@code padMultiple} (8),
     * {@code pooling} ({@code mean}|{@code cls}), {@code normalize} ({@code true}|{@code false}),
     * {@code perSequence} ({@code false}; {@code true} runs each text alone and unpadded, for int8 models whose
     * activation scale depends on the whole batch — the host must then not batch this model).
     *
     * @throws IllegalArgumentException when the options or the model do not fit, or the tokenizer cannot be loaded
     */
    public static Pipeline sentenceEmbedding(String name, TensorModel model, Path tokenizerJson,
                                             Map<String, String> options, CodecRegistry codecs) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(codecs, "codecs");
        SentenceEmbeddingOptions parsed = SentenceEmbeddingOptions.parse(options);
        ModelSignature modelSignature = model.signature();
        DataType idType = idType(model, modelSignature);
        for (TensorSpec input : modelSignature.inputs()) {
            if (!List.of(TokenizerProcessor.INPUT_IDS, TokenizerProcessor.ATTENTION_MASK,
                    TokenizerProcessor.TOKEN_TYPE_IDS).contains(input.name())) {
                throw new IllegalArgumentException("model '" + model.name() + "' input '" + input.name()
                        + "' cannot be fed by a tokenizer");
            }
        }
        TensorSpec tokenEmbeddings = tokenEmbeddings(model, modelSignature, parsed.tokenEmbeddings());
        long hidden = tokenEmbeddings.shape()[2];
        ModelSignature external = new ModelSignature(
                List.of(new TensorSpec(TEXTS, DataType.BYTES, new long[] {-1})),
                List.of(new TensorSpec(EMBEDDINGS, DataType.FP32, new long[] {-1, hidden})));

        TokenizerProcessor.Settings settings = new TokenizerProcessor.Settings(TEXTS, parsed.maxLength(),
                parsed.padMultiple(), idType, modelSignature.input(TokenizerProcessor.TOKEN_TYPE_IDS).isPresent());
        TokenizerProcessor tokenizer = TokenizerProcessor.open(tokenizerJson, settings);
        try {
            TensorModel stage = parsed.perSequence()
                    ? new PerSequenceTensorModel(model, TokenizerProcessor.ATTENTION_MASK) : model;
            Pipeline.Builder builder = Pipeline.builder(name, stage, codecs)
                    .signature(external)
                    .preProcessor(tokenizer)
                    .postProcessor(parsed.pooling() == SentenceEmbeddingOptions.Pooling.CLS
                            ? new ClsPoolingProcessor(tokenEmbeddings.name(), EMBEDDINGS)
                            : new MeanPoolingProcessor(tokenEmbeddings.name(), TokenizerProcessor.ATTENTION_MASK,
                                    EMBEDDINGS))
                    // The client sent a bare list of texts, so it gets a bare object back whatever form its
                    // codec would otherwise choose.
                    .responseHint(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_FLAT)
                    .closeWith(tokenizer);
            if (parsed.normalize()) {
                builder.postProcessor(new L2NormalizeProcessor(EMBEDDINGS));
            }
            return builder.build();
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static DataType idType(TensorModel model, ModelSignature signature) {
        DataType type = null;
        for (String required : List.of(TokenizerProcessor.INPUT_IDS, TokenizerProcessor.ATTENTION_MASK)) {
            TensorSpec spec = signature.input(required).orElseThrow(() -> new IllegalArgumentException("model '"
                    + model.name() + "' has no input '" + required + "'; a sentence-embedding model takes "
                    + TokenizerProcessor.INPUT_IDS + " and " + TokenizerProcessor.ATTENTION_MASK));
            if (spec.rank() != 2 || (spec.type() != DataType.INT64 && spec.type() != DataType.INT32)) {
                throw new IllegalArgumentException("model '" + model.name() + "' input " + spec
                        + " must be INT64 or INT32 of rank 2 [batch, tokens]");
            }
            if (type != null && spec.type() != type) {
                throw new IllegalArgumentException("model '" + model.name() + "' takes token ids and attention"
                        + " mask of different types");
            }
            type = spec.type();
        }
        DataType idType = type;
        signature.input(TokenizerProcessor.TOKEN_TYPE_IDS)
                .filter(spec -> spec.type() != idType || spec.rank() != 2)
                .ifPresent(spec -> {
                    throw new IllegalArgumentException("model '" + model.name() + "' input " + spec
                            + " must be " + idType.v2Name() + " of rank 2 like its token ids");
                });
        return type;
    }

    private static TensorSpec tokenEmbeddings(TensorModel model, ModelSignature signature, String requested) {
        TensorSpec spec;
        if (requested != null) {
            spec = signature.output(requested).orElseThrow(() -> new IllegalArgumentException("model '"
                    + model.name() + "' has no output '" + requested + "' (option " + OPTION_TOKEN_EMBEDDINGS
                    + "); outputs: " + signature.outputs()));
        } else {
            spec = signature.outputs().stream().filter(s -> s.rank() == 3).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("model '" + model.name()
                            + "' has no output of rank 3 [batch, tokens, hidden]; outputs: " + signature.outputs()));
        }
        if (spec.rank() != 3 || !spec.type().isFloatingPoint()) {
            throw new IllegalArgumentException("model '" + model.name() + "' output " + spec
                    + " must be floating-point token embeddings [batch, tokens, hidden]");
        }
        return spec;
    }
}
