package dev.sluice.pipeline.internal;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The options of a sentence-embedding pipeline, parsed from {@code ModelConfig.options()}. Unknown keys are refused
 * so a misspelt option fails at load time instead of silently keeping its default.
 *
 * @param tokenEmbeddings the model output holding token embeddings; null picks the first output of rank 3
 */
public record SentenceEmbeddingOptions(int maxLength, int padMultiple, Pooling pooling, boolean normalize,
                                       String tokenEmbeddings, boolean perSequence) {
    public static final String MAX_LENGTH = "maxLength";
    public static final String PAD_MULTIPLE = "padMultiple";
    public static final String POOLING = "pooling";
    public static final String NORMALIZE = "normalize";
    public static final String TOKEN_EMBEDDINGS = "tokenEmbeddings";
    /** Run each text alone and unpadded (see PerSequenceTensorModel); for per-tensor quantised models. */
    public static final String PER_SEQUENCE = "perSequence";
    private static final Set<String> KNOWN = Set.of(MAX_LENGTH, PAD_MULTIPLE, POOLING, NORMALIZE, TOKEN_EMBEDDINGS,
            PER_SEQUENCE);

    public enum Pooling { MEAN, CLS }

    public SentenceEmbeddingOptions {
        Objects.requireNonNull(pooling, "pooling");
    }

    public static SentenceEmbeddingOptions parse(Map<String, String> options) {
        Map<String, String> given = options == null ? Map.of() : options;
        for (String key : given.keySet()) {
            if (!KNOWN.contains(key)) {
                throw new IllegalArgumentException("unknown sentence-embedding option '" + key + "'; known: "
                        + KNOWN.stream().sorted().toList());
            }
        }
        int maxLength = intOption(given, MAX_LENGTH, TokenizerProcessor.Settings.DEFAULT_MAX_LENGTH);
        int padMultiple = intOption(given, PAD_MULTIPLE, TokenizerProcessor.Settings.DEFAULT_PAD_MULTIPLE);
        String poolingName = given.getOrDefault(POOLING, "mean").trim().toLowerCase(Locale.ROOT);
        Pooling pooling = switch (poolingName) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new IllegalArgumentException("option '" + POOLING + "' must be 'mean' or 'cls', got '"
                    + given.get(POOLING) + "'");
        };
        boolean normalize = booleanOption(given, NORMALIZE, true);
        boolean perSequence = booleanOption(given, PER_SEQUENCE, false);
        String tokenEmbeddings = given.get(TOKEN_EMBEDDINGS);
        if (tokenEmbeddings != null && tokenEmbeddings.isBlank()) {
            throw new IllegalArgumentException("option '" + TOKEN_EMBEDDINGS + "' must name a model output");
        }
        return new SentenceEmbeddingOptions(maxLength, padMultiple, pooling, normalize,
                tokenEmbeddings == null ? null : tokenEmbeddings.trim(), perSequence);
    }

    private static boolean booleanOption(Map<String, String> options, String key, boolean defaultValue) {
        String value = options.getOrDefault(key, Boolean.toString(defaultValue)).trim().toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("option '" + key + "' must be 'true' or 'false', got '"
                    + options.get(key) + "'");
        }
        return Boolean.parseBoolean(value);
    }

    private static int intOption(Map<String, String> options, String key, int defaultValue) {
        String value = options.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option '" + key + "' must be an integer, got '" + value + "'");
        }
    }
}
