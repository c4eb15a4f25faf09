package dev.sluice.core.artifact;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The compiled model inside an artifact.
 *
 * @param file           the ONNX file, relative to the manifest's directory (the compiler writes {@code model.onnx})
 * @param dtype          {@code float32}, {@code float16} or {@code int8}: the weights' precision after compilation
 * @param inputShapes    the shapes the graph inputs were specialised to (empty: the source's dynamic shapes kept)
 * @param sourceSha256   SHA-256 of the source ONNX file that was compiled
 * @param artifactSha256 SHA-256 of {@link #file}: the compiled model itself. (The digest of the {@code .tar.gz} that
 *                       carries this manifest cannot be inside it; the compiler reports that one separately.)
 */
public record ArtifactModel(String file, String dtype, Map<String, List<Long>> inputShapes, String sourceSha256,
                            String artifactSha256) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final List<String> DTYPES = List.of("float32", "float16", "int8");

    public ArtifactModel {
        file = ArtifactTarget.required(file, "model.file");
        if (file.startsWith("/") || file.contains("..") || file.contains("\\")) {
            throw new IllegalArgumentException("artifact manifest: model.file must be a plain relative path, got '"
                    + file + "'");
        }
        dtype = ArtifactTarget.required(dtype, "model.dtype");
        if (!DTYPES.contains(dtype)) {
            throw new IllegalArgumentException("artifact manifest: model.dtype must be one of " + DTYPES + ", got '"
                    + dtype + "'");
        }
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        if (inputShapes != null) {
            inputShapes.forEach((name, dims) -> shapes.put(name, List.copyOf(dims)));
        }
        inputShapes = java.util.Collections.unmodifiableMap(shapes);
        sourceSha256 = digest(sourceSha256, "model.sourceSha256");
        artifactSha256 = digest(artifactSha256, "model.artifactSha256");
    }

    private static String digest(String value, String field) {
        String v = ArtifactTarget.required(value, field);
        if (!SHA256.matcher(v).matches()) {
            throw new IllegalArgumentException("artifact manifest: " + field
                    + " must be 64 lower-case hex digits (SHA-256), got '" + v + "'");
        }
        return v;
    }
}
