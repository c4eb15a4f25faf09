package dev.sluice.recommender;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a report's files into a directory: {@code recommendations.json} (checked against its schema first),
 * {@code report.html}, {@code recommendations.schema.json} beside them, and the deployment files of the
 * recommendation ({@code create-model.json}, {@code create-endpoint-config.json}, {@code create-endpoint.json},
 * {@code sluice-serve.yaml}).
 */
public final class ReportWriter {
    public static final String JSON_FILE = "recommendations.json";
    public static final String HTML_FILE = "report.html";
    public static final String SCHEMA_FILE = "recommendations.schema.json";

    private ReportWriter() {
    }

    /** @return the files written */
    public static List<Path> write(RecommendationReport report, Path dir) throws IOException {
        ObjectNode json = ReportJson.toJson(report);
        List<String> violations = RecommendationSchema.validate(json);
        if (!violations.isEmpty()) {
            throw new IllegalStateException("the report does not match its own schema: " + violations);
        }
        Files.createDirectories(dir);
        List<Path> written = new java.util.ArrayList<>();
        written.add(writeAtomically(dir.resolve(JSON_FILE), ReportJson.write(report)));
        written.add(writeAtomically(dir.resolve(HTML_FILE), HtmlReport.render(report)));
        written.add(writeAtomically(dir.resolve(SCHEMA_FILE), RecommendationSchema.text()));
        if (report.recommended() != null) {
            DeploySnippet d = DeploySnippet.of(report, report.recommended());
            written.add(writeAtomically(dir.resolve("create-model.json"), d.createModel().toPrettyString() + "\n"));
            written.add(writeAtomically(dir.resolve("create-endpoint-config.json"),
                    d.createEndpointConfig().toPrettyString() + "\n"));
            written.add(writeAtomically(dir.resolve("create-endpoint.json"), d.createEndpoint().toPrettyString() + "\n"));
            written.add(writeAtomically(dir.resolve(DeploySnippet.CONFIG_FILE), d.serveConfigYaml()));
        }
        return written;
    }

    /** A reader (a browser refreshing the report) sees the old file or the new one, never half of one. */
    private static Path writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        return Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
