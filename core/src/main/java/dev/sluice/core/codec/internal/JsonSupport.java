package dev.sluice.core.codec.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import dev.sluice.core.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/** The JSON parser/generator set-up and the tensor reading/writing shared by the JSON-based codecs. */
public final class JsonSupport {
    /** Deep enough for any tensor a model takes (rank ≤ 8 plus a few wrapping objects), shallow enough to be safe. */
    public static final int MAX_NESTING_DEPTH = 64;

    /**
     * Non-numeric numbers are <em>read</em> so that {@code NaN} gets a message saying JSON has no NaN, instead of
     * Jackson's advice to enable a parser feature; they are rejected in {@link #readScalar}.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // FastDoubleParser rounds exactly like Double.parseDouble/Float.parseFloat, several times faster.
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private JsonSupport() {
    }

    /** A parser over a body already checked to be UTF-8. */
    /** Reads one JSON body with a parser; a checked exception so decoders can use Jackson directly. */
    @FunctionalInterface
    public interface BodyReader<T> {
        T read(JsonParser parser) throws IOException;
    }

    /**
     * The decode guard shared by the JSON-based codecs: strict UTF-8, a bounded parser, parse errors as
     * ValidationErrors naming the format, and anything unanticipated through {@link Failures#unexpected}.
     */
    public static <T> T decode(String format, byte[] body, String what, BodyReader<T> reader) {
        try {
            Utf8.validate(body, what);
            try (JsonParser p = parser(body)) {
                return reader.read(p);
            }
        } catch (SluiceException e) {
            throw e;
        } catch (IOException e) {
            throw malformed(format, e);
        } catch (RuntimeException e) {
            throw Failures.unexpected(format, e);
        }
    }

    /** Row {@code row} of the selected outputs: the bare row value for one output, else {@code {name: row}}. */
    public static void writeRecord(JsonGenerator g, Map<String, Tensor> selected, int row) throws IOException {
        if (selected.size() == 1) {
            writeRow(g, selected.values().iterator().next(), row);
            return;
        }
        g.writeStartObject();
        for (Map.Entry<String, Tensor> e : selected.entrySet()) {
            g.writeFieldName(e.getKey());
            writeRow(g, e.getValue(), row);
        }
        g.writeEndObject();
    }

    public static JsonParser parser(byte[] body) throws IOException {
        return FACTORY.createParser(body);
    }

    /** A parser over part of a body already checked to be UTF-8. */
    public static JsonParser parser(byte[] body, int offset, int length) throws IOException {
        return FACTORY.createParser(body, offset, length);
    }

