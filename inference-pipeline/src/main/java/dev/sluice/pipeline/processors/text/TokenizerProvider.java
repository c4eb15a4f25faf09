package dev.sluice.pipeline.processors.text;

import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.internal.TokenizerProcessor;
import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.spi.ProcessorProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sluice/tokenizer}: texts to token ids with a Hugging Face {@code tokenizer.json} (DJL's binding of the Rust
 * tokenizers library).
 *
 * <p>Options: {@code TOKENIZER} (the file; default {@code tokenizer.json} in the container's ModelDataUrl),
 * {@code INPUT} (the texts' name, default {@code inputs}), {@code MAX_LENGTH} (256), {@code PADDING}
 * ({@code longest}, padded to a multiple of {@code PAD_MULTIPLE} (8), or {@code max_length}), {@code TRUNCATION}
 * ({@code true}; {@code false} makes a longer text a 400), {@code PAIRS} ({@code false}; {@code true} takes
 * {@code [["first", "second"], ...]}), {@code ID_TYPE} ({@code int64} or {@code int32}), {@code TOKEN_TYPE_IDS}
 * ({@code true}). Outputs {@code input_ids}, {@code attention_mask} and {@code token_type_ids}, the input names of
 * BERT-family ONNX exports; a model container after it takes only those it declares.
 */
public final class TokenizerProvider implements ProcessorProvider {
    public static final String IMAGE = "sluice/tokenizer";

    @Override
    public String image() {
        return IMAGE;
    }

    @Override
    public String description() {
        return "texts → input_ids/attention_mask/token_type_ids with a Hugging Face tokenizer.json (TOKENIZER, "
                + "MAX_LENGTH, PADDING, TRUNCATION, PAIRS, ID_TYPE)";
    }

    @Override
    public ContainerProcessor create(ProcessorContext context) {
        Path file = context.file("TOKENIZER", "tokenizer.json").orElseThrow(() -> context.invalid("TOKENIZER",
                "is required: name a tokenizer.json, or give the container a ModelDataUrl holding one"));
        String input = context.option("INPUT", "inputs");
        int maxLength = context.intOption("MAX_LENGTH", TokenizerProcessor.Settings.DEFAULT_MAX_LENGTH, 2, 8192);
        String padding = context.option("PADDING", "longest").toLowerCase(Locale.ROOT);
        boolean padToMax = switch (padding) {
            case "longest" -> false;
            case "max_length" -> true;
            default -> throw context.invalid("PADDING", "must be longest or max_length, got '" + padding + "'");
        };
        int padMultiple = padToMax ? 1 : context.intOption("PAD_MULTIPLE",
                TokenizerProcessor.Settings.DEFAULT_PAD_MULTIPLE, 1, 512);
        if (maxLength % padMultiple != 0) {
            throw context.invalid("MAX_LENGTH", "(" + maxLength + ") must be a multiple of PAD_MULTIPLE ("
                    + padMultiple + ")");
        }
        String idType = context.option("ID_TYPE", "int64").toLowerCase(Locale.ROOT);
        DataType ids = switch (idType) {
            case "int64" -> DataType.INT64;
            case "int32" -> DataType.INT32;
            default -> throw context.invalid("ID_TYPE", "must be int64 or int32, got '" + idType + "'");
        };
        boolean pairs = context.booleanOption("PAIRS", false);
        TokenizerProcessor.Settings settings = new TokenizerProcessor.Settings(input, maxLength, padMultiple, ids,
                context.booleanOption("TOKEN_TYPE_IDS", true), pairs, padToMax,
                context.booleanOption("TRUNCATION", true));
        return new Processor(TokenizerProcessor.open(file, settings), settings);
    }

    private static final class Processor implements ContainerProcessor {
        private final TokenizerProcessor tokenizer;
        private final ModelSignature signature;

        Processor(TokenizerProcessor tokenizer, TokenizerProcessor.Settings settings) {
            this.tokenizer = tokenizer;
            List<TensorSpec> outputs = new ArrayList<>();
            outputs.add(new TensorSpec(TokenizerProcessor.INPUT_IDS, settings.idType(), new long[] {-1, -1}));
            outputs.add(new TensorSpec(TokenizerProcessor.ATTENTION_MASK, settings.idType(), new long[] {-1, -1}));
            if (settings.tokenTypeIds()) {
                outputs.add(new TensorSpec(TokenizerProcessor.TOKEN_TYPE_IDS, settings.idType(),
                        new long[] {-1, -1}));
            }
            long[] textShape = settings.pairs() ? new long[] {-1, 2} : new long[] {-1};
            this.signature = new ModelSignature(List.of(new TensorSpec(settings.textInput(), DataType.BYTES,
                    textShape)), outputs);
        }

        @Override
        public ModelSignature signature() {
            return signature;
        }

        @Override
        public Map<String, Tensor> process(Map<String, Tensor> tensors) {
            return tokenizer.process(tensors);
        }

        @Override
        public void close() {
            tokenizer.close();
        }
    }
}
