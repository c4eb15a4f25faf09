package dev.sluice.pipeline.processors.tabular;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.CodecRegistry;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.ModelSignature;
import dev.sluice.core.tensor.Tensor;
import dev.sluice.core.tensor.TensorSpec;
import dev.sluice.pipeline.spi.ContainerProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Records to features: reads CSV, JSON or JSON Lines records and produces the FP32 matrix [N, F] a tabular model
 * takes, as its {@link FeatureSpec} says (standardised numbers, one-hot categories, defaults for missing values).
 *
 * <h2>How rows reach {@link #process}</h2>
 * The pipeline calls {@link #decode} with the request body (this processor is the first container, or follows a
 * remote one). Decode does all the parsing and returns two tensors: the finished matrix under the spec's
 * {@code output} name, and {@code records} BYTES [N], each row as a JSON record (the JSON value as sent; for CSV an
 * object of the row's fields as strings, keyed by column name). {@link #process} then passes the matrix through
 * untouched. Given only {@code records} (an in-process container produced them), process parses each element as one
 * row — a JSON object or positional array, or else a single positional CSV line — with the same rules, so both routes
 * give the same matrix.
 *
 * <p>Thread-safe: everything it holds is immutable; each request gets its own {@link FeatureRows}.
 */
public final class TabularProcessor implements ContainerProcessor {
    /** The processor's declared input: one record per row. */
    public static final String RECORDS = "records";
    public static final int DEFAULT_MAX_ROWS = 10_000;

    static final List<String> CONTENT_TYPES = List.of("text/csv", "application/json", "application/jsonlines",
            "application/x-jsonlines", "application/jsonl");

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            // NaN and Infinity are read so that they get a message naming the row and the column, not Jackson's.
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private final String hostname;
    private final FeatureSpec spec;
    private final int maxRows;
    private final Map<String, Integer> columnIndex;
    private final ModelSignature signature;

    public TabularProcessor(String hostname, FeatureSpec spec, int maxRows) {
        this.hostname = Objects.requireNonNull(hostname, "hostname");
        this.spec = Objects.requireNonNull(spec, "spec");
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1, got " + maxRows);
        }
        if ((long) maxRows * spec.width() > Tensor.MAX_ELEMENTS) {
            throw new IllegalArgumentException("maxRows " + maxRows + " × " + spec.width() + " features exceeds "
                    + Tensor.MAX_ELEMENTS + " elements");
        }
        this.maxRows = maxRows;
        this.columnIndex = spec.indexByName();
        this.signature = new ModelSignature(
                List.of(new TensorSpec(RECORDS, DataType.BYTES, new long[] {-1})),
                List.of(new TensorSpec(spec.output(), DataType.FP32, new long[] {-1, spec.width()})));
    }

    public FeatureSpec spec() {
        return spec;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    /**
     * Decodes {@code text/csv}, {@code application/json} (also when Content-Type is missing) and JSON Lines bodies;
     * anything else is a 415 listing those. A JSON {@code {"instances": [...]}} or top-level array sets the
     * {@code instances} style hint, so the response is {@code {"predictions": [...]}}.
     */
    /** Decoding and transforming a request costs milliseconds: off the event loops. */
    @Override
    public boolean heavy() {
        return true;
    }

    @Override
    public DecodedPayload decode(byte[] body, String contentType) {
        Objects.requireNonNull(body, "body");
        String base = CodecRegistry.baseMediaType(contentType);
        FeatureRows rows = newRows();
        Map<String, String> hints = Map.of();
        switch (base == null ? "application/json" : base) {
            case "text/csv" -> readCsv(body, rows);
            case "application/json" -> {
                if (readJson(body, rows)) {
                    hints = Map.of(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES);
                }
            }
            case "application/jsonlines", "application/x-jsonlines", "application/jsonl" -> readJsonLines(body, rows);
            default -> throw new SluiceException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + contentType
                    + "' is not supported by the tabular pre-processor; use one of " + CONTENT_TYPES);
        }
        if (rows.rows() == 0) {
            throw SluiceException.validation("the request holds no records");
        }
        return new DecodedPayload(Map.of(RECORDS, rows.records(), spec.output(), rows.matrix()), hints);
    }

    @Override
    public Map<String, Tensor> process(Map<String, Tensor> tensors) {
        Tensor records = tensors.get(RECORDS);
        Tensor matrix = tensors.get(spec.output());
        if (matrix != null && matrix.type() == DataType.FP32 && matrix.rank() == 2 && matrix.dim(1) == spec.width()
                && (records == null || records.rank() == 1 && records.dim(0) == matrix.dim(0))) {
            return Map.of(spec.output(), matrix);
        }
        if (records == null || records.type() != DataType.BYTES) {
            throw new IllegalStateException("container '" + hostname + "': the tabular pre-processor needs BYTES '"
                    + RECORDS + "' (or its own decode) but got " + tensors);
        }
        FeatureRows rows = newRows();
        byte[][] texts = records.strings();
        for (int i = 0; i < texts.length; i++) {
            rows.checkCapacity();
            readRecord(texts[i], "row " + (i + 1) + " (" + RECORDS + "[" + i + "])", rows);
        }
        return Map.of(spec.output(), rows.matrix());
    }

    private FeatureRows newRows() {
        return new FeatureRows(spec, maxRows, "Environment." + TabularProvider.MAX_ROWS + " of container '"
                + hostname + "'");
    }

    // ---------------------------------------------------------------------------------------------------- CSV

    private void readCsv(byte[] body, FeatureRows rows) {
        CsvFields csv = new CsvFields(utf8(body, "the CSV body"));
        List<String> first = csv.nextRecord();
        if (first == null) {
            throw SluiceException.validation("the CSV body holds no rows");
        }
        int firstLine = csv.recordLine();
        int[] columnOfField;
        List<String> pending;
        if (isHeader(first)) {
            columnOfField = headerColumns(first, firstLine);
            pending = csv.nextRecord();
        } else {
            columnOfField = new int[spec.columns().size()];
            Arrays.setAll(columnOfField, i -> i);
            pending = first;
        }
        boolean header = pending != first;
        for (List<String> fields = pending; fields != null; fields = csv.nextRecord()) {
            rows.checkCapacity();
            String where = "row " + rows.nextRowNumber() + " (line " + csv.recordLine() + ")";
            if (fields.size() != columnOfField.length) {
                throw SluiceException.validation(where + " has " + fields.size() + " fields but "
                        + (header ? "the header (line " + firstLine + ") has " + columnOfField.length
                        : "the feature spec has " + columnOfField.length + " columns " + spec.columnNames()
                        + "; without a header row the fields are the spec's columns in order"));
            }
            Object[] cells = new Object[spec.columns().size()];
            for (int f = 0; f < fields.size(); f++) {
                if (columnOfField[f] >= 0) {
                    cells[columnOfField[f]] = fields.get(f);
                }
            }
            rows.add(cells, where, csvRecord(cells));
        }
        if (header && rows.rows() == 0) {
            throw SluiceException.validation("the CSV body holds a header row but no records");
        }
    }

    /**
     * Whether the first CSV row names the columns. {@code auto}: yes when it holds text that is not a number where a
     * numeric column expects one (column order, as a headerless row would be read); with no numeric columns, when
     * every field is a column name.
     */
    private boolean isHeader(List<String> first) {
        return switch (spec.header()) {
            case TRUE -> true;
            case FALSE -> false;
            case AUTO -> {
                boolean anyNumeric = false;
                for (int i = 0; i < spec.columns().size(); i++) {
                    if (spec.columns().get(i) instanceof FeatureSpec.Numeric) {
                        anyNumeric = true;
                        if (i < first.size() && !first.get(i).isBlank()
                                && Double.isNaN(FeatureRows.parseNumber(first.get(i)))) {
                            yield true;
                        }
                    }
                }
                yield !anyNumeric && first.stream().allMatch(columnIndex::containsKey);
            }
        };
    }

    /** Field position → spec column (-1: a column the spec does not use). */
    private int[] headerColumns(List<String> header, int line) {
        int[] columnOfField = new int[header.size()];
        boolean[] seen = new boolean[spec.columns().size()];
        boolean any = false;
        for (int f = 0; f < header.size(); f++) {
            Integer column = columnIndex.get(header.get(f));
            columnOfField[f] = column == null ? -1 : column;
            if (column != null) {
                if (seen[column]) {
                    throw SluiceException.validation("the CSV header (line " + line + ") names column '"
                            + header.get(f) + "' twice");
                }
                seen[column] = true;
                any = true;
            }
        }
        if (!any) {
            throw SluiceException.validation("line " + line + " was read as a header row ("
                    + (spec.header() == FeatureSpec.Header.AUTO ? "it holds text where a number is expected" : "the "
                    + "feature spec says \"header\": \"true\"") + ") but names none of the columns "
                    + spec.columnNames() + "; " + (spec.header() == FeatureSpec.Header.AUTO
                    ? "check the numbers in that row" : "send a header row"));
        }
        for (int c = 0; c < seen.length; c++) {
            FeatureSpec.Column column = spec.columns().get(c);
            if (!seen[c] && !column.hasDefault()) {
                throw SluiceException.validation("the CSV header (line " + line + ") has no column '" + column.name()
                        + "', which the feature spec requires (it has no default)");
            }
        }
        return columnOfField;
    }

    /** A CSV row as the JSON record {@link #process} reads back: its fields as strings, by column name. */
    private byte[] csvRecord(Object[] cells) {
        StringBuilder sb = new StringBuilder(16 * cells.length).append('{');
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        boolean first = true;
        for (int c = 0; c < cells.length; c++) {
            if (cells[c] == null) {
                continue;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"');
            encoder.quoteAsString(spec.columns().get(c).name(), sb);
            sb.append("\":\"");
            encoder.quoteAsString((String) cells[c], sb);
            sb.append('"');
        }
        return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    // --------------------------------------------------------------------------------------------------- JSON

    /** Reads a JSON body; true when it was a list of rows (instances style). */
    private boolean readJson(byte[] body, FeatureRows rows) {
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw SluiceException.validation("the JSON body is empty; send {\"instances\": [...]} or one record");
            }
            boolean instances;
            if (t == JsonToken.START_ARRAY) {
                readRows(p, body, rows, "");
                instances = true;
            } else if (t == JsonToken.START_OBJECT) {
                instances = readTopObject(p, body, rows);
            } else {
                throw SluiceException.validation("the JSON body must be {\"instances\": [...]}, an array of records or "
                        + "one record object, not " + describe(t));
            }
            if (p.nextToken() != null) {
                throw SluiceException.validation("malformed JSON: more content after the end of the body (line "
                        + p.currentTokenLocation().getLineNr() + ")");
            }
            return instances;
        } catch (JsonProcessingException e) {
            throw malformed("JSON", e, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"instances": [...]}} (true), or a single record (false). */
    private boolean readTopObject(JsonParser p, byte[] body, FeatureRows rows) throws IOException {
        long start = p.currentTokenLocation().getByteOffset();
        boolean instancesField = !columnIndex.containsKey("instances");
        boolean sawInstances = false;
        boolean sawColumn = false;
        int fields = 0;
        Object[] cells = new Object[spec.columns().size()];
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            fields++;
            if (instancesField && name.equals("instances")) {
                if (value != JsonToken.START_ARRAY) {
                    throw SluiceException.validation("\"instances\" must be an array with one record per row, not "
                            + describe(value));
                }
                readRows(p, body, rows, "instances");
                sawInstances = true;
            } else {
                Integer column = columnIndex.get(name);
                if (column == null) {
                    p.skipChildren();
                } else {
                    cells[column] = cell(p, value, "row 1", name);
                    sawColumn = true;
                }
            }
        }
        if (sawInstances) {
            return true;
        }
        if (fields > 0 && !sawColumn) {
            throw SluiceException.validation("the JSON record names none of the columns " + spec.columnNames()
                    + "; send one record, or {\"instances\": [record, ...]}");
        }
        rows.checkCapacity();
        rows.add(cells, "row 1", slice(body, start, p.currentLocation().getByteOffset()));
        return false;
    }

    /** The elements of an array (its START_ARRAY current): each a record object or a positional array. */
    private void readRows(JsonParser p, byte[] body, FeatureRows rows, String arrayName) throws IOException {
        int index = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            rows.checkCapacity();
            String where = "row " + rows.nextRowNumber() + " (" + arrayName + "[" + index + "])";
            long start = p.currentTokenLocation().getByteOffset();
            Object[] cells = readRow(p, t, where);
            rows.add(cells, where, slice(body, start, p.currentLocation().getByteOffset()));
            index++;
        }
    }

    /** One row whose first token is current: a record object or a positional array. */
    private Object[] readRow(JsonParser p, JsonToken t, String where) throws IOException {
        Object[] cells = new Object[spec.columns().size()];
        if (t == JsonToken.START_OBJECT) {
            boolean sawColumn = false;
            int fields = 0;
            for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                fields++;
                Integer column = columnIndex.get(name);
                if (column == null) {
                    p.skipChildren();
                } else {
                    cells[column] = cell(p, value, where, name);
                    sawColumn = true;
                }
            }
            if (fields > 0 && !sawColumn) {
                throw SluiceException.validation(where + ": the record names none of the columns "
                        + spec.columnNames());
            }
            return cells;
        }
        if (t == JsonToken.START_ARRAY) {
            int i = 0;
            for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                if (i == cells.length) {
                    throw SluiceException.validation(where + " has more than " + cells.length + " values; a positional "
                            + "row holds the columns " + spec.columnNames() + " in order");
                }
                cells[i] = cell(p, v, where, spec.columns().get(i).name());
                i++;
            }
            if (i != cells.length) {
                throw SluiceException.validation(where + " has " + i + " values but a positional row holds the "
                        + cells.length + " columns " + spec.columnNames() + " in order");
            }
            return cells;
        }
        throw SluiceException.validation(where + " must be a record object or an array of values, not "
                + describe(t));
    }

    private static Object cell(JsonParser p, JsonToken t, String where, String column) throws IOException {
        return switch (t) {
            case VALUE_NULL -> null;
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new FeatureRows.JsonNumber(p.getText(), p.getDoubleValue());
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> throw SluiceException.validation(where + ", column '" + column + "': expected a single value, "
                    + "got " + describe(t));
        };
    }

    // --------------------------------------------------------------------------------------------- JSON Lines

    private void readJsonLines(byte[] body, FeatureRows rows) {
        int line = 0;
        int start = 0;
        while (start < body.length) {
            int end = start;
            while (end < body.length && body[end] != '\n') {
                end++;
            }
            line++;
            int from = start;
            int to = end;
            while (from < to && isBlank(body[from])) {
                from++;
            }
            while (to > from && isBlank(body[to - 1])) {
                to--;
            }
            if (from < to) {
                rows.checkCapacity();
                readJsonRecord(Arrays.copyOfRange(body, from, to), "row " + rows.nextRowNumber() + " (line " + line
                        + ")", rows, line);
            }
            start = end + 1;
        }
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    /** One element of a {@code records} tensor: a JSON record, or else one positional CSV line. */
    private void readRecord(byte[] text, String where, FeatureRows rows) {
        boolean bom = text.length >= 3 && (text[0] & 0xFF) == 0xEF && (text[1] & 0xFF) == 0xBB
                && (text[2] & 0xFF) == 0xBF;
        int i = bom ? 3 : 0;
        while (i < text.length && isBlank(text[i])) {
            i++;
        }
        if (i < text.length && (text[i] == '{' || text[i] == '[')) {
            readJsonRecord(text, where, rows, 0);
            return;
        }
        // Not JSON: one positional CSV line.
        CsvFields csv = new CsvFields(utf8(text, where));
        List<String> fields = csv.nextRecord();
        if (fields == null || csv.nextRecord() != null) {
            throw SluiceException.validation(where + " must be one JSON record or one CSV line");
        }
        if (fields.size() != spec.columns().size()) {
            throw SluiceException.validation(where + " has " + fields.size() + " fields but the feature spec has "
                    + spec.columns().size() + " columns " + spec.columnNames());
        }
        Object[] cells = fields.toArray();
        rows.add(cells, where, csvRecord(cells));
    }

    /** One JSON value holding one row; {@code line} is its line in the body for messages (0: not a line). */
    private void readJsonRecord(byte[] text, String where, FeatureRows rows, int line) {
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken t = p.nextToken();
            Object[] cells = readRow(p, t, where);
            if (p.nextToken() != null) {
                throw SluiceException.validation(where + " holds more than one JSON value");
            }
            rows.add(cells, where, text);
        } catch (JsonProcessingException e) {
            throw malformed(where, e, line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------- utilities

    private static byte[] slice(byte[] body, long from, long to) {
        return Arrays.copyOfRange(body, (int) from, (int) to);
    }

    private static String utf8(byte[] body, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw SluiceException.validation(what + " is not valid UTF-8");
        }
    }

    private static SluiceException malformed(String what, JsonProcessingException e, int line) {
        JsonLocation at = e.getLocation();
        String location = at == null ? "" : line > 0 ? " (line " + line + ", column " + at.getColumnNr() + ")"
                : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        String message = e.getOriginalMessage();
        int newline = message.indexOf('\n');
        return SluiceException.validation("malformed " + what + location + ": "
                + (newline >= 0 ? message.substring(0, newline) : message));
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    @Override
    public String toString() {
        return "TabularProcessor[" + hostname + ", " + spec.columns().size() + " columns → " + spec.output() + " [N, "
                + spec.width() + "]]";
    }
}
