package dev.sluice.core.hosting;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CreateModel request.
 *
 * @param modelName         the model's name
 * @param containers        never empty: one element for {@code PrimaryContainer}, else {@code Containers} in order
 *                          (the order is the pipeline order for {@link #MODE_SERIAL})
 * @param primaryContainer  true when the request used {@code PrimaryContainer}; DescribeModel answers in the
 *                          same shape the model was created with
 * @param executionMode     {@code InferenceExecutionConfig.Mode}: {@link #MODE_SERIAL} (default) or
 *                          {@link #MODE_DIRECT}
 */
public record ModelDefinition(String modelName, List<ContainerDefinition> containers, boolean primaryContainer,
                              String executionMode) {
    public static final String MODE_SERIAL = "Serial";
    public static final String MODE_DIRECT = "Direct";
    public static final int MAX_CONTAINERS = 15;
    private static final List<String> MODES = List.of(MODE_SERIAL, MODE_DIRECT);

    public ModelDefinition {
        Check.name("ModelName", modelName);
        String listPath = primaryContainer ? "PrimaryContainer" : "Containers";
        containers = Check.elements(listPath, containers);
        if (primaryContainer && containers.size() != 1) {
            throw Check.rule("1 validation error detected: a model created from 'PrimaryContainer' has exactly one "
                    + "container, got " + containers.size());
        }
        Check.size(listPath, containers.size(), 1, MAX_CONTAINERS);
        executionMode = executionMode == null ? MODE_SERIAL : executionMode;
        Check.oneOf("InferenceExecutionConfig.Mode", executionMode, MODES);
        if (!primaryContainer) {
            checkHostnames(containers, executionMode);
        }
    }

    /**
     * Hostnames address containers (Direct invocation, per-container metrics), so two containers may not share
     * one; Direct invocation has no other way to name a container, so there every container needs one.
     */
    private static void checkHostnames(List<ContainerDefinition> containers, String executionMode) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < containers.size(); i++) {
            String path = Check.index("Containers", i) + ".ContainerHostname";
            String hostname = containers.get(i).containerHostname();
            if (hostname == null) {
                if (MODE_DIRECT.equals(executionMode)) {
                    throw Check.violation(path, null,
                            "Member must not be null when InferenceExecutionConfig.Mode is Direct");
                }
                continue;
            }
            Integer first = seen.putIfAbsent(hostname, i);
            if (first != null) {
                throw Check.violation(path, hostname, "Member must be unique within the model (also used by "
                        + Check.index("Containers", first) + ".ContainerHostname)");
            }
        }
    }
}
