package dev.sluice.pipeline.processors.text;

import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.codec.EncodeContext;
import dev.sluice.core.codec.PayloadCodec;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.pipeline.Processor;
import dev.sluice.pipeline.internal.ClsPoolingProcessor;
import dev.sluice.pipeline.internal.L2NormalizeProcessor;
import dev.sluice.pipeline.internal.MeanPoolingProcessor;
import dev.sluice.pipeline.internal.TokenizerProcessor;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.EncodedPayload;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.spi.ProcessorProvider;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sluice/pooling}: token embeddings [N, L, H] to one vector per text — mean over the attention mask (default)
 * or the first ([CLS]) token — then L2-normalised, as sentence-transformers do.
 *
 * <p>Options: {@code POOLING} ({@code mean} | {@code cls}), {@code NORMALIZE} ({@code true}), {@code INPUT} (token
 * embeddings, default {@code last_hidden_state}; the previous container's single output is bound to it otherwise),
 * {@code MASK} ({@code attention_mask}, from the tokenizer earlier in the pipeline), {@code OUTPUT}
 * ({@code embeddings}). As the last container it answers {@code {"embeddings": [[...], ...]}}.
 */
public final class PoolingProvider implements ProcessorProvider {
    public static final String IMAGE = "sluice/pooling";

    @Override
    public String image() {
        return IMAGE;
    }

    @Override
    public String description() {
        return "token embeddings → sentence embeddings: mean or CLS pooling and L2 normalisation (POOLING, "
                + "NORMALIZE, INPUT, MASK, OUTPUT)";
    }

    @Override
    public ContainerProcessor create(ProcessorContext context) {
        String pooling = context.option("POOLING", "mean").toLowerCase(Locale.ROOT);
        String input = context.option("INPUT", "last_hidden_state");
        String mask = context.option("MASK", TokenizerProcessor.ATTENTION_MASK);
        String output = context.option("OUTPUT", "embeddings");
        boolean mean = switch (pooling) {
            case "mean" -> true;
            case "cls" -> false;
            default -> throw context.invalid("POOLING", "must be mean or cls, got '" + pooling + "'");
        };
        Processor pool = mean ? new MeanPoolingProcessor(input, mask, output) : new ClsPoolingProcessor(input, output);
        Processor normalize = context.booleanOption("NORMALIZE", true) ? new L2NormalizeProcessor(output) : null;
        List<TensorSpec> inputs = mean
                ? List.of(new TensorSpec(input, DataType.FP32, new long[] {-1, -1, -1}),
                        new TensorSpec(mask, DataType.INT64, new long[] {-1, -1}))
                : List.of(new TensorSpec(input, DataType.FP32, new long[] {-1, -1, -1}));
        ModelSignature signature = new ModelSignature(inputs,
                List.of(new TensorSpec(output, DataType.FP32, new long[] {-1, -1})));
        return new Pooling(pool, normalize, signature, output, context.codecs());
    }

    private record Pooling(Processor pool, Processor normalize, ModelSignature signature, String output,
                           CodecRegistry codecs) implements ContainerProcessor {

        @Override
        public Map<String, Tensor> process(Map<String, Tensor> tensors) {
            Map<String, Tensor> pooled = pool.process(tensors);
            if (normalize != null) {
                pooled = normalize.process(pooled);
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put(output, pooled.get(output));
            return out;
        }

        /** The client sent texts, so it gets a bare {@code {"embeddings": ...}} whatever form its codec would pick. */
        @Override
        public EncodedPayload encode(Map<String, Tensor> outputs, String accept, Map<String, String> hints) {
            PayloadCodec codec = codecs.forAccept(accept, codecs.forContentType(CodecRegistry.APPLICATION_JSON));
            Map<String, String> flat = new HashMap<>(hints);
            flat.put(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_FLAT);
            byte[] body = codec.encode(outputs, new EncodeContext("pooling", signature, flat));
            return new EncodedPayload(body, codec.mediaTypes().get(0));
        }
    }
}
