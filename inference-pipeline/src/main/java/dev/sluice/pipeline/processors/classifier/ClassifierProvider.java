package dev.sluice.pipeline.processors.classifier;

import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.spi.ProcessorProvider;
import java.util.List;

/**
 * {@code sluice/classifier}: the post-processor that turns a classification model's logits into labels and
 * probabilities. Options (container Environment):
 * <ul>
 *   <li>{@code INPUT} — the scores tensor, default {@code logits}</li>
 *   <li>{@code ACTIVATION} — {@code softmax} (default), {@code sigmoid} (multi-label) or {@code none} (the scores
 *       already are probabilities)</li>
 *   <li>{@code TOP_K} — classes ranked per row, default 1, capped at the class count</li>
 *   <li>{@code LABELS} — comma-separated labels in class order; or {@code LABELS_FILE}, a file in the model directory
 *       (default {@code labels.txt}, one label per line, else {@code labels.json}, a JSON array of strings). Without
 *       either, classes are named by their index.</li>
 *   <li>{@code OUTPUT_PROBABILITIES} — {@code true} to list every class's probability in responses, default false</li>
 * </ul>
 */
public final class ClassifierProvider implements ProcessorProvider {
    public static final String IMAGE = "sluice/classifier";
    public static final String INPUT = "INPUT";
    public static final String ACTIVATION = "ACTIVATION";
    public static final String TOP_K = "TOP_K";
    public static final String LABELS = "LABELS";
    public static final String LABELS_FILE = "LABELS_FILE";
    public static final String OUTPUT_PROBABILITIES = "OUTPUT_PROBABILITIES";

    @Override
    public String image() {
        return IMAGE;
    }

    @Override
    public String description() {
        return "logits to labels and probabilities (softmax|sigmoid|none, top-k), answers JSON, JSON Lines or CSV; "
                + "options INPUT, ACTIVATION, TOP_K, LABELS or LABELS_FILE (labels.txt|labels.json), OUTPUT_PROBABILITIES";
    }

    @Override
    public ContainerProcessor create(ProcessorContext context) {
        String activationName = context.option(ACTIVATION, "softmax");
        Activation activation = Activation.parse(activationName);
        if (activation == null) {
            throw context.invalid(ACTIVATION, "must be softmax, sigmoid or none, got '" + activationName + "'");
        }
        int topK = context.intOption(TOP_K, ClassifierProcessor.Settings.DEFAULT_TOP_K, 1, Integer.MAX_VALUE);
        Labels.Source labels = Labels.load(context).orElse(null);
        ClassifierProcessor.Settings settings = new ClassifierProcessor.Settings(
                context.option(INPUT, ClassifierProcessor.Settings.DEFAULT_INPUT), activation, topK,
                labels == null ? List.of() : labels.labels(), labels == null ? null : labels.description(),
                context.booleanOption(OUTPUT_PROBABILITIES, false));
        return new ClassifierProcessor(context.hostname(), settings);
    }
}
