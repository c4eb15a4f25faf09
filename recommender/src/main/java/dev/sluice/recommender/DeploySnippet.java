package dev.sluice.recommender;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.recommender.internal.HostingRequests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How to deploy a recommendation: the control-plane requests (the same documents the load tests sent, with the
 * recommended instance count) and the equivalent {@code ./sluice serve} command and config file.
 *
 * @param serveCommand    flags for {@code ./sluice serve}; when the configuration needs pipeline options that have no
 *                        flag, the command points at the config file instead
 * @param serveConfigYaml the same as a {@code --config} file
 */
public record DeploySnippet(ObjectNode createModel, ObjectNode createEndpointConfig, ObjectNode createEndpoint,
                            String serveCommand, String serveConfigYaml) {
    public static final String MODEL_NAME = "recommended-model";
    public static final String CONFIG_NAME = "recommended-config";
    public static final String ENDPOINT_NAME = "recommended";
    public static final String CONFIG_FILE = "sluice-serve.yaml";
    private static final Set<String> RUNNER_KEYS = Set.of(Candidate.ENV_WORKERS, Candidate.ENV_INTRA_OP_THREADS,
            Candidate.ENV_BATCHING, Candidate.ENV_MAX_BATCH_SIZE, Candidate.ENV_MAX_BATCH_DELAY_MS);

    /** The snippet for a row of a report (measured on a {@code --hosts} gateway, it uses the remote artifact URL). */
    public static DeploySnippet of(RecommendationReport report, Recommendation r) {
        ModelUnderTest model = report.request().model();
        Candidate c = r.candidate();
        boolean remote = r.gateway() != null && report.request().hosts().stream()
                .anyMatch(h -> h.adminUrl().toString().equals(r.gateway()));
        String dataUrl = c.artifact().modelDataUrlFor(remote);
        ObjectNode createModel = HostingRequests.createModel(MODEL_NAME, model.image(), dataUrl, r.environment());
        ObjectNode createConfig = HostingRequests.createEndpointConfig(CONFIG_NAME, MODEL_NAME, c.instanceType().name(),
                Math.max(1, r.initialInstanceCount()));
        ObjectNode createEndpoint = HostingRequests.createEndpoint(ENDPOINT_NAME, CONFIG_NAME);

        Map<String, String> options = new LinkedHashMap<>();
        r.environment().forEach((k, v) -> {
            if (!RUNNER_KEYS.contains(k)) {
                options.put(k, v);
            }
        });
        boolean embedding = model.image().startsWith(ModelUnderTest.IMAGE_SENTENCE_EMBEDDING);
        String source = dataUrl == null ? "builtin:minilm" : dataUrl;
        List<String> flags = new ArrayList<>(List.of("./sluice", "serve"));
        boolean demo = embedding && dataUrl == null && !c.batching().enabled()
                && options.equals(Map.of("perSequence", "true"));
        if (demo) {
            // With no model arguments serve runs the built-in MiniLM exactly so: per sequence, batching off.
        } else if (!options.isEmpty()) {
            flags.add("--config");
            flags.add(CONFIG_FILE);
        } else {
            flags.add(embedding ? "--embedding-model" : "--model");
            flags.add(ENDPOINT_NAME + "=" + source);
        }
        flags.add("--workers");
        flags.add(Integer.toString(c.workers()));
        flags.add("--intra-op-threads");
        flags.add(Integer.toString(c.intraOpThreads()));
        if (!c.batching().enabled()) {
            if (!demo) {
                flags.add("--no-batching");
            }
        } else {
            flags.add("--max-batch-size");
            flags.add(Integer.toString(c.batching().maxBatchSize()));
            flags.add("--max-batch-delay-ms");
            flags.add(Format.number(c.batching().maxDelayMillis()));
        }

        StringBuilder yaml = new StringBuilder();
        yaml.append("# ./sluice serve --config ").append(CONFIG_FILE).append("  (").append(r.recommendationId())
                .append(")\n");
        yaml.append("models:\n");
        yaml.append("  - name: ").append(ENDPOINT_NAME).append('\n');
        yaml.append("    source: ").append(quote(source)).append('\n');
        yaml.append("    pipeline: ").append(embedding ? "sentence-embedding" : "tensor").append('\n');
        yaml.append("    workers: ").append(c.workers()).append('\n');
        yaml.append("    intraOpThreads: ").append(c.intraOpThreads()).append('\n');
        if (c.batching().enabled()) {
            yaml.append("    batching: {enabled: true, maxBatchSize: ").append(c.batching().maxBatchSize())
                    .append(", maxQueueDelayMs: ").append(Format.number(c.batching().maxDelayMillis())).append("}\n");
        } else {
            yaml.append("    batching: {enabled: false}\n");
        }
        if (!options.isEmpty()) {
            yaml.append("    options: {");
            List<String> entries = new ArrayList<>();
            options.forEach((k, v) -> entries.add(quote(k) + ": " + quote(v)));
            yaml.append(String.join(", ", entries)).append("}\n");
        }
        return new DeploySnippet(createModel, createConfig, createEndpoint, String.join(" ", flags), yaml.toString());
    }

    /** A YAML double-quoted scalar (JSON string escaping is valid YAML). */
    private static String quote(String s) {
        return new com.fasterxml.jackson.databind.node.TextNode(s).toString();
    }
}
