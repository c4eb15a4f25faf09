package dev.sluice.pipeline.spi;

import dev.sluice.core.codec.CodecRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a processor container is created from.
 *
 * @param hostname    the container's hostname (or {@code container-N}), for messages
 * @param environment the container's Environment: the processor's options, keys in upper snake case
 * @param modelDir    the container's localized ModelDataUrl (a directory holding e.g. {@code tokenizer.json},
 *                    {@code labels.txt}, {@code features.json}), or null when it has none
 * @param codecs      the payload codecs, for processors that decode or encode part of a payload with them
 */
public record ProcessorContext(String hostname, Map<String, String> environment, Path modelDir, CodecRegistry codecs) {

    public ProcessorContext {
        Objects.requireNonNull(hostname, "hostname");
        environment = environment == null ? Map.of() : Map.copyOf(environment);
        Objects.requireNonNull(codecs, "codecs");
    }

    public Optional<String> option(String key) {
        String value = environment.get(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public String option(String key, String fallback) {
        return option(key).orElse(fallback);
    }

    public String requiredOption(String key) {
        return option(key).orElseThrow(() -> invalid(key, "is required"));
    }

    public int intOption(String key, int fallback, int min, int max) {
        Optional<String> value = option(key);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.get());
            if (parsed < min || parsed > max) {
                throw invalid(key, "must be between " + min + " and " + max + ", got " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw invalid(key, "must be a whole number, got '" + value.get() + "'");
        }
    }

    public boolean booleanOption(String key, boolean fallback) {
        Optional<String> value = option(key);
        if (value.isEmpty()) {
            return fallback;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw invalid(key, "must be true or false, got '" + value.get() + "'");
        };
    }

    /** A comma-separated list of numbers, e.g. {@code 0.485,0.456,0.406}; empty when the key is absent. */
    public float[] floatsOption(String key) {
        Optional<String> value = option(key);
        if (value.isEmpty()) {
            return new float[0];
        }
        String[] parts = value.get().split(",");
        float[] floats = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                floats[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw invalid(key, "must be comma-separated numbers, got '" + value.get() + "'");
            }
            if (!Float.isFinite(floats[i])) {
                throw invalid(key, "must hold finite numbers, got '" + value.get() + "'");
            }
        }
        return floats;
    }

    /** A comma-separated list of strings, trimmed; empty when the key is absent. */
    public List<String> listOption(String key) {
        Optional<String> value = option(key);
        List<String> items = new ArrayList<>();
        value.ifPresent(v -> {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    items.add(part.trim());
                }
            }
        });
        return items;
    }

    /**
     * A file an option names: an absolute path as is, a relative one inside {@link #modelDir()} (never outside it);
     * when the option is absent, {@code defaultName} inside the model directory if it exists there.
     *
     * @return the existing regular file, or empty when neither the option nor the default names one
     * @throws IllegalArgumentException when the option names a file that does not exist or escapes the model directory
     */
    public Optional<Path> file(String key, String defaultName) {
        Optional<String> value = option(key);
        if (value.isEmpty()) {
            if (defaultName == null || modelDir == null) {
                return Optional.empty();
            }
            Path candidate = modelDir.resolve(defaultName);
            return Files.isRegularFile(candidate) ? Optional.of(candidate) : Optional.empty();
        }
        Path path = Path.of(value.get());
        if (!path.isAbsolute()) {
            if (modelDir == null) {
                throw invalid(key, "names a relative path '" + value.get() + "' but the container has no "
                        + "ModelDataUrl to resolve it in");
            }
            Path base = modelDir.toAbsolutePath().normalize();
            path = base.resolve(path).normalize();
            if (!path.startsWith(base)) {
                throw invalid(key, "'" + value.get() + "' points outside the model directory");
            }
        }
        if (!Files.isRegularFile(path)) {
            throw invalid(key, "file '" + value.get() + "' does not exist");
        }
        return Optional.of(path);
    }

    /** An IllegalArgumentException naming the container and the key, for option errors. */
    public IllegalArgumentException invalid(String key, String message) {
        return new IllegalArgumentException("container '" + hostname + "': Environment." + key + " " + message);
    }
}
