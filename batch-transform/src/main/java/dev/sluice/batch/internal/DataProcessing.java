package dev.sluice.batch.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import dev.sluice.batch.JoinSource;
import dev.sluice.batch.TransformConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SageMaker's DataProcessing: InputFilter on each input record, JoinSource=Input, then OutputFilter on each (joined)
 * output record. JSON records are evaluated as JSON; CSV rows as JSON arrays of their fields, so {@code $[1:]} drops the
 * first column. Which of the two a record is comes from the content type (input) or Accept (output).
 */
public final class DataProcessing {
    /** How a record is read for JSONPath. */
    public enum Format {
        CSV, JSON, OTHER;

        public static Format of(String mediaType) {
            if (mediaType == null) {
                return OTHER;
            }
            String m = mediaType.toLowerCase(Locale.ROOT);
            if (m.contains("csv")) {
                return CSV;
            }
            return m.contains("json") ? JSON : OTHER;
        }
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final Configuration jsonPath = Configuration.builder()
            .jsonProvider(new JacksonJsonProvider(mapper))
            .mappingProvider(new JacksonMappingProvider(mapper))
            .build();
    private final JsonPath inputFilter;
    private final JsonPath outputFilter;
    private final boolean join;
    private final Format inputFormat;
    private final Format outputFormat;

    public DataProcessing(TransformConfig config) {
        this.inputFilter = config.inputFilter().equals(TransformConfig.DEFAULT_FILTER) ? null : JsonPath.compile(config.inputFilter());
        this.outputFilter = config.outputFilter().equals(TransformConfig.DEFAULT_FILTER) ? null : JsonPath.compile(config.outputFilter());
        this.join = config.joinSource() == JoinSource.INPUT;
        this.inputFormat = Format.of(config.contentType());
        this.outputFormat = Format.of(config.accept() != null ? config.accept() : config.contentType());
    }

    /** Whether outputs must be handled record by record (and so a MultiRecord response cut back into records). */
    public boolean perRecordOutput() {
        return join || outputFilter != null;
    }

    public byte[] filterInput(byte[] record) throws IOException {
        return inputFilter == null ? record : apply(inputFilter, record, inputFormat, "--input-filter");
    }

    /** The output for one record: joined with its (unfiltered) input when asked, then output-filtered. */
    public byte[] output(byte[] input, byte[] output) throws IOException {
        byte[] result = output;
        Format format = outputFormat;
        if (join) {
            format = inputFormat;
            result = switch (inputFormat) {
                case CSV -> joinCsv(input, output);
                case JSON -> joinJson(input, output);
                case OTHER -> throw new IOException("--join-source Input needs CSV or JSON input (--content-type), got "
                        + "a content type that is neither");
            };
        }
        return outputFilter == null ? result : apply(outputFilter, result, format, "--output-filter");
    }

    private static byte[] joinCsv(byte[] input, byte[] output) {
        byte[] out = trimLineEnd(output);
        byte[] joined = new byte[input.length + 1 + out.length];
        System.arraycopy(input, 0, joined, 0, input.length);
        joined[input.length] = ',';
        System.arraycopy(out, 0, joined, input.length + 1, out.length);
        return joined;
    }

    private byte[] joinJson(byte[] input, byte[] output) throws IOException {
        Object in = parseJson(input, "input");
        Object out;
        try {
            out = mapper.readValue(output, Object.class);
        } catch (JsonProcessingException e) {
            // A model answering text/csv for JSON input: keep its answer as a string rather than fail the file.
            out = new String(trimLineEnd(output), StandardCharsets.UTF_8);
        }
        Map<String, Object> joined;
        if (in instanceof Map<?, ?> object) {
            joined = new LinkedHashMap<>();
            object.forEach((k, v) -> joined.put(String.valueOf(k), v));
        } else {
            joined = new LinkedHashMap<>();
            joined.put("SageMakerInput", in);
        }
        joined.put("SageMakerOutput", out);
        return mapper.writeValueAsBytes(joined);
    }

    private byte[] apply(JsonPath path, byte[] record, Format format, String option) throws IOException {
        Object document = switch (format) {
            case CSV -> Csv.parse(new String(record, StandardCharsets.UTF_8));
            case JSON -> parseJson(record, "record");
            case OTHER -> throw new IOException(option + " needs CSV or JSON records (see --content-type and --accept)");
        };
        Object selected;
        try {
            selected = path.read(document, jsonPath);
        } catch (PathNotFoundException e) {
            throw new IOException(option + " " + path.getPath() + " selects nothing in a record: " + e.getMessage(), e);
        }
        if (format == Format.CSV) {
            List<Object> fields = selected instanceof List<?> list ? new ArrayList<>(list) : List.of(selected);
            return Csv.format(fields).getBytes(StandardCharsets.UTF_8);
        }
        return mapper.writeValueAsBytes(selected);
    }

    private Object parseJson(byte[] record, String what) throws IOException {
        try {
            return mapper.readValue(record, Object.class);
        } catch (JsonProcessingException e) {
            throw new IOException("a " + what + " is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    static byte[] trimLineEnd(byte[] b) {
        int n = b.length;
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) {
            n--;
        }
        return n == b.length ? b : java.util.Arrays.copyOf(b, n);
    }

    /** RFC 4180 rows, one line each (records are already cut at newlines). */
    static final class Csv {
        private Csv() {
        }

        static List<Object> parse(String line) {
            List<Object> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted) {
                    if (c == '"') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        field.append(c);
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                } else {
                    field.append(c);
                }
            }
            fields.add(field.toString());
            return fields;
        }

        static String format(List<Object> fields) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                Object f = fields.get(i);
                String s = f == null ? "" : f.toString();
                if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                    out.append('"').append(s.replace("\"", "\"\"")).append('"');
                } else {
                    out.append(s);
                }
            }
            return out.toString();
        }
    }
}
