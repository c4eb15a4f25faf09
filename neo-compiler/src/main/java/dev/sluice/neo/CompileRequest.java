package dev.sluice.neo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One compilation: {@code ./sluice compile --model PATH --target TARGET [--input-shapes JSON]
 * [--compiler-options JSON] --output OUT.tar.gz}, or a control-plane {@code CreateCompilationJob}.
 *
 * @param model           an {@code .onnx} file, a directory holding one ({@code model.onnx}, or the only one) or a
 *                        {@code model.tar.gz}; files beside the model (a {@code tokenizer.json}, ...) are carried into
 *                        the artifact
 * @param target          a SageMaker target device or a platform, see {@link Targets}
 * @param inputShapes     SageMaker's {@code DataInputConfig}: graph input name → concrete shape to specialise to;
 *                        empty keeps the model's dynamic shapes
 * @param compilerOptions {@code dtype}, {@code mcpu}, {@code mattr} (see {@link CompilerOptions}); may be empty
 * @param output          the {@code OUT.tar.gz} to write (replaced if it exists)
 * @param samples         a JSON file of sample inputs for the accuracy gate, or null to generate them from the input
 *                        specs
 * @param tolerance       accuracy gate tolerance, null for {@link Tolerance#defaults()}
 */
public record CompileRequest(Path model, String target, Map<String, long[]> inputShapes,
                             Map<String, String> compilerOptions, Path output, Path samples, Tolerance tolerance) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_RANK = 16;

    public CompileRequest {
        Objects.requireNonNull(model, "model must not be null");
        Target resolved = Targets.resolve(target);
        target = target.trim();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        if (inputShapes != null) {
            for (Map.Entry<String, long[]> e : inputShapes.entrySet()) {
                shapes.put(checkName(e.getKey()), checkShape(e.getKey(), e.getValue()));
            }
        }
        inputShapes = Collections.unmodifiableMap(shapes);
        compilerOptions = compilerOptions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(
                compilerOptions));
        CompilerOptions.resolve(resolved, compilerOptions);
        Objects.requireNonNull(output, "output must not be null");
        String out = output.getFileName() == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!out.endsWith(".tar.gz") && !out.endsWith(".tgz")) {
            throw new IllegalArgumentException("output must be a .tar.gz (or .tgz) file, got " + output);
        }
        tolerance = tolerance == null ? Tolerance.defaults() : tolerance;
    }

    /** The resolved {@link #target}. */
    public Target resolvedTarget() {
        return Targets.resolve(target);
    }

    /** The compiler options checked against the target (dtype, required CPU features). */
    public CompilerOptions options() {
        return CompilerOptions.resolve(resolvedTarget(), compilerOptions);
    }

    /**
     * Reads {@code --input-shapes} / SageMaker's {@code DataInputConfig}: {@code {"input_ids":[1,128]}}, or a list
     * {@code [{"name":"input_ids","shape":[1,128]}]}. Null or blank is empty.
     *
     * @throws IllegalArgumentException with what was expected and what is wrong
     */
    public static Map<String, long[]> parseInputShapes(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("input shapes are not valid JSON (expected e.g. {\"input_ids\":[1,128]}): "
                    + e.getOriginalMessage());
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        if (root != null && root.isObject()) {
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                shapes.put(checkName(e.getKey()), checkShape(e.getKey(), dims(e.getKey(), e.getValue())));
            }
        } else if (root != null && root.isArray()) {
            for (JsonNode item : root) {
                JsonNode name = item.get("name");
                JsonNode shape = item.get("shape");
                if (!item.isObject() || name == null || !name.isTextual() || shape == null) {
                    throw new IllegalArgumentException("input shapes: each list item must be {\"name\": ..., \"shape\":"
                            + " [...]}, got " + item);
                }
                shapes.put(checkName(name.asText()), checkShape(name.asText(), dims(name.asText(), shape)));
            }
        } else {
            throw new IllegalArgumentException("input shapes must be a JSON object such as {\"input_ids\":[1,128]}, got "
                    + json.trim());
        }
        return Collections.unmodifiableMap(shapes);
    }

    /**
     * Reads {@code --compiler-options}: a JSON object of strings ({@code {"dtype":"int8","mcpu":"cascadelake"}}); a
     * list value ({@code "mattr":["+avx512f","+avx512vnni"]}) is joined with commas. Null or blank is empty. Keys are
     * checked against the target when the request is built.
     */
    public static Map<String, String> parseCompilerOptions(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("compiler options are not valid JSON (expected e.g. {\"dtype\":\"int8\"}): "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("compiler options must be a JSON object such as {\"dtype\":\"int8\"}, got "
                    + json.trim());
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode v = e.getValue();
            if (v.isArray()) {
                StringBuilder joined = new StringBuilder();
                for (JsonNode item : v) {
                    if (!item.isValueNode()) {
                        throw new IllegalArgumentException("compiler option " + e.getKey() + ": list items must be"
                                + " strings, got " + item);
                    }
                    joined.append(joined.isEmpty() ? "" : ",").append(item.asText());
                }
                options.put(e.getKey(), joined.toString());
            } else if (v.isValueNode() && !v.isNull()) {
                options.put(e.getKey(), v.asText());
            } else {
                throw new IllegalArgumentException("compiler option " + e.getKey() + " must be a string, got " + v);
            }
        }
        return Collections.unmodifiableMap(options);
    }

    private static long[] dims(String name, JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("input shape for '" + name + "' must be a list of positive integers such"
                    + " as [1,128], got " + node);
        }
        long[] dims = new long[node.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = node.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber()) {
                throw new IllegalArgumentException("input shape for '" + name + "': dimension " + i
                        + " must be a positive integer, got " + d);
            }
            dims[i] = d.asLong();
        }
        return dims;
    }

    private static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("input shapes: an input name is empty");
        }
        return name;
    }

    private static long[] checkShape(String name, long[] shape) {
        Objects.requireNonNull(shape, () -> "input shape for '" + name + "' is null");
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException("input shape for '" + name + "' has rank " + shape.length + ", more than "
                    + MAX_RANK);
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 1 || shape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("input shape for '" + name + "': dimension " + i + " must be in [1, "
                        + Integer.MAX_VALUE + "], got " + shape[i] + " (shapes to specialise to are concrete)");
            }
        }
        return shape.clone();
    }

    // Arrays make a record's generated equals/hashCode/toString compare identities; these compare contents.

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CompileRequest other)) {
            return false;
        }
        if (!model.equals(other.model) || !target.equals(other.target) || !compilerOptions.equals(other.compilerOptions)
                || !output.equals(other.output) || !Objects.equals(samples, other.samples)
                || !tolerance.equals(other.tolerance) || inputShapes.size() != other.inputShapes.size()) {
            return false;
        }
        for (Map.Entry<String, long[]> e : inputShapes.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.inputShapes.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(model, target, compilerOptions, output, samples, tolerance);
        for (Map.Entry<String, long[]> e : inputShapes.entrySet()) {
            h = 31 * h + e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder shapes = new StringBuilder("{");
        inputShapes.forEach((k, v) -> shapes.append(shapes.length() > 1 ? ", " : "").append(k).append('=')
                .append(Arrays.toString(v)));
        return "CompileRequest[model=" + model + ", target=" + target + ", inputShapes=" + shapes.append('}')
                + ", compilerOptions=" + compilerOptions + ", output=" + output + ", samples=" + samples
                + ", tolerance=" + tolerance + "]";
    }
}