    public static JsonGenerator generator(ByteArrayOutputStream out) {
        try {
            return FACTORY.createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A ValidationError for a parse failure, with Jackson's reason and the line/column, not its internals. */
    public static SluiceException malformed(String format, IOException e) {
        String reason;
        JsonLocation location = null;
        if (e instanceof StreamConstraintsException sce) {
            reason = "the body exceeds a parser limit: " + sce.getOriginalMessage();
            location = sce.getLocation();
        } else if (e instanceof JsonProcessingException jpe) {
            reason = jpe.getOriginalMessage();
            location = jpe.getLocation();
        } else {
            reason = String.valueOf(e.getMessage());
        }
        String at = location == null || location.getLineNr() < 0 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
        return new SluiceException(ErrorCode.VALIDATION_ERROR, "malformed " + format + ": " + reason + at, e);
    }

    /** Where the parser's current token starts, for error messages. */
    public static String location(JsonParser p) {
        JsonLocation l = p.currentTokenLocation();
        if (l == null || l.getLineNr() < 0) {
            return null;
        }
        return "line " + l.getLineNr() + ", column " + l.getColumnNr();
    }

    /** Fails unless nothing but whitespace follows the root value. */
    public static void expectEnd(JsonParser p, String format) throws IOException {
        JsonToken extra = p.nextToken();
        if (extra != null) {
            throw SluiceException.validation("malformed " + format + ": unexpected content after the top-level value ("
                    + location(p) + ")");
        }
    }

    /** A short description of the current token for "expected X but got Y" messages. */
    public static String describe(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "string \"" + TensorBuffer.abbreviate(p.getText()) + "\"";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number " + TensorBuffer.abbreviate(p.getText());
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    /** Appends the scalar at the parser's current token to {@code buffer}, converting it to the buffer's dtype. */
    public static void readScalar(JsonParser p, TensorBuffer buffer) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    buffer.addBigInteger(p.getBigIntegerValue());
                } else {
                    buffer.addLong(p.getLongValue());
                }
            }
            case VALUE_NUMBER_FLOAT -> {
                if (p.isNaN()) {
                    throw buffer.rejectNext(p.getText() + " (JSON has no NaN or Infinity; send finite numbers)");
                }
                DataType type = buffer.type();
                if (type.isInteger()) {
                    buffer.addDecimal(decimal(p, buffer));
                } else if (type == DataType.FP32 || type == DataType.FP16) {
                    // Parsed straight to float: going through double could round twice and break round trips.
                    float f = p.getFloatValue();
                    if (Float.isInfinite(f)) {
                        buffer.addDecimal(decimal(p, buffer));
                    } else {
                        buffer.addFloat(f);
                    }
                } else if (type == DataType.FP64) {
                    double d = p.getDoubleValue();
                    if (Double.isInfinite(d)) {
                        buffer.addDecimal(decimal(p, buffer));
                    } else {
                        buffer.addDouble(d);
                    }
                } else {
                    throw buffer.rejectNext("number " + TensorBuffer.abbreviate(p.getText()));
                }
            }
            case VALUE_TRUE -> buffer.addBoolean(true);
            case VALUE_FALSE -> buffer.addBoolean(false);
            case VALUE_STRING -> buffer.addString(p.getText());
            default -> throw buffer.rejectNext(describe(p));
        }
    }

    /**
     * The current number token exactly as written. Read from the text because Jackson cannot convert a number it
     * already parsed as float to BigDecimal.
     */
    private static BigDecimal decimal(JsonParser p, TensorBuffer buffer) throws IOException {
        String text = p.getText();
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            // JSON number syntax is already checked, so only an exponent beyond the int range gets here.
            throw buffer.rejectNext("number " + TensorBuffer.abbreviate(text) + " (exponent out of range)");
        }
    }

    // ---- writing ------------------------------------------------------------------------------------------------

    /** Writes a tensor as nested arrays following its shape (a bare value for rank 0). */
    public static void writeNested(JsonGenerator g, Tensor t) throws IOException {
        long[] shape = t.shape();
        writeNested(g, t, shape, 0, 0);
    }

    /**
     * Writes row {@code row} along the first dimension: a bare value for rank-1 tensors, nested arrays otherwise.
     * A rank-0 tensor is its own single row.
     */
    public static void writeRow(JsonGenerator g, Tensor t, int row) throws IOException {
        long[] shape = t.shape();
        if (shape.length == 0) {
            writeScalar(g, t, 0);
            return;
        }
        writeNested(g, t, shape, 1, row * t.rowSize());
    }

    private static int writeNested(JsonGenerator g, Tensor t, long[] shape, int axis, int offset) throws IOException {
        if (axis == shape.length) {
            writeScalar(g, t, offset);
            return offset + 1;
        }
        g.writeStartArray();
        int next = offset;
        for (long i = 0; i < shape[axis]; i++) {
            next = writeNested(g, t, shape, axis + 1, next);
        }
        g.writeEndArray();
        return next;
    }

    /** Writes every element in row-major order as one flat array. */
    public static void writeFlat(JsonGenerator g, Tensor t) throws IOException {
        g.writeStartArray();
        int n = t.elementCount();
        for (int i = 0; i < n; i++) {
            writeScalar(g, t, i);
        }
        g.writeEndArray();
    }

    /** One element: unsigned types as unsigned, FP16 as its float value, non-finite as null, BYTES as UTF-8 text. */
    public static void writeScalar(JsonGenerator g, Tensor t, int i) throws IOException {
        switch (t.type()) {
            case BOOL -> g.writeBoolean(t.booleans()[i]);
            case INT8 -> g.writeNumber(t.bytes()[i]);
            case UINT8 -> g.writeNumber(Byte.toUnsignedInt(t.bytes()[i]));
            case INT16 -> g.writeNumber(t.shorts()[i]);
            case UINT16 -> g.writeNumber(Short.toUnsignedInt(t.shorts()[i]));
            case INT32 -> g.writeNumber(t.ints()[i]);
            case UINT32 -> g.writeNumber(Integer.toUnsignedLong(t.ints()[i]));
            case INT64 -> g.writeNumber(t.longs()[i]);
            case UINT64 -> {
                long v = t.longs()[i];
                if (v >= 0) {
                    g.writeNumber(v);
                } else {
                    g.writeNumber(Long.toUnsignedString(v));
                }
            }
            case FP16 -> writeFloat(g, Halves.shortestFloat(t.shorts()[i]));
            case FP32 -> writeFloat(g, t.floats()[i]);
            case FP64 -> {
                double d = t.doubles()[i];
                if (Double.isFinite(d)) {
                    g.writeNumber(d);
                } else {
                    g.writeNull();
                }
            }
            case BYTES -> g.writeString(new String(t.strings()[i], StandardCharsets.UTF_8));
        }
    }

    private static void writeFloat(JsonGenerator g, float f) throws IOException {
        if (Float.isFinite(f)) {
            g.writeNumber(f);
        } else {
            g.writeNull();
        }
    }
}
