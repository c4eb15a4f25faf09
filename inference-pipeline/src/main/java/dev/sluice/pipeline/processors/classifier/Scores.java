package dev.sluice.pipeline.processors.classifier;

/** The arithmetic of the classifier, on one row of scores at a time, in double precision. */
final class Scores {
    private Scores() {
    }

    /**
     * Softmax with the row's maximum subtracted first: mathematically the same, but {@code exp} then never sees a
     * positive argument, so logits of 1000 (or 1e30) give probabilities instead of Infinity/NaN. The scores must be
     * finite.
     */
    static void softmax(double[] scores, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            // max - s can overflow to Infinity for scores near ±Double.MAX_VALUE; exp(-Infinity) is 0, which is right.
            double e = Math.exp(scores[i] - max);
            out[i] = e;
            sum += e;
        }
        // sum >= 1: the maximum contributes exp(0).
        for (int i = 0; i < scores.length; i++) {
            out[i] /= sum;
        }
    }

    /** The logistic function per class, in the form that never computes exp of a large positive number. */
    static void sigmoid(double[] scores, double[] out) {
        for (int i = 0; i < scores.length; i++) {
            double s = scores[i];
            if (s >= 0) {
                out[i] = 1 / (1 + Math.exp(-s));
            } else {
                double e = Math.exp(s);
                out[i] = e / (1 + e);
            }
        }
    }

    /**
     * The indices of the {@code k} highest probabilities, highest first; equal probabilities keep class order, so
     * the first of them wins (as NumPy's argmax does).
     */
    static int[] topK(double[] probabilities, int k) {
        int[] order = new int[k];
        if (k <= 16) {
            // Selection: k passes over the row beat sorting every class when k is small, the usual case.
            boolean[] taken = new boolean[probabilities.length];
            for (int r = 0; r < k; r++) {
                int best = -1;
                for (int i = 0; i < probabilities.length; i++) {
                    if (!taken[i] && (best < 0 || probabilities[i] > probabilities[best])) {
                        best = i;
                    }
                }
                taken[best] = true;
                order[r] = best;
            }
            return order;
        }
        Integer[] indices = new Integer[probabilities.length];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = i;
        }
        // A stable sort, so equal probabilities stay in class order.
        java.util.Arrays.sort(indices, (a, b) -> Double.compare(probabilities[b], probabilities[a]));
        for (int r = 0; r < k; r++) {
            order[r] = indices[r];
        }
        return order;
    }
}
