package dev.sluice.pipeline.processors.classifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.pipeline.spi.ProcessorContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Class labels from {@code LABELS}, {@code LABELS_FILE}, or {@code labels.txt}/{@code labels.json} in the model dir. */
final class Labels {
    static final String DEFAULT_TEXT_FILE = "labels.txt";
    static final String DEFAULT_JSON_FILE = "labels.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The labels and where they came from, for messages. */
    record Source(List<String> labels, String description) {
        Source {
            labels = List.copyOf(labels);
        }
    }

    private Labels() {
    }

    /** The configured labels; empty when none are configured (the classes are then named by index). */
    static Optional<Source> load(ProcessorContext context) {
        Optional<String> inline = context.option(ClassifierProvider.LABELS);
        if (inline.isPresent()) {
            if (context.option(ClassifierProvider.LABELS_FILE).isPresent()) {
                throw context.invalid(ClassifierProvider.LABELS, "and Environment." + ClassifierProvider.LABELS_FILE
                        + " are both set; use one");
            }
            List<String> labels = context.listOption(ClassifierProvider.LABELS);
            if (labels.isEmpty()) {
                throw context.invalid(ClassifierProvider.LABELS, "holds no labels");
            }
            return Optional.of(new Source(labels, "Environment." + ClassifierProvider.LABELS));
        }
        Optional<Path> file = context.file(ClassifierProvider.LABELS_FILE, DEFAULT_TEXT_FILE);
        if (file.isEmpty()) {
            file = context.file(ClassifierProvider.LABELS_FILE, DEFAULT_JSON_FILE);
        }
        return file.map(path -> new Source(read(context, path), path.getFileName().toString()));
    }

    private static List<String> read(ProcessorContext context, Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("container '" + context.hostname() + "': cannot read labels file " + path, e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> labels = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
                ? fromJson(context, path, text)
                : fromLines(context, path, text);
        if (labels.isEmpty()) {
            throw context.invalid(ClassifierProvider.LABELS_FILE, "file '" + path.getFileName() + "' holds no labels");
        }
        return labels;
    }

    /** One label per line; trailing blank lines are ignored, a blank line between labels would shift every index after it. */
    private static List<String> fromLines(ProcessorContext context, Path path, String text) {
        List<String> lines = new ArrayList<>(text.lines().map(String::strip).toList());
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isEmpty()) {
                throw context.invalid(ClassifierProvider.LABELS_FILE, "file '" + path.getFileName() + "' has a blank "
                        + "line " + (i + 1) + "; every class needs a label, one per line");
            }
        }
        return lines;
    }

    private static List<String> fromJson(ProcessorContext context, Path path, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw context.invalid(ClassifierProvider.LABELS_FILE, "file '" + path.getFileName()
                    + "' is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray()) {
            throw context.invalid(ClassifierProvider.LABELS_FILE, "file '" + path.getFileName()
                    + "' must hold a JSON array of strings, e.g. [\"cat\", \"dog\"]");
        }
        List<String> labels = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            JsonNode label = root.get(i);
            if (!label.isTextual() || label.asText().isBlank()) {
                throw context.invalid(ClassifierProvider.LABELS_FILE, "file '" + path.getFileName() + "': entry " + i
                        + " must be a non-empty string, got " + label);
            }
            labels.add(label.asText());
        }
        return labels;
    }
}
