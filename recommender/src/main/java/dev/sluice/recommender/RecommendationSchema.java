package dev.sluice.recommender;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;

/**
 * The JSON Schema of {@code recommendations.json} (committed as the resource {@value #RESOURCE}). The writer checks
 * every report against it before writing, so a report that does not match its published schema is a bug that fails
 * loudly rather than a file that tools downstream misread.
 */
public final class RecommendationSchema {
    public static final String RESOURCE = "recommendations.schema.json";
    private static final JsonSchema SCHEMA = load();

    private RecommendationSchema() {
    }

    /** The schema's text, to publish next to a report. */
    public static String text() {
        try (InputStream in = RecommendationSchema.class.getResourceAsStream(RESOURCE)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema violations of a document, each with its JSON path; empty when it conforms. */
    public static List<String> validate(JsonNode document) {
        return SCHEMA.validate(document).stream()
                .sorted(Comparator.comparing(ValidationMessage::getMessage))
                .map(ValidationMessage::getMessage).toList();
    }

    private static JsonSchema load() {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        try (InputStream in = RecommendationSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the schema resource " + RESOURCE + " is missing");
            }
            return factory.getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
