package dev.sluice.recommender;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Instance types with their prices. The default ({@link #defaults()}) is a resource of common {@code ml.*} types with
 * us-east-1 on-demand prices; {@code --catalog FILE} (YAML or JSON of the same shape) replaces it.
 *
 * @param pricesAsOf when the prices were taken (free text, e.g. {@code 2024-06})
 * @param region     the region the prices are for
 * @param note       where the prices come from and how far to trust them; shown in the report
 */
public record InstanceCatalog(String pricesAsOf, String region, String note, List<InstanceType> instanceTypes) {
    private static final String DEFAULT_RESOURCE = "default-catalog.yaml";

    public InstanceCatalog {
        Objects.requireNonNull(instanceTypes, "instanceTypes");
        instanceTypes = List.copyOf(instanceTypes);
        if (instanceTypes.isEmpty()) {
            throw new IllegalArgumentException("the catalog must name at least one instance type");
        }
        Set<String> names = new HashSet<>();
        for (InstanceType type : instanceTypes) {
            if (!names.add(type.name())) {
                throw new IllegalArgumentException("instance type '" + type.name() + "' is listed twice in the catalog");
            }
        }
        pricesAsOf = pricesAsOf == null ? "unknown" : pricesAsOf;
        region = region == null ? "unknown" : region;
        note = note == null ? "" : note;
    }

    public static InstanceCatalog defaults() {
        try (InputStream in = InstanceCatalog.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the default instance catalog resource is missing");
            }
            return mapper().readValue(in, InstanceCatalog.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the default instance catalog", e);
        }
    }

    /** A catalog file, YAML or JSON; unknown fields are an error so that a typo does not silently drop a price. */
    public static InstanceCatalog read(Path file) {
        try {
            InstanceCatalog catalog = mapper().readValue(Files.readAllBytes(file), InstanceCatalog.class);
            if (catalog == null) {
                throw new IllegalArgumentException("catalog file " + file + " is empty");
            }
            return catalog;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read catalog file " + file + ": " + e.getMessage(), e);
        }
    }

    public Optional<InstanceType> find(String name) {
        return instanceTypes.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public InstanceType require(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("instance type '" + name
                + "' is not in the catalog (" + instanceTypes.stream().map(InstanceType::name).toList() + ")"));
    }

    /**
     * The type that stands for a machine with these vCPUs and architecture: the first CPU-only catalog entry that
     * matches, so the catalog's order states the preference (the default lists {@code ml.c5} first).
     */
    public Optional<InstanceType> forMachine(int vCpus, String arch) {
        String normalized = InstanceType.normalizeArch(arch);
        return instanceTypes.stream()
                .filter(t -> t.vCpus() == vCpus && t.arch().equals(normalized) && !t.hasAccelerator())
                .findFirst();
    }

    /** This JVM's machine: available processors and {@code os.arch}. */
    public Optional<InstanceType> forThisMachine() {
        return forMachine(Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"));
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
