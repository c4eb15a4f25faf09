package dev.sluice.core.codec.internal;

import dev.sluice.core.SluiceException;
import java.nio.charset.StandardCharsets;

/**
 * A small RFC 4180 reader over UTF-8 bytes (already validated): comma-separated fields, fields in double quotes
 * may hold commas, line breaks and doubled quotes; records end at LF, CRLF or a lone CR. Blank lines are skipped.
 * Spaces and tabs around a field are not part of it (quote a field to keep them). A quote inside an unquoted
 * field is taken literally, as most CSV writers that forget to quote expect.
 *
 * <p>Splitting bytes is safe because no byte of a multi-byte UTF-8 sequence is an ASCII delimiter.
 */
public final class CsvReader {
    private final byte[] body;
    private int pos;
    private int line = 1;
    private int recordLine;
    private int column;
    private boolean recordDone = true;
    private String field;
    private boolean quoted;

    public CsvReader(byte[] body) {
        this.body = body;
        // A UTF-8 byte order mark is what spreadsheet exports put first; it is not data.
        if (body.length >= 3 && (body[0] & 0xFF) == 0xEF && (body[1] & 0xFF) == 0xBB && (body[2] & 0xFF) == 0xBF) {
            pos = 3;
        }
    }

    /** Moves to the next non-blank record; false at the end of the body. */
    public boolean nextRecord() {
        while (!recordDone) {
            nextField();
        }
        while (pos < body.length) {
            byte b = body[pos];
            if (b == ' ' || b == '\t') {
                pos++;
            } else if (b == '\n') {
                pos++;
                line++;
            } else if (b == '\r') {
                pos++;
                if (pos < body.length && body[pos] == '\n') {
                    pos++;
                }
                line++;
            } else {
                recordLine = line;
                column = 0;
                recordDone = false;
                return true;
            }
        }
        return false;
    }

    /** Reads the next field of the current record; false once the record has no more. */
    public boolean nextField() {
        if (recordDone) {
            return false;
        }
        column++;
        skipBlanks();
        if (pos < body.length && body[pos] == '"') {
            readQuoted();
        } else {
            int start = pos;
            while (pos < body.length && body[pos] != ',' && body[pos] != '\n' && body[pos] != '\r') {
                pos++;
            }
            int end = pos;
            while (end > start && (body[end - 1] == ' ' || body[end - 1] == '\t')) {
                end--;
            }
            field = new String(body, start, end - start, StandardCharsets.UTF_8);
            quoted = false;
        }
        endField();
        return true;
    }

    private void readQuoted() {
        int quoteLine = line;
        pos++;
        StringBuilder sb = null;
        int segment = pos;
        while (true) {
            if (pos >= body.length) {
                throw SluiceException.validation("line " + quoteLine + ", column " + column
                        + ": a quoted field is never closed");
            }
            byte b = body[pos];
            if (b == '"') {
                if (pos + 1 < body.length && body[pos + 1] == '"') {
                    sb = append(sb, segment, pos + 1);
                    pos += 2;
                    segment = pos;
                    continue;
                }
                sb = append(sb, segment, pos);
                pos++;
                break;
            }
            if (b == '\n' || (b == '\r' && (pos + 1 >= body.length || body[pos + 1] != '\n'))) {
                line++;
            }
            pos++;
        }
        field = sb.toString();
        quoted = true;
        skipBlanks();
        if (pos < body.length && body[pos] != ',' && body[pos] != '\n' && body[pos] != '\r') {
            throw SluiceException.validation("line " + line + ", column " + column
                    + ": unexpected text after a closing quote; inside a quoted field write a quote as \"\"");
        }
    }

    private StringBuilder append(StringBuilder sb, int from, int to) {
        StringBuilder out = sb == null ? new StringBuilder(to - from) : sb;
        out.append(new String(body, from, to - from, StandardCharsets.UTF_8));
        return out;
    }

    private void endField() {
        if (pos >= body.length) {
            recordDone = true;
            return;
        }
        byte b = body[pos];
        if (b == ',') {
            pos++;
            return;
        }
        pos++;
        if (b == '\r' && pos < body.length && body[pos] == '\n') {
            pos++;
        }
        line++;
        recordDone = true;
    }

    private void skipBlanks() {
        while (pos < body.length && (body[pos] == ' ' || body[pos] == '\t')) {
            pos++;
        }
    }

    /** The current field's text: unquoted fields trimmed of spaces and tabs, quoted ones exactly as written. */
    public String field() {
        return field;
    }

    public boolean quoted() {
        return quoted;
    }

    /** The line the current record starts on (1-based, counting blank lines). */
    public int recordLine() {
        return recordLine;
    }

    /** The current field's position in its record (1-based). */
    public int column() {
        return column;
    }

    /** The line the reader is on now (differs from {@link #recordLine} inside multi-line quoted fields). */
    public int line() {
        return line;
    }
}
