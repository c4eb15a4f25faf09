package dev.sluice.recommender;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --hosts FILE}: remote Sluice gateways, each declared with the instance type its machine is, as a YAML or JSON
 * list (or under {@code hosts:}):
 *
 * <pre>
 * - {url: "http://10.0.0.5:8081", dataUrl: "http://10.0.0.5:8080", instanceType: ml.c6g.xlarge}
 * </pre>
 *
 * {@code url} is the admin port (control plane, {@code /metrics}); {@code dataUrl} defaults to the same host on port
 * 8080.
 */
public final class HostsFile {
    private HostsFile() {
    }

    record Entry(String url, String dataUrl, String instanceType) {
    }

    public static List<Gateway> read(Path file) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        JsonNode root;
        try {
            root = mapper.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read hosts file " + file + ": " + e.getMessage(), e);
        }
        if (root != null && root.isObject() && root.has("hosts")) {
            root = root.get("hosts");
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("hosts file " + file + " must be a list of {url, dataUrl, instanceType}");
        }
        List<Gateway> out = new ArrayList<>();
        int i = 0;
        for (JsonNode node : root) {
            i++;
            Entry entry;
            try {
                entry = mapper.treeToValue(node, Entry.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("hosts file " + file + ", entry " + i + ": " + e.getOriginalMessage(),
                        e);
            }
            if (entry.url() == null || entry.instanceType() == null) {
                throw new IllegalArgumentException("hosts file " + file + ", entry " + i
                        + ": url and instanceType are required");
            }
            URI admin = URI.create(entry.url());
            URI data = entry.dataUrl() != null ? URI.create(entry.dataUrl())
                    : URI.create(admin.getScheme() + "://" + admin.getHost() + ":8080");
            out.add(Gateway.remoteHost(admin, data, entry.instanceType()));
        }
        return out;
    }
}
