package dev.sluice.pipeline.processors.classifier;

import java.util.Locale;

/** How the classifier turns a row of scores into probabilities ({@code ACTIVATION}). */
public enum Activation {
    /** One label per row: the scores are logits of mutually exclusive classes. */
    SOFTMAX,
    /** Multi-label: each class is an independent yes/no, so the probabilities of a row do not sum to 1. */
    SIGMOID,
    /** The model already outputs probabilities (e.g. it ends in its own Softmax). */
    NONE;

    /** The option value, case-insensitively; null when it names no activation. */
    static Activation parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "softmax" -> SOFTMAX;
            case "sigmoid" -> SIGMOID;
            case "none" -> NONE;
            default -> null;
        };
    }
}
