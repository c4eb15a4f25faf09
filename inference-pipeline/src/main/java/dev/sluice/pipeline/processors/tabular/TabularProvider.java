package dev.sluice.pipeline.processors.tabular;

import dev.sluice.pipeline.spi.ContainerProcessor;
import dev.sluice.pipeline.spi.ProcessorContext;
import dev.sluice.pipeline.spi.ProcessorProvider;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code sluice/tabular}: the pre-processor that turns CSV, JSON or JSON Lines records into a tabular model's FP32
 * feature matrix, as a feature spec file says. Options (container Environment):
 * <ul>
 *   <li>{@code FEATURE_SPEC} — the spec file, default {@code features.json} (else {@code features.yaml} or
 *       {@code features.yml}) in the model directory; see {@link FeatureSpec}</li>
 *   <li>{@code MAX_ROWS} — most records per request, default 10000</li>
 * </ul>
 */
public final class TabularProvider implements ProcessorProvider {
    public static final String IMAGE = "sluice/tabular";
    public static final String FEATURE_SPEC = "FEATURE_SPEC";
    public static final String MAX_ROWS = "MAX_ROWS";
    static final String DEFAULT_SPEC = "features.json";

    @Override
    public String image() {
        return IMAGE;
    }

    @Override
    public String description() {
        return "CSV/JSON/JSON Lines records to an FP32 feature matrix (standardised numerics, one-hot categoricals, "
                + "defaults); options FEATURE_SPEC (features.json), MAX_ROWS (10000)";
    }

    @Override
    public ContainerProcessor create(ProcessorContext context) {
        Optional<Path> file = context.file(FEATURE_SPEC, DEFAULT_SPEC);
        if (file.isEmpty()) {
            file = context.file(FEATURE_SPEC, "features.yaml").or(() -> context.file(FEATURE_SPEC, "features.yml"));
        }
        Path specFile = file.orElseThrow(() -> context.invalid(FEATURE_SPEC, "is not set and the container's "
                + "ModelDataUrl holds no " + DEFAULT_SPEC + (context.modelDir() == null ? " (it has no ModelDataUrl)"
                : " (looked in " + context.modelDir() + ")")));
        FeatureSpec spec;
        try {
            spec = FeatureSpec.read(specFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("container '" + context.hostname() + "': " + e.getMessage(), e);
        }
        int maxRows = context.intOption(MAX_ROWS, TabularProcessor.DEFAULT_MAX_ROWS, 1,
                (int) Math.min(Integer.MAX_VALUE, dev.sluice.core.tensor.Tensor.MAX_ELEMENTS / spec.width()));
        return new TabularProcessor(context.hostname(), spec, maxRows);
    }
}
