package dev.sluice.pipeline.processors.tabular;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the tabular pre-processor turns records into: an FP32 matrix whose columns are, in spec order, one per
 * numeric column ({@code (x - mean) / std}) and one per category of each categorical column (one-hot).
 *
 * @param output  the name of the produced tensor (the model's input), default {@code input}
 * @param columns the columns, in the order their features appear
 * @param header  whether a CSV body starts with a header row
 */
public record FeatureSpec(String output, List<Column> columns, Header header) {
    public static final String DEFAULT_OUTPUT = "input";

    /** Whether a CSV body's first row names the columns. */
    public enum Header {
        /** A header when the first row holds text where a numeric column expects a number. */
        AUTO,
        TRUE,
        FALSE
    }

    /** One field of a record. */
    public sealed interface Column permits Numeric, Categorical {
        String name();

        /** The features this column contributes. */
        int width();

        /** True when a missing or empty value has a default. */
        boolean hasDefault();
    }

    /**
     * A number, standardised as {@code (x - mean) / std}.
     *
     * @param defaultValue the value (before standardisation) used when a record leaves the column out or empty;
     *                     null when the column is required
     */
    public record Numeric(String name, Double defaultValue, double mean, double std) implements Column {
        public Numeric {
            requireName(name);
            if (defaultValue != null && !Double.isFinite(defaultValue)) {
                throw new IllegalArgumentException("column '" + name + "': default must be a finite number");
            }
            if (!Double.isFinite(mean)) {
                throw new IllegalArgumentException("column '" + name + "': mean must be a finite number");
            }
            if (!(std > 0) || !Double.isFinite(std)) {
                throw new IllegalArgumentException("column '" + name + "': std must be a positive finite number, got "
                        + std);
            }
        }

        @Override
        public int width() {
            return 1;
        }

        @Override
        public boolean hasDefault() {
            return defaultValue != null;
        }
    }

    /**
     * A value from a fixed set, one-hot encoded in the order of {@code categories}.
     *
     * @param defaultValue  the category used when a record leaves the column out or empty; null when required
     * @param ignoreUnknown true to encode a category not in the list as all zeros, false to reject it
     */
    public record Categorical(String name, List<String> categories, String defaultValue, boolean ignoreUnknown)
            implements Column {
        public Categorical {
            requireName(name);
            categories = List.copyOf(categories);
            if (categories.isEmpty()) {
                throw new IllegalArgumentException("column '" + name + "': categories must not be empty");
            }
            if (new HashSet<>(categories).size() != categories.size()) {
                throw new IllegalArgumentException("column '" + name + "': categories must not repeat, got "
                        + categories);
            }
            if (defaultValue != null && !categories.contains(defaultValue)) {
                throw new IllegalArgumentException("column '" + name + "': default '" + defaultValue
                        + "' is not one of its categories " + categories);
            }
        }

        @Override
        public int width() {
            return categories.size();
        }

        @Override
        public boolean hasDefault() {
            return defaultValue != null;
        }
    }

    public FeatureSpec {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(header, "header");
        if (output.isBlank()) {
            throw new IllegalArgumentException("output must not be blank");
        }
        if (output.equals(TabularProcessor.RECORDS)) {
            throw new IllegalArgumentException("output must not be '" + TabularProcessor.RECORDS
                    + "', the processor's input");
        }
        columns = List.copyOf(columns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("columns must not be empty");
        }
        Set<String> names = new HashSet<>();
        for (Column column : columns) {
            if (!names.add(column.name())) {
                throw new IllegalArgumentException("column '" + column.name() + "' is declared twice");
            }
        }
    }

    /** F, the width of the produced matrix. */
    public int width() {
        return columns.stream().mapToInt(Column::width).sum();
    }

    /** Column name → position, for records and CSV headers. */
    Map<String, Integer> indexByName() {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            index.put(columns.get(i).name(), i);
        }
        return index;
    }

    List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    private static void requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("every column needs a non-blank name");
        }
    }

    /**
     * Reads a spec file: JSON, or YAML when the name ends in {@code .yaml}/{@code .yml}. Unknown fields are errors, so
     * a typo ({@code "stdev"}) is not silently ignored.
     *
     * @throws IllegalArgumentException naming the file and the field when the spec is invalid
     */
    public static FeatureSpec read(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new YAMLMapper() : new ObjectMapper();
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("feature spec " + file.getFileName() + " cannot be parsed: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read feature spec " + file, e);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("feature spec " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /** Builds a spec from its JSON tree (the form documented on {@link TabularProvider}). */
    public static FeatureSpec parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("must be an object with \"columns\"");
        }
        rejectUnknown(root, "the spec", Set.of("output", "columns", "header"));
        String output = root.has("output") ? text(root.get("output"), "output") : DEFAULT_OUTPUT;
        Header header = root.has("header") ? header(root.get("header")) : Header.AUTO;
        JsonNode columnsNode = root.get("columns");
        if (columnsNode == null || !columnsNode.isArray() || columnsNode.isEmpty()) {
            throw new IllegalArgumentException("\"columns\" must be a non-empty array");
        }
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < columnsNode.size(); i++) {
            String where = "columns[" + i + "]";
            try {
                columns.add(column(columnsNode.get(i), where));
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith(where) ? e : new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        return new FeatureSpec(output, columns, header);
    }

    private static Column column(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " must be an object with \"name\" and \"type\"");
        }
        if (!node.has("name")) {
            throw new IllegalArgumentException(where + ".name is required");
        }
        String name = text(node.get("name"), where + ".name");
        where = where + " ('" + name + "')";
        if (!node.has("type")) {
            throw new IllegalArgumentException(where + ": \"type\" is required: numeric or categorical");
        }
        String type = text(node.get("type"), where + ".type").toLowerCase(Locale.ROOT);
        switch (type) {
            case "numeric" -> {
                rejectUnknown(node, where, Set.of("name", "type", "default", "mean", "std"));
                Double defaultValue = node.has("default") && !node.get("default").isNull()
                        ? number(node.get("default"), where + ".default") : null;
                double mean = node.has("mean") ? number(node.get("mean"), where + ".mean") : 0;
                double std = node.has("std") ? number(node.get("std"), where + ".std") : 1;
                return new Numeric(name, defaultValue, mean, std);
            }
            case "categorical" -> {
                rejectUnknown(node, where, Set.of("name", "type", "default", "categories", "unknown"));
                JsonNode categoriesNode = node.get("categories");
                if (categoriesNode == null || !categoriesNode.isArray()) {
                    throw new IllegalArgumentException(where + ".categories must be an array of strings");
                }
                List<String> categories = new ArrayList<>();
                for (int j = 0; j < categoriesNode.size(); j++) {
                    categories.add(category(categoriesNode.get(j), where + ".categories[" + j + "]"));
                }
                String defaultValue = node.has("default") && !node.get("default").isNull()
                        ? category(node.get("default"), where + ".default") : null;
                boolean ignoreUnknown = false;
                if (node.has("unknown")) {
                    String unknown = text(node.get("unknown"), where + ".unknown").toLowerCase(Locale.ROOT);
                    ignoreUnknown = switch (unknown) {
                        case "error" -> false;
                        case "ignore" -> true;
                        default -> throw new IllegalArgumentException(where + ".unknown must be error or ignore, got '"
                                + unknown + "'");
                    };
                }
                return new Categorical(name, categories, defaultValue, ignoreUnknown);
            }
            default -> throw new IllegalArgumentException(where + ".type must be numeric or categorical, got '"
                    + type + "'");
        }
    }

    private static Header header(JsonNode node) {
        String value = node.isBoolean() ? Boolean.toString(node.booleanValue()) : text(node, "header");
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "auto" -> Header.AUTO;
            case "true" -> Header.TRUE;
            case "false" -> Header.FALSE;
            default -> throw new IllegalArgumentException("header must be auto, true or false, got '" + value + "'");
        };
    }

    private static void rejectUnknown(JsonNode node, String where, Set<String> known) {
        Set<String> unknown = new LinkedHashSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) {
                unknown.add(field);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(where + " has unknown field(s) " + unknown + "; allowed: "
                    + new java.util.TreeSet<>(known));
        }
    }

    private static String text(JsonNode node, String where) {
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new IllegalArgumentException(where + " must be a non-empty string, got " + node);
        }
        return node.asText().strip();
    }

    private static double number(JsonNode node, String where) {
        if (!node.isNumber()) {
            throw new IllegalArgumentException(where + " must be a number, got " + node);
        }
        return node.doubleValue();
    }

    /** Categories may be written as numbers ({@code [1, 2, 3]}); they are matched as the text a record sends. */
    private static String category(JsonNode node, String where) {
        if (node.isTextual() && !node.asText().isBlank() || node.isIntegralNumber() || node.isBoolean()) {
            return node.asText();
        }
        throw new IllegalArgumentException(where + " must be a non-empty string, got " + node);
    }
}
