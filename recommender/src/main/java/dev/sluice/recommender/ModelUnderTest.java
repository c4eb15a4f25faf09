package dev.sluice.recommender;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The model to recommend a configuration for, as a user would deploy it with CreateModel, and the request body that
 * the load test sends.
 *
 * @param description          what the report calls it (a path, {@code builtin:minilm})
 * @param image                the container image: {@code sluice/onnx}, {@code sluice/sentence-embedding}, ...
 * @param artifacts            the artifacts to measure, the original first; each multiplies the candidate grid
 * @param environment          container environment every candidate gets (pipeline options, for example)
 * @param unbatchedEnvironment environment only candidates without batching get: the MiniLM demo's
 *                             {@code perSequence=true} runs each text alone and unpadded, which the model host allows
 *                             only with batching off
 * @param payload              the request body; null to derive one from the model's input signature (OIP v2 metadata)
 * @param contentType          the body's media type
 * @param accept               the Accept header, or null
 */
public record ModelUnderTest(String description, String image, List<ArtifactVariant> artifacts,
                             Map<String, String> environment, Map<String, String> unbatchedEnvironment,
                             byte[] payload, String contentType, String accept) {
    public static final String IMAGE_ONNX = "sluice/onnx";
    public static final String IMAGE_SENTENCE_EMBEDDING = "sluice/sentence-embedding";
    /** A sentence of about 16 tokens: a typical short query for a sentence-embedding endpoint. */
    public static final String DEMO_SENTENCE =
            "The quick brown fox jumps over the lazy dog while the recommender measures how fast it can embed this.";

    public ModelUnderTest {
        Objects.requireNonNull(description, "description");
        if (image == null || image.isBlank()) {
            throw new IllegalArgumentException("image must not be empty");
        }
        artifacts = List.copyOf(Objects.requireNonNull(artifacts, "artifacts"));
        if (artifacts.isEmpty()) {
            throw new IllegalArgumentException("at least one artifact is required");
        }
        if (artifacts.stream().map(ArtifactVariant::name).distinct().count() != artifacts.size()) {
            throw new IllegalArgumentException("artifact names must be unique, got "
                    + artifacts.stream().map(ArtifactVariant::name).toList());
        }
        environment = environment == null ? Map.of() : Map.copyOf(environment);
        unbatchedEnvironment = unbatchedEnvironment == null ? Map.of() : Map.copyOf(unbatchedEnvironment);
        if (payload != null && payload.length == 0) {
            throw new IllegalArgumentException("payload must not be empty");
        }
        payload = payload == null ? null : payload.clone();
        if (contentType == null || contentType.isBlank()) {
            contentType = "application/json";
        }
    }

    /**
     * The demo: the built-in all-MiniLM-L6-v2 int8 behind {@code sluice/sentence-embedding}, one sentence per request.
     * Unbatched candidates run exactly as {@code sluice serve}'s demo does ({@code perSequence}); batched ones pad
     * texts of a batch to a common length, which moves an int8 vector slightly (cosine about 0.99).
     */
    public static ModelUnderTest builtinMinilm() {
        return new ModelUnderTest("builtin:minilm", IMAGE_SENTENCE_EMBEDDING, List.of(ArtifactVariant.original(null)),
                Map.of(), Map.of("perSequence", "true"),
                ("{\"inputs\":[\"" + DEMO_SENTENCE + "\"]}").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "application/json", "application/json");
    }

    @Override
    public byte[] payload() {
        return payload == null ? null : payload.clone();
    }

    /** The same model with one more artifact to measure (a compiled build, say). */
    public ModelUnderTest withArtifact(ArtifactVariant artifact) {
        List<ArtifactVariant> all = new java.util.ArrayList<>(artifacts);
        all.add(artifact);
        return new ModelUnderTest(description, image, all, environment, unbatchedEnvironment, payload, contentType,
                accept);
    }

    public ModelUnderTest withPayload(byte[] body, String type) {
        return new ModelUnderTest(description, image, artifacts, environment, unbatchedEnvironment, body, type, accept);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelUnderTest m && description.equals(m.description) && image.equals(m.image)
                && artifacts.equals(m.artifacts) && environment.equals(m.environment)
                && unbatchedEnvironment.equals(m.unbatchedEnvironment)
                && java.util.Arrays.equals(payload, m.payload) && contentType.equals(m.contentType)
                && Objects.equals(accept, m.accept);
    }

    @Override
    public int hashCode() {
        return Objects.hash(description, image, artifacts, environment, unbatchedEnvironment,
                java.util.Arrays.hashCode(payload), contentType, accept);
    }

    @Override
    public String toString() {
        return "ModelUnderTest[" + description + ", " + image + ", artifacts=" + artifacts + ", payload="
                + (payload == null ? "derived" : payload.length + " bytes " + contentType) + "]";
    }
}
