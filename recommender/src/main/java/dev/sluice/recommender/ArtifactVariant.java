package dev.sluice.recommender;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One artifact of the model to measure: the original, or a compiled one (e.g. an int8 or fp16 build written by
 * {@code sluice compile}). Each becomes its own set of candidates.
 *
 * @param name           short label shown in the report ({@code original}, {@code int8}, ...)
 * @param modelDataUrl   what CreateModel's {@code ModelDataUrl} says on a local gateway: a path, {@code file://} or
 *                       {@code s3://} URL; null for images that need none (the built-in MiniLM)
 * @param remoteDataUrl  the same artifact as remote hosts reach it ({@code --hosts}); null means {@code modelDataUrl}
 *                       (right when it is an {@code s3://} URL or a path every host shares)
 */
public record ArtifactVariant(String name, String modelDataUrl, String remoteDataUrl) {
    public static final String ORIGINAL = "original";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}");

    public ArtifactVariant {
        Objects.requireNonNull(name, "artifact name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("artifact name '" + name
                    + "' must be 1-31 letters, digits, '.', '_' or '-'");
        }
        if (modelDataUrl != null && modelDataUrl.isBlank()) {
            modelDataUrl = null;
        }
        if (remoteDataUrl != null && remoteDataUrl.isBlank()) {
            remoteDataUrl = null;
        }
    }

    public static ArtifactVariant original(String modelDataUrl) {
        return new ArtifactVariant(ORIGINAL, modelDataUrl, null);
    }

    /** The ModelDataUrl for a gateway: remote hosts may reach the artifact under another URL. */
    public String modelDataUrlFor(boolean remote) {
        return remote && remoteDataUrl != null ? remoteDataUrl : modelDataUrl;
    }
}
