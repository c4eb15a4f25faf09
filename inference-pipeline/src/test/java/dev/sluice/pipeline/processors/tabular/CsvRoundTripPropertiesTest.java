package dev.sluice.pipeline.processors.tabular;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.codec.DecodedPayload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever an RFC 4180 writer produces, the tabular reader reads back as written. */
class CsvRoundTripPropertiesTest {
    /** Categories a CSV writer must quote: delimiters, quotes, line breaks, edge blanks, non-ASCII. */
    private static final List<String> CATEGORIES = List.of("plain", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf",
            " padded ", "\ttab", "ünïcødé ✓", "\"", ",");
    private static final FeatureSpec SPEC = new FeatureSpec("input", List.of(
            new FeatureSpec.Numeric("x", null, 1.5, 2.0),
            new FeatureSpec.Categorical("c", CATEGORIES, null, false),
            new FeatureSpec.Numeric("y", 0.0, 0, 1)), FeatureSpec.Header.AUTO);
    private static final TabularProcessor TABULAR = new TabularProcessor("features", SPEC, 10_000);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Provide
    Arbitrary<List<List<String>>> tables() {
        Arbitrary<String> field = Arbitraries.strings().withChars("ab ,\"\n\r\té").ofMaxLength(6);
        return Arbitraries.integers().between(1, 5).flatMap(width ->
                field.list().ofSize(width).list().ofMinSize(1).ofMaxSize(8));
    }

    @Property(tries = 300)
    void fieldsReadBackAsWritten(@ForAll("tables") List<List<String>> table, @ForAll boolean crlf) {
        StringBuilder csv = new StringBuilder();
        for (List<String> row : table) {
            for (int i = 0; i < row.size(); i++) {
                if (i > 0) {
                    csv.append(',');
                }
                appendField(csv, row.get(i));
            }
            csv.append(crlf ? "\r\n" : "\n");
        }
        CsvFields reader = new CsvFields(csv.toString());
        List<List<String>> read = new ArrayList<>();
        for (List<String> row = reader.nextRecord(); row != null; row = reader.nextRecord()) {
            read.add(row);
        }
        assertThat(read).isEqualTo(table);
    }

    record Row(double x, int category, Double y) {
    }

    @Provide
    Arbitrary<List<Row>> rows() {
        Arbitrary<Double> numbers = Arbitraries.oneOf(Arbitraries.doubles().between(-1e6, 1e6),
                Arbitraries.doubles().between(-1e30, 1e30), Arbitraries.integers().between(-100, 100).map(i -> (double) i));
        return Combinators.combine(numbers, Arbitraries.integers().between(0, CATEGORIES.size() - 1),
                numbers.injectNull(0.3)).as(Row::new).list().ofMinSize(1).ofMaxSize(20);
    }

    /** A CSV body (with or without header) and the same records as JSON give the matrix the spec describes. */
    @Property(tries = 200)
    void csvAndJsonRecordsGiveTheSameFeatures(@ForAll("rows") List<Row> rows, @ForAll boolean header) {
        StringBuilder csv = new StringBuilder(header ? "y,c,x\n" : "");
        ArrayNode instances = JSON.createArrayNode();
        float[] expected = new float[rows.size() * SPEC.width()];
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            String y = row.y() == null ? "" : Double.toString(row.y());
            if (header) {
                csv.append(y).append(',');
                appendField(csv, CATEGORIES.get(row.category()));
                csv.append(',').append(row.x());
            } else {
                csv.append(row.x()).append(',');
                appendField(csv, CATEGORIES.get(row.category()));
                csv.append(',').append(y);
            }
            csv.append('\n');
            ObjectNode record = instances.addObject().put("x", row.x()).put("c", CATEGORIES.get(row.category()));
            if (row.y() != null) {
                record.put("y", row.y());
            }
            int base = r * SPEC.width();
            expected[base] = (float) ((row.x() - 1.5) / 2.0);
            expected[base + 1 + row.category()] = 1f;
            expected[base + SPEC.width() - 1] = row.y() == null ? 0f : (float) (double) row.y();
        }
        DecodedPayload fromCsv = TABULAR.decode(csv.toString().getBytes(StandardCharsets.UTF_8), "text/csv");
        assertThat(fromCsv.inputs().get("input").floats()).containsExactly(expected);
        DecodedPayload fromJson = TABULAR.decode(JSON.createObjectNode().set("instances", instances).toString()
                .getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(fromJson.inputs().get("input").floats()).containsExactly(expected);
        // And the records decode hands on parse back to the same matrix.
        assertThat(TABULAR.process(java.util.Map.of("records", fromCsv.inputs().get("records"))).get("input").floats())
                .containsExactly(expected);
    }

    /** RFC 4180 writing: quote a field holding a delimiter, a quote or a line break, or blanks a reader would trim. */
    private static void appendField(StringBuilder sb, String field) {
        boolean quote = field.isEmpty() || field.startsWith(" ") || field.startsWith("\t") || field.endsWith(" ")
                || field.endsWith("\t") || field.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
        if (quote) {
            sb.append('"').append(field.replace("\"", "\"\"")).append('"');
        } else {
            sb.append(field);
        }
    }
}
