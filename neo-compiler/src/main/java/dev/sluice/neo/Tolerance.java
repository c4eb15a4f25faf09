package dev.sluice.neo;

/**
 * How close the compiled model's outputs must stay to the original's on the sample inputs (the accuracy gate).
 *
 * @param maxAbsoluteError    largest allowed |original − compiled| over every element of every float output;
 *                            {@link Double#POSITIVE_INFINITY} leaves absolute error ungated (it only reports it), which
 *                            is the default because its scale depends on the model
 * @param minCosineSimilarity smallest allowed cosine similarity between original and compiled vectors (along the last
 *                            axis) of embedding and classification outputs, taken as the mean over all vectors
 * @param minTop1Agreement    smallest allowed fraction of vectors whose arg-max agrees, for classification-like outputs
 *                            (and exact agreement of integer outputs)
 */
public record Tolerance(double maxAbsoluteError, double minCosineSimilarity, double minTop1Agreement) {
    public static final double DEFAULT_MAX_ABSOLUTE_ERROR = Double.POSITIVE_INFINITY;
    public static final double DEFAULT_MIN_COSINE_SIMILARITY = 0.98;
    public static final double DEFAULT_MIN_TOP1_AGREEMENT = 0.98;

    public Tolerance {
        if (Double.isNaN(maxAbsoluteError) || maxAbsoluteError <= 0) {
            throw new IllegalArgumentException("tolerance maxAbsoluteError must be > 0, got " + maxAbsoluteError);
        }
        if (Double.isNaN(minCosineSimilarity) || minCosineSimilarity < -1 || minCosineSimilarity > 1) {
            throw new IllegalArgumentException("tolerance minCosineSimilarity must be in [-1, 1], got "
                    + minCosineSimilarity);
        }
        if (Double.isNaN(minTop1Agreement) || minTop1Agreement < 0 || minTop1Agreement > 1) {
            throw new IllegalArgumentException("tolerance minTop1Agreement must be in [0, 1], got " + minTop1Agreement);
        }
    }

    /**
     * Absolute error reported but not gated, mean cosine similarity ≥ 0.98, top-1 agreement ≥ 98%. Measured on
     * all-MiniLM-L6-v2 int8: per-token cosine 0.991 on the compiler's generated samples (random token ids, harsher
     * than text) and 0.994 for mean-pooled embeddings of real sentences; a broken pass lands far below 0.9.
     */
    public static Tolerance defaults() {
        return new Tolerance(DEFAULT_MAX_ABSOLUTE_ERROR, DEFAULT_MIN_COSINE_SIMILARITY, DEFAULT_MIN_TOP1_AGREEMENT);
    }
}
