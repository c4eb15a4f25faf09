package dev.sluice.pipeline.internal;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.pipeline.Processor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Texts (a BYTES tensor of UTF-8 strings, shape [N]) to token ids with a Hugging Face {@code tokenizer.json}, through
 * DJL's binding of the Rust tokenizers library. Produces {@code input_ids} and {@code attention_mask} of shape [N, L]
 * and, when the model takes it, {@code token_type_ids} (all zero for single sentences).
 *
 * <p>L is the longest sequence of the request rounded up to a multiple of {@link Settings#padMultiple()}: the rounding
 * makes concurrent requests of similar length share a shape, which the dynamic batcher needs to concatenate them,
 * while padding to the longest (not to {@code maxLength}) keeps short requests cheap.
 *
 * <p>Thread-safe: the native tokenizer is immutable once configured. {@link #close()} may race with requests in
 * flight (a multi-model host evicts while serving), so the native handle is released by whichever of close and the
 * last in-flight call finishes last; a call after close fails instead of touching freed memory.
 */
public final class TokenizerProcessor implements Processor, AutoCloseable {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";

    /**
     * How the tokenizer is set up and what it emits.
     *
     * @param textInput       the BYTES input holding the texts: shape [N], or [N, 2] for {@code pairs}
     * @param maxLength       the longest sequence in tokens, special tokens included
     * @param padMultiple     sequences are padded to the longest of the request rounded up to this multiple
     * @param idType          INT64 or INT32 ids and masks, as the model takes them
     * @param tokenTypeIds    whether to emit {@code token_type_ids} (segment ids: 0 for the first text, 1 for the
     *                        second of a pair)
     * @param pairs           texts come as pairs (question/passage, query/document) encoded into one sequence
     * @param padToMaxLength  pad every sequence to {@code maxLength} (fixed-shape models) instead of the longest
     * @param truncate        cut sequences at {@code maxLength}; when false a longer text is the client's error
     */
    public record Settings(String textInput, int maxLength, int padMultiple, DataType idType, boolean tokenTypeIds,
                           boolean pairs, boolean padToMaxLength, boolean truncate) {
        /** Sentence-transformers models are trained on at most 256 word pieces (MiniLM's own limit is 512). */
        public static final int DEFAULT_MAX_LENGTH = 256;
        public static final int DEFAULT_PAD_MULTIPLE = 8;

        public Settings {
            Objects.requireNonNull(textInput, "textInput");
            if (maxLength < 2) {
                throw new IllegalArgumentException("maxLength must be at least 2 (room for [CLS] and [SEP]), got "
                        + maxLength);
            }
            if (padMultiple < 1) {
                throw new IllegalArgumentException("padMultiple must be at least 1, got " + padMultiple);
            }
            // Padding rounds up after truncation, so a maxLength that is not a multiple would let padded batches
            // grow past it (and past the model's position limit when maxLength sits at that limit).
            if (maxLength % padMultiple != 0) {
                throw new IllegalArgumentException("maxLength (" + maxLength + ") must be a multiple of padMultiple ("
                        + padMultiple + ")");
            }
            if (idType != DataType.INT64 && idType != DataType.INT32) {
                throw new IllegalArgumentException("token ids must be INT64 or INT32, got " + idType);
            }
        }

        public Settings(String textInput, int maxLength, int padMultiple, DataType idType, boolean tokenTypeIds) {
            this(textInput, maxLength, padMultiple, idType, tokenTypeIds, false, false, true);
        }

        public static Settings defaults(String textInput) {
            return new Settings(textInput, DEFAULT_MAX_LENGTH, DEFAULT_PAD_MULTIPLE, DataType.INT64, false);
        }

        public Settings withMaxLength(int newMaxLength) {
            return new Settings(textInput, newMaxLength, padMultiple, idType, tokenTypeIds, pairs, padToMaxLength,
                    truncate);
        }

        public Settings withPadMultiple(int newPadMultiple) {
            return new Settings(textInput, maxLength, newPadMultiple, idType, tokenTypeIds, pairs, padToMaxLength,
                    truncate);
        }

        public Settings withIdType(DataType newIdType) {
            return new Settings(textInput, maxLength, padMultiple, newIdType, tokenTypeIds, pairs, padToMaxLength,
                    truncate);
        }

        public Settings withTokenTypeIds(boolean emit) {
            return new Settings(textInput, maxLength, padMultiple, idType, emit, pairs, padToMaxLength, truncate);
        }

        public Settings withPairs(boolean newPairs) {
            return new Settings(textInput, maxLength, padMultiple, idType, tokenTypeIds, newPairs, padToMaxLength,
                    truncate);
        }

        public Settings withPadToMaxLength(boolean pad) {
            return new Settings(textInput, maxLength, padMultiple, idType, tokenTypeIds, pairs, pad, truncate);
        }

        public Settings withTruncate(boolean newTruncate) {
            return new Settings(textInput, maxLength, padMultiple, idType, tokenTypeIds, pairs, padToMaxLength,
                    newTruncate);
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final Settings settings;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    private TokenizerProcessor(HuggingFaceTokenizer tokenizer, Settings settings) {
        this.tokenizer = tokenizer;
        this.settings = settings;
    }

    /**
     * Loads {@code tokenizerJson}, overriding whatever truncation and padding it declares (exported tokenizers
     * often pad to a fixed 128 or 512, which would waste most of the model's work on short texts).
     */
    public static TokenizerProcessor open(Path tokenizerJson, Settings settings) {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        Objects.requireNonNull(settings, "settings");
        try {
            HuggingFaceTokenizer.Builder builder = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(settings.truncate())
                    .optMaxLength(settings.maxLength());
            if (settings.padToMaxLength()) {
                builder.optPadToMaxLength();
            } else {
                builder.optPadding(true).optPadToMultipleOf(settings.padMultiple());
            }
            HuggingFaceTokenizer tokenizer = builder.build();
            return new TokenizerProcessor(tokenizer, settings);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public Map<String, Tensor> process(Map<String, Tensor> tensors) {
        String[] texts = texts(tensors.get(settings.textInput()));
        Encoding[] encodings = encode(texts);
        if (!settings.truncate()) {
            for (int row = 0; row < encodings.length; row++) {
                if (encodings[row].getIds().length > settings.maxLength()) {
                    throw SluiceException.validation(settings.textInput() + "[" + row + "] is "
                            + encodings[row].getIds().length + " tokens long, more than the " + settings.maxLength()
                            + " this model takes (truncation is off)");
                }
            }
        }
        int rows = encodings.length;
        int length = encodings[0].getIds().length;
        long[] ids = new long[rows * length];
        long[] mask = new long[rows * length];
        long[] typeIds = settings.tokenTypeIds() ? new long[rows * length] : null;
        for (int row = 0; row < rows; row++) {
            Encoding encoding = encodings[row];
            if (encoding.getIds().length != length) {
                throw new IllegalStateException("tokenizer padded row " + row + " to " + encoding.getIds().length
                        + " tokens but row 0 to " + length);
            }
            System.arraycopy(encoding.getIds(), 0, ids, row * length, length);
            System.arraycopy(encoding.getAttentionMask(), 0, mask, row * length, length);
            if (typeIds != null) {
                System.arraycopy(encoding.getTypeIds(), 0, typeIds, row * length, length);
            }
        }
        long[] shape = {rows, length};
        Map<String, Tensor> out = new LinkedHashMap<>(tensors);
        out.put(INPUT_IDS, ids(shape, ids));
        out.put(ATTENTION_MASK, ids(shape, mask));
        if (typeIds != null) {
            out.put(TOKEN_TYPE_IDS, ids(shape, typeIds));
        }
        return out;
    }

    private String[] texts(Tensor tensor) {
        String input = settings.textInput();
        if (tensor == null) {
            throw SluiceException.validation("missing input '" + input + "': a list of strings");
        }
        if (settings.pairs()) {
            if (tensor.type() != DataType.BYTES || tensor.rank() != 2 || tensor.dim(1) != 2) {
                throw SluiceException.validation("input '" + input + "' must be a list of text pairs "
                        + "[[\"first\", \"second\"], ...] but got " + tensor.type().v2Name() + " "
                        + Arrays.toString(tensor.shape()));
            }
        } else if (tensor.type() != DataType.BYTES || tensor.rank() != 1) {
            throw SluiceException.validation("input '" + input + "' must be a list of strings but got "
                    + tensor.type().v2Name() + " " + Arrays.toString(tensor.shape()));
        }
        byte[][] raw = tensor.strings();
        if (raw.length == 0) {
            throw SluiceException.validation("input '" + input + "' must contain at least one string");
        }
        String[] texts = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == null) {
                throw SluiceException.validation(input + "[" + i + "] must be a string, got null");
            }
            try {
                // Strict decoding: silently replacing bad bytes would embed text the client never sent.
                texts[i] = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(raw[i]))
                        .toString();
            } catch (CharacterCodingException e) {
                throw SluiceException.validation(input + "[" + i + "] is not valid UTF-8");
            }
        }
        return texts;
    }

    private Encoding[] encode(String[] texts) {
        inFlight.incrementAndGet();
        try {
            if (closed.get()) {
                throw new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "tokenizer is closed");
            }
            if (settings.pairs()) {
                // texts holds the pairs flattened row by row: [first0, second0, first1, second1, ...].
                PairList<String, String> pairs = new PairList<>(texts.length / 2);
                for (int i = 0; i < texts.length; i += 2) {
                    pairs.add(texts[i], texts[i + 1]);
                }
                return tokenizer.batchEncode(pairs);
            }
            return tokenizer.batchEncode(texts);
        } finally {
            if (inFlight.decrementAndGet() == 0 && closed.get()) {
                tokenizer.close();
            }
        }
    }

    private Tensor ids(long[] shape, long[] values) {
        if (settings.idType() == DataType.INT64) {
            return Tensor.ofLongs(shape, values);
        }
        int[] narrow = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            narrow[i] = Math.toIntExact(values[i]);
        }
        return Tensor.of(DataType.INT32, shape, narrow);
    }

    /**
     * Releases the native tokenizer now, or when the last call in flight finishes. The counter is raised before the
     * closed flag is read and the flag set before the counter is read, so at least one side sees the other and
     * the handle is freed exactly when no call can still use it (DJL's close is idempotent).
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && inFlight.get() == 0) {
            tokenizer.close();
        }
    }

    @Override
    public String name() {
        return "tokenizer";
    }
}
