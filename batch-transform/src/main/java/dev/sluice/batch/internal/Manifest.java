package dev.sluice.batch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which inputs a previous run of the same configuration completed. The fingerprint covers every option that changes an
 * output's bytes, so a changed filter or split re-runs everything; the input's size guards against a replaced file.
 * Rewritten whole after each completed file: simple, and a crash loses at most the file in progress.
 */
public final class Manifest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final String fingerprint;
    private final Map<String, Long> completed = new TreeMap<>();

    public Manifest(String fingerprint) {
        this.fingerprint = fingerprint;
    }

    /** The manifest of a previous run, or an empty one when there was none or it was for another configuration. */
    public static Manifest load(Store output, String fingerprint) throws IOException {
        Manifest manifest = new Manifest(fingerprint);
        var stored = output.readManifest();
        if (stored.isEmpty()) {
            return manifest;
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(stored.get());
        } catch (IOException e) {
            return manifest; // a damaged manifest only costs a full re-run
        }
        if (root != null && fingerprint.equals(root.path("fingerprint").asText())) {
            root.path("completed").properties().forEach(e -> manifest.completed.put(e.getKey(),
                    e.getValue().path("inputBytes").asLong(-1)));
        }
        return manifest;
    }

    public synchronized boolean isCompleted(String relativePath, long inputBytes) {
        Long size = completed.get(relativePath);
        return size != null && size == inputBytes;
    }

    public synchronized byte[] complete(String relativePath, long inputBytes) throws IOException {
        completed.put(relativePath, inputBytes);
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", 1);
        root.put("fingerprint", fingerprint);
        ObjectNode files = root.putObject("completed");
        completed.forEach((k, v) -> files.putObject(k).put("inputBytes", v));
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }
}
