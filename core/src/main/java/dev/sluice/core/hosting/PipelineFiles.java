package dev.sluice.core.hosting;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.core.SluiceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Pipeline files for {@code sluice serve --pipeline NAME=FILE}: a CreateModel request written as YAML or JSON
 * ({@code Containers} and {@code InferenceExecutionConfig}, or a {@code PrimaryContainer}), so a pipeline served
 * from the command line is exactly the model the control plane would create from the same document.
 *
 * <p>{@code ModelName} is optional (NAME wins). A relative {@code ModelDataUrl} — one with no scheme — is resolved
 * against the file's directory, so an example directory can be served from anywhere.
 */
public final class PipelineFiles {
    private static final int MAX_FILE_BYTES = 1 << 20;

    private PipelineFiles() {
    }

    /**
     * Reads and validates a pipeline file.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it (SageMaker's validation message)
     */
    public static ModelDefinition read(Path file, String name) {
        JsonNode tree = parse(file);
        if (!(tree instanceof ObjectNode request)) {
            throw new IllegalArgumentException("pipeline file " + file + " must hold a CreateModel request (an object "
                    + "with Containers), got " + (tree == null ? "nothing" : tree.getNodeType().name().toLowerCase(
                    Locale.ROOT)));
        }
        request.put("ModelName", name);
        Path base = file.toAbsolutePath().getParent();
        resolveModelData(request.get("PrimaryContainer"), base);
        JsonNode containers = request.get("Containers");
        if (containers != null && containers.isArray()) {
            containers.forEach(container -> resolveModelData(container, base));
        }
        try {
            return HostingShapes.parseModel(request);
        } catch (SluiceException e) {
            throw new IllegalArgumentException("pipeline file " + file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException("pipeline file " + file + " is larger than 1 MiB");
            }
            String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
            ObjectMapper mapper = lower.endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
            return mapper.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new IllegalArgumentException("pipeline file " + file + " is not valid "
                    + (file.toString().endsWith(".json") ? "JSON" : "YAML") + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pipeline file " + file, e);
        }
    }

    private static void resolveModelData(JsonNode container, Path base) {
        if (!(container instanceof ObjectNode object)) {
            return;
        }
        JsonNode url = object.get("ModelDataUrl");
        if (url == null || !url.isTextual() || url.asText().isBlank()) {
            return;
        }
        String value = url.asText().trim();
        // Anything with a scheme (s3://, file:, builtin:, http:) is already absolute; a Windows drive is not a scheme.
        if (value.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*")) {
            return;
        }
        Path path = Path.of(value);
        if (!path.isAbsolute()) {
            object.put("ModelDataUrl", base.resolve(path).normalize().toString());
        }
    }
}
