package dev.sluice.pipeline.processors.tabular;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.codec.DecodedPayload;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** Decoding records into features with {@code sluice/tabular}, and every client error it reports. */
class TabularProcessorTest {
    private static final FeatureSpec SPEC = FeatureSpecTest.parse(FeatureSpecTest.SPEC);
    private static final TabularProcessor TABULAR = new TabularProcessor("features", SPEC, 100);

    /** What the spec makes of one record: age and income standardised, plan one-hot. */
    private static float[] features(double age, double income, String plan) {
        List<String> plans = List.of("basic", "plus", "pro");
        float[] row = new float[5];
        row[0] = (float) ((age - 38.5) / 12.1);
        row[1] = (float) ((income - 52000) / 21000);
        if (plans.contains(plan)) {
            row[2 + plans.indexOf(plan)] = 1f;
        }
        return row;
    }

    private static float[] rows(float[]... rows) {
        float[] all = new float[rows.length * 5];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, all, i * 5, 5);
        }
        return all;
    }

    private static DecodedPayload decode(TabularProcessor processor, String body, String contentType) {
        return processor.decode(body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    private static Tensor matrix(String body, String contentType) {
        return matrix(TABULAR, body, contentType);
    }

    private static Tensor matrix(TabularProcessor processor, String body, String contentType) {
        DecodedPayload decoded = decode(processor, body, contentType);
        Tensor matrix = decoded.inputs().get(processor.spec().output());
        assertThat(matrix.type()).isEqualTo(DataType.FP32);
        assertThat(matrix.rank()).isEqualTo(2);
        assertThat(matrix.dim(1)).isEqualTo(processor.spec().width());
        assertThat(decoded.inputs().get("records").dim(0)).isEqualTo(matrix.dim(0));
        return matrix;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(String body, String contentType) {
        return assertInvalid(TABULAR, body, contentType);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(TabularProcessor processor, String body,
                                                                                  String contentType) {
        return assertThatThrownBy(() -> decode(processor, body, contentType))
                .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_ERROR));
    }

    private static TabularProcessor with(String specJson) {
        return new TabularProcessor("features", FeatureSpecTest.parse(specJson), 100);
    }

    private static List<String> records(DecodedPayload decoded) {
        return Arrays.stream(decoded.inputs().get("records").strings()).map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    // -------------------------------------------------------------------------------------------------------- CSV

    @Test
    void csvWithAHeaderPicksColumnsByNameAndIgnoresOthers() {
        Tensor m = matrix("""
                customer,plan,income,age
                c1,plus,61000,31
                c2,pro,43000.5,57
                """, "text/csv; charset=utf-8");
        assertThat(m.shape()).containsExactly(2, 5);
        assertThat(m.floats()).containsExactly(rows(features(31, 61000, "plus"), features(57, 43000.5, "pro")));
    }

    @Test
    void csvWithoutAHeaderIsPositionalInSpecOrder() {
        Tensor m = matrix("31,61000,plus\r\n\r\n 57 , 4.30005e4 ,pro\r\n", "text/csv");
        assertThat(m.floats()).containsExactly(rows(features(31, 61000, "plus"), features(57, 43000.5, "pro")));
    }

    @Test
    void csvFollowsRfc4180Quoting() {
        TabularProcessor processor = with("""
                {"columns": [{"name": "x", "type": "numeric"},
                             {"name": "c", "type": "categorical", "categories": ["a \\"b\\", c", "multi\\nline", " padded "]}]}""");
        Tensor m = matrix(processor, "\uFEFFx,c\n1,\"a \"\"b\"\", c\"\n\"2\",\"multi\nline\"\r3,\" padded \"\n", "text/csv");
        assertThat(m.floats()).containsExactly(1f, 1f, 0f, 0f, 2f, 0f, 1f, 0f, 3f, 0f, 0f, 1f);
        assertInvalid(processor, "x,c\n1,\"open\n", "text/csv").hasMessage("line 2, field 2: a quoted field is never closed");
        assertInvalid(processor, "x,c\n1,\"a\"b\n", "text/csv")
                .hasMessageContaining("line 2, field 2: unexpected text after a closing quote");
    }

    @Test
    void headerTrueAndFalseOverrideDetection() {
        TabularProcessor always = with("""
                {"header": "true", "columns": [{"name": "c", "type": "categorical", "categories": ["x", "y"]}]}""");
        assertThat(matrix(always, "c\ny\n", "text/csv").floats()).containsExactly(0f, 1f);
        TabularProcessor never = with("""
                {"header": "false", "columns": [{"name": "n", "type": "numeric"}]}""");
        assertInvalid(never, "n\n1\n", "text/csv").hasMessage("row 1 (line 1), column 'n': 'n' is not a number");
        assertInvalid(always, "x\ny\n", "text/csv").hasMessageContaining("line 1 was read as a header row (the feature "
                + "spec says \"header\": \"true\") but names none of the columns [c]");
    }

    @Test
    void autoDetectionWithOnlyCategoricalColumnsLooksForColumnNames() {
        TabularProcessor processor = with("""
                {"columns": [{"name": "c", "type": "categorical", "categories": ["c", "y"]},
                             {"name": "d", "type": "categorical", "categories": ["d", "z"]}]}""");
        assertThat(matrix(processor, "d,c\nz,y\n", "text/csv").floats()).containsExactly(0f, 1f, 0f, 1f);
        // "c,d" is a header by the rule (every field a column name): then there are no rows.
        assertInvalid(processor, "c,d\n", "text/csv").hasMessage("the CSV body holds a header row but no records");
        assertThat(matrix(processor, "y,z\n", "text/csv").floats()).containsExactly(0f, 1f, 0f, 1f);
    }

    @Test
    void aMistypedNumberInTheFirstRowIsReportedAsSuch() {
        assertInvalid("31,6l000,plus\n", "text/csv").hasMessage("line 1 was read as a header row (it holds text where a "
                + "number is expected) but names none of the columns [age, income, plan]; check the numbers in that row");
    }

    @Test
    void emptyCellsTakeTheDefaultOrAreNamedWhenRequired() {
        assertThat(matrix("age,income,plan\n,61000,\n", "text/csv").floats())
                .containsExactly(features(40, 61000, "basic"));
        assertInvalid("age,income,plan\n31,61000,plus\n31,,plus\n", "text/csv")
                .hasMessage("row 2 (line 3), column 'income': a value is required (the feature spec gives this column no default)");
        // A column the header leaves out is a default for every row, or an error up front.
        assertThat(matrix("income\n61000\n", "text/csv").floats()).containsExactly(features(40, 61000, "basic"));
        assertInvalid("age,plan\n31,plus\n", "text/csv").hasMessage("the CSV header (line 1) has no column 'income', "
                + "which the feature spec requires (it has no default)");
    }

    @Test
    void nonFiniteOrNonNumericValuesAreNamedByRowAndColumn() {
        for (String bad : new String[] {"nan", "NaN", "inf", "-Infinity", "1,5", "0x10", "1d", "abc", "1e5e3"}) {
            String body = "age,income,plan\n31,61000,plus\n31,\"" + bad + "\",plus\n";
            assertInvalid(body, "text/csv").as(bad)
                    .hasMessage("row 2 (line 3), column 'income': '" + bad + "' is not a number");
        }
        // Standardisation scales 1e39 income into FP32 range; 1e41 years of age stays out of it.
        assertThat(matrix("age,income,plan\n31,1e39,plus\n", "text/csv").floats()[1]).isFinite();
        assertInvalid("age,income,plan\n1e41,1,plus\n", "text/csv")
                .hasMessage("row 1 (line 2), column 'age': 1.0E41 is out of range for a 32-bit float feature");
        assertInvalid("age,income,plan\n31,1e400,plus\n", "text/csv")
                .hasMessage("row 1 (line 2), column 'income': '1e400' is out of range");
        assertInvalid("[{\"income\": 1e400}]", null)
                .hasMessage("row 1 ([0]), column 'income': 1e400 is not a finite number");
    }

    @Test
    void unknownCategoriesAreAnErrorOrAllZeros() {
        assertInvalid("31,61000,premium\n", "text/csv")
                .hasMessage("row 1 (line 1), column 'plan': unknown category 'premium'; expected one of [basic, plus, pro]");
        assertInvalid("31,61000,Plus\n", "text/csv").hasMessageContaining("unknown category 'Plus'");
        TabularProcessor lenient = with("""
                {"columns": [{"name": "c", "type": "categorical", "categories": ["a", "b"], "unknown": "ignore"}]}""");
        assertThat(matrix(lenient, "c\na\nzzz\nb\n", "text/csv").floats()).containsExactly(1f, 0f, 0f, 0f, 0f, 1f);
    }

    @Test
    void rowsWithTheWrongNumberOfFieldsAreRejected() {
        assertInvalid("31,61000\n", "text/csv").hasMessage("row 1 (line 1) has 2 fields but the feature spec has 3 columns "
                + "[age, income, plan]; without a header row the fields are the spec's columns in order");
        assertInvalid("age,income,plan\n31,61000,plus,extra\n", "text/csv")
                .hasMessage("row 1 (line 2) has 4 fields but the header (line 1) has 3");
        assertInvalid("age,income,age\n1,2,3\n", "text/csv").hasMessage("the CSV header (line 1) names column 'age' twice");
    }

    @Test
    void emptyAndBrokenCsvBodies() {
        assertInvalid("", "text/csv").hasMessage("the CSV body holds no rows");
        assertInvalid(" \n\r\n", "text/csv").hasMessage("the CSV body holds no rows");
        assertInvalid("age,income,plan\n", "text/csv").hasMessage("the CSV body holds a header row but no records");
        assertThatThrownBy(() -> TABULAR.decode(new byte[] {'1', ',', (byte) 0xC3, '\n'}, "text/csv"))
                .hasMessage("the CSV body is not valid UTF-8");
    }

    @Test
    void csvRowsBecomeJsonRecordsThatProcessReadsBackAlike() {
        DecodedPayload decoded = decode(TABULAR, "plan,note,age,income\n\"plus\",\"a,b\",,61000\n", "text/csv");
        assertThat(records(decoded)).containsExactly("{\"age\":\"\",\"income\":\"61000\",\"plan\":\"plus\"}");
        Tensor viaRecords = TABULAR.process(Map.of("records", decoded.inputs().get("records"))).get("input");
        assertThat(viaRecords.floats()).containsExactly(decoded.inputs().get("input").floats());
    }

    // ------------------------------------------------------------------------------------------------------- JSON

    @Test
    void jsonInstancesOfRecordsIgnoreUnknownKeysAndDefaultMissingOnes() {
        DecodedPayload decoded = decode(TABULAR, """
                {"instances": [
                  {"age": 31, "income": 61000, "plan": "plus", "customer": {"id": [1, 2]}},
                  {"income": "43000.5", "plan": null},
                  {"age": null, "income": 1e4, "plan": ""}
                ], "model_version": 3}""", "application/json");
        assertThat(decoded.hints()).containsEntry(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES);
        assertThat(decoded.inputs().get("input").floats()).containsExactly(rows(features(31, 61000, "plus"),
                features(40, 43000.5, "basic"), features(40, 10000, "basic")));
        assertThat(records(decoded).get(1)).isEqualTo("{\"income\": \"43000.5\", \"plan\": null}");
    }

    @Test
    void jsonInstancesOfPositionalRows() {
        DecodedPayload decoded = decode(TABULAR, "{\"instances\": [[31, 61000, \"plus\"], [null, 43000.5, \"pro\"]]}", null);
        assertThat(decoded.inputs().get("input").floats()).containsExactly(rows(features(31, 61000, "plus"),
                features(40, 43000.5, "pro")));
        assertThat(records(decoded)).containsExactly("[31, 61000, \"plus\"]", "[null, 43000.5, \"pro\"]");
    }

    @Test
    void aSingleJsonObjectIsOneRecord() {
        DecodedPayload decoded = decode(TABULAR, " {\"plan\": \"pro\", \"income\": 52000, \"age\": 38.5} ", "application/json");
        assertThat(decoded.hints()).isEmpty();
        assertThat(decoded.inputs().get("input").floats()).containsExactly(0f, 0f, 0f, 0f, 1f);
        assertThat(records(decoded)).containsExactly("{\"plan\": \"pro\", \"income\": 52000, \"age\": 38.5}");
    }

    @Test
    void aTopLevelArrayIsReadAsInstances() {
        DecodedPayload decoded = decode(TABULAR, "[{\"income\": 61000}, [31, 61000, \"plus\"]]", "application/json");
        assertThat(decoded.hints()).containsEntry(DecodedPayload.HINT_STYLE, DecodedPayload.STYLE_INSTANCES);
        assertThat(decoded.inputs().get("input").shape()).containsExactly(2, 5);
    }

    @Test
    void numericCategoriesMatchJsonNumbersAndStrings() {
        TabularProcessor processor = with("""
                {"columns": [{"name": "tier", "type": "categorical", "categories": [1, 2, 3]},
                             {"name": "flag", "type": "categorical", "categories": ["true", "false"]}]}""");
        assertThat(matrix(processor, "[{\"tier\": 2, \"flag\": false}, {\"tier\": \"3\", \"flag\": true}]", null).floats())
                .containsExactly(0f, 1f, 0f, 0f, 1f, 0f, 0f, 1f, 1f, 0f);
        assertThatThrownBy(() -> decode(processor, "{\"tier\": 2.0, \"flag\": true}", null))
                .hasMessageContaining("unknown category '2.0'");
    }

    @Test
    void jsonValueErrorsNameRowAndColumn() {
        assertInvalid("{\"instances\": [{\"income\": 1}, {\"income\": NaN}]}", null)
                .hasMessage("row 2 (instances[1]), column 'income': NaN is not a finite number");
        assertInvalid("[{\"income\": -Infinity}]", null)
                .hasMessage("row 1 ([0]), column 'income': -Infinity is not a finite number");
        assertInvalid("{\"instances\": [{\"income\": true}]}", null)
                .hasMessage("row 1 (instances[0]), column 'income': expected a number, got true");
        assertInvalid("{\"instances\": [{\"income\": \"lots\"}]}", null)
                .hasMessage("row 1 (instances[0]), column 'income': 'lots' is not a number");
        assertInvalid("{\"instances\": [{\"income\": [1]}]}", null)
                .hasMessage("row 1 (instances[0]), column 'income': expected a single value, got an array");
        assertInvalid("{\"instances\": [{\"age\": 3}]}", null)
                .hasMessage("row 1 (instances[0]), column 'income': a value is required (the feature spec gives this column no default)");
        assertInvalid("{\"income\": 1, \"plan\": \"gold\"}", null)
                .hasMessage("row 1, column 'plan': unknown category 'gold'; expected one of [basic, plus, pro]");
    }

    @Test
    void jsonShapeErrors() {
        assertInvalid("{\"instances\": [[31, 61000]]}", null).hasMessage("row 1 (instances[0]) has 2 values but a "
                + "positional row holds the 3 columns [age, income, plan] in order");
        assertInvalid("{\"instances\": [[31, 61000, \"plus\", 4]]}", null)
                .hasMessageContaining("row 1 (instances[0]) has more than 3 values");
        assertInvalid("{\"instances\": [{\"salary\": 5}]}", null)
                .hasMessage("row 1 (instances[0]): the record names none of the columns [age, income, plan]");
        assertInvalid("{\"instances\": [3]}", null)
                .hasMessage("row 1 (instances[0]) must be a record object or an array of values, not a number");
        assertInvalid("{\"instances\": {\"age\": 3}}", null)
                .hasMessage("\"instances\" must be an array with one record per row, not an object");
        assertInvalid("{\"inputs\": [[31, 61000, \"plus\"]]}", null)
                .hasMessage("the JSON record names none of the columns [age, income, plan]; send one record, or "
                        + "{\"instances\": [record, ...]}");
        assertInvalid("\"hello\"", null).hasMessageContaining("not a string");
        assertInvalid("", "application/json").hasMessageContaining("the JSON body is empty");
        assertInvalid("{\"instances\": []}", null).hasMessage("the request holds no records");
        assertInvalid("{\"income\": 1} {\"income\": 2}", null).hasMessageContaining("more content after the end");
        assertInvalid("{\"instances\": [{\"income\": 1,}]}", null).hasMessageStartingWith("malformed JSON (line 1, column ");
        assertInvalid("{\"income\": 1, \"income\": 2}", null).hasMessageContaining("Duplicate field 'income'");
    }

    // ------------------------------------------------------------------------------------------------- JSON Lines

    @Test
    void jsonLinesHoldOneRecordPerLine() {
        for (String type : new String[] {"application/jsonlines", "application/x-jsonlines", "application/jsonl"}) {
            DecodedPayload decoded = decode(TABULAR, "{\"age\": 31, \"income\": 61000, \"plan\": \"plus\"}\r\n\n"
                    + "  [57, 43000.5, \"pro\"]  \n", type);
            assertThat(decoded.hints()).isEmpty();
            assertThat(decoded.inputs().get("input").floats()).as(type)
                    .containsExactly(rows(features(31, 61000, "plus"), features(57, 43000.5, "pro")));
        }
        assertInvalid("{\"income\": 1}\n\n{\"income\": \"x\"}\n", "application/jsonlines")
                .hasMessage("row 2 (line 3), column 'income': 'x' is not a number");
        assertInvalid("{\"income\": 1}\n{\"income\": \n", "application/jsonlines")
                .hasMessageStartingWith("malformed row 2 (line 2) (line 2, column");
        assertInvalid("{\"income\": 1} {\"income\": 2}\n", "application/jsonlines")
                .hasMessage("row 1 (line 1) holds more than one JSON value");
        assertInvalid("\n \n", "application/jsonlines").hasMessage("the request holds no records");
    }

    // ---------------------------------------------------------------------------------------------- limits, types

    @Test
    void maxRowsIsEnforcedForEveryFormat() {
        TabularProcessor small = new TabularProcessor("features", SPEC, 2);
        String message = "the request has more than 2 rows, the limit (Environment.MAX_ROWS of container 'features'); "
                + "send fewer rows per request";
        assertThat(matrix(small, "1,2,plus\n3,4,pro\n", "text/csv").dim(0)).isEqualTo(2);
        assertInvalid(small, "1,2,plus\n3,4,pro\n5,6,basic\n", "text/csv").hasMessage(message);
        assertInvalid(small, "age,income,plan\n1,2,plus\n3,4,pro\n5,6,basic\n", "text/csv").hasMessage(message);
        assertInvalid(small, "[[1,2,\"plus\"],[1,2,\"plus\"],[1,2,\"plus\"]]", null).hasMessage(message);
        assertInvalid(small, "[1,2,\"plus\"]\n[1,2,\"plus\"]\n[1,2,\"plus\"]\n", "application/jsonlines").hasMessage(message);
        byte[][] three = {"[1,2,\"plus\"]".getBytes(StandardCharsets.UTF_8), "1,2,plus".getBytes(StandardCharsets.UTF_8),
                "{\"income\":2}".getBytes(StandardCharsets.UTF_8)};
        assertThatThrownBy(() -> small.process(Map.of("records", Tensor.ofStrings(new long[] {3}, three)))).hasMessage(message);
        assertThatThrownBy(() -> new TabularProcessor("features", SPEC, 0)).hasMessageContaining("maxRows");
    }

    @Test
    void unsupportedContentTypesAreA415ListingTheSupportedOnes() {
        assertThatThrownBy(() -> decode(TABULAR, "x", "application/x-npy"))
                .isInstanceOfSatisfying(SluiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE))
                .hasMessage("Content-Type 'application/x-npy' is not supported by the tabular pre-processor; use one of "
                        + "[text/csv, application/json, application/jsonlines, application/x-jsonlines, application/jsonl]");
    }

    // ---------------------------------------------------------------------------------------------------- process

    @Test
    void processPassesTheDecodedMatrixThrough() {
        DecodedPayload decoded = decode(TABULAR, "31,61000,plus\n", "text/csv");
        Map<String, Tensor> out = TABULAR.process(decoded.inputs());
        assertThat(out).containsOnlyKeys("input");
        assertThat(out.get("input")).isSameAs(decoded.inputs().get("input"));
    }

    @Test
    void processParsesRecordsWhenNoMatrixCameWithThem() {
        List<byte[]> texts = new ArrayList<>();
        for (String record : List.of("{\"age\": 31, \"income\": 61000, \"plan\": \"plus\"}", "[57, 43000.5, \"pro\"]",
                " 40 , 10000 , \"basic\" ")) {
            texts.add(record.getBytes(StandardCharsets.UTF_8));
        }
        Tensor records = Tensor.ofStrings(new long[] {3}, texts.toArray(byte[][]::new));
        assertThat(TABULAR.process(Map.of("records", records)).get("input").floats()).containsExactly(
                rows(features(31, 61000, "plus"), features(57, 43000.5, "pro"), features(40, 10000, "basic")));
        Tensor bad = Tensor.ofStrings(new long[] {2}, new byte[][] {"[1, 2, \"pro\"]".getBytes(StandardCharsets.UTF_8),
                "1,2".getBytes(StandardCharsets.UTF_8)});
        assertThatThrownBy(() -> TABULAR.process(Map.of("records", bad)))
                .hasMessage("row 2 (records[1]) has 2 fields but the feature spec has 3 columns [age, income, plan]");
        Tensor twoLines = Tensor.ofStrings(new long[] {1}, new byte[][] {"1,2,pro\n3,4,pro".getBytes(StandardCharsets.UTF_8)});
        assertThatThrownBy(() -> TABULAR.process(Map.of("records", twoLines)))
                .hasMessage("row 1 (records[0]) must be one JSON record or one CSV line");
        assertThatThrownBy(() -> TABULAR.process(Map.of("other", records)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs BYTES 'records'");
    }
}
