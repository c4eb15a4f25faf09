package dev.sluice.variants.internal;

/**
 * Additive-recurrence (Weyl) sequences in 64-bit fixed point: point n is frac(n·α). Consecutive points fill
 * [0, 1) so evenly that the fraction landing in any interval differs from its length by O(log N / N), far closer
 * than independent random draws (whose error is O(1/√N)). Traffic splits therefore match their weights almost
 * exactly over any window of requests, and the only shared state is one counter per stream.
 *
 * <p>The products are taken modulo 2^64, which is exactly frac(n·α) with α stored to 64 bits: no precision is
 * lost however large n grows, unlike {@code n * 0.618…} in doubles.
 */
public final class LowDiscrepancy {
    /** frac(golden ratio) = 0.6180339887… in 64-bit fixed point: the slowest-to-cluster rotation there is. */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    /**
     * frac(√2) = 0.4142135623… For a second stream that runs in step with a golden one: 1, φ and √2 are
     * rationally independent, so the pair of streams is jointly equidistributed and a shadow sample is not
     * correlated with the variant a request was routed to.
     */
    private static final long SQRT2 = 0x6A09E667F3BCC908L;

    private static final double TWO_TO_MINUS_53 = 0x1.0p-53;

    private LowDiscrepancy() {
    }

    /** Point n of the golden-ratio sequence, in [0, 1). */
    public static double golden(long n) {
        return ((n * GOLDEN) >>> 11) * TWO_TO_MINUS_53;
    }

    /** Point n of the √2 sequence, in [0, 1). */
    public static double sqrt2(long n) {
        return ((n * SQRT2) >>> 11) * TWO_TO_MINUS_53;
    }
}
