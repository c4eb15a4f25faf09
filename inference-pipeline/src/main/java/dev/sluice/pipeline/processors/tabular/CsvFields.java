package dev.sluice.pipeline.processors.tabular;

import dev.sluice.core.SluiceException;
import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 4180 reader over decoded text: comma-separated fields; a field in double quotes may hold commas, line breaks
 * and {@code ""} for a quote; records end at LF, CRLF or a lone CR; blank lines are skipped; spaces and tabs around
 * an unquoted field are not part of it. A byte order mark at the start is skipped. The same rules as the core CSV
 * codec, so a body that codec reads, this reads alike.
 */
final class CsvFields {
    private final String text;
    private int pos;
    private int line = 1;
    private int recordLine;

    CsvFields(String text) {
        this.text = text;
        if (text.startsWith("\uFEFF")) {
            pos = 1;
        }
    }

    /** The next non-blank record's fields, or null at the end of the text. */
    List<String> nextRecord() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (c == '\n' || c == '\r') {
                endOfLine();
            } else {
                break;
            }
        }
        if (pos >= text.length()) {
            return null;
        }
        recordLine = line;
        List<String> fields = new ArrayList<>();
        while (true) {
            fields.add(field(fields.size() + 1));
            if (pos >= text.length()) {
                return fields;
            }
            char c = text.charAt(pos);
            if (c == ',') {
                pos++;
                continue;
            }
            endOfLine();
            return fields;
        }
    }

    /** The line the last record started on, 1-based. */
    int recordLine() {
        return recordLine;
    }

    private String field(int column) {
        skipBlanks();
        if (pos < text.length() && text.charAt(pos) == '"') {
            return quoted(column);
        }
        int start = pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ',' || c == '\n' || c == '\r') {
                break;
            }
            pos++;
        }
        int end = pos;
        while (end > start && (text.charAt(end - 1) == ' ' || text.charAt(end - 1) == '\t')) {
            end--;
        }
        return text.substring(start, end);
    }

    private String quoted(int column) {
        int openLine = line;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw SluiceException.validation("line " + openLine + ", field " + column
                        + ": a quoted field is never closed");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                if (pos + 1 < text.length() && text.charAt(pos + 1) == '"') {
                    sb.append('"');
                    pos += 2;
                    continue;
                }
                pos++;
                break;
            }
            if (c == '\n' || c == '\r' && (pos + 1 >= text.length() || text.charAt(pos + 1) != '\n')) {
                line++;
            }
            sb.append(c);
            pos++;
        }
        skipBlanks();
        if (pos < text.length() && text.charAt(pos) != ',' && text.charAt(pos) != '\n' && text.charAt(pos) != '\r') {
            throw SluiceException.validation("line " + line + ", field " + column + ": unexpected text after a "
                    + "closing quote; inside a quoted field write a quote as \"\"");
        }
        return sb.toString();
    }

    private void endOfLine() {
        char c = text.charAt(pos++);
        if (c == '\r' && pos < text.length() && text.charAt(pos) == '\n') {
            pos++;
        }
        line++;
    }

    private void skipBlanks() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
    }
}
