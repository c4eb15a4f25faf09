package dev.sluice.pipeline.processors.image;

import dev.sluice.core.SluiceException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A {@code multipart/form-data} body (RFC 7578 over RFC 2046 §5.1) already in memory, split into its parts without
 * copying more than each part's content. Small on purpose: the request is one byte array (the server buffers it
 * under its payload limit), so a streaming parser and its dependency would buy nothing.
 *
 * <p>Accepted: a preamble and an epilogue (ignored), transport padding after a boundary, a part with no headers.
 * Refused as ValidationErrors: no or an over-long boundary parameter, a body without the boundary, a part whose
 * headers do not end, a body that stops before the closing {@code --boundary--}, more parts than allowed.
 */
final class MultipartFormData {
    /** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
    static final int MAX_BOUNDARY = 70;
    /** Headers of one part are a few lines; more is not a form a client built. */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};
    private static final byte[] DASHES = {'-', '-'};

    /** One part: its form field name and file name (either may be null), its Content-Type (may be null). */
    record Part(String name, String filename, String contentType, byte[] content) {
        /** How messages name the image in this part: {@code image 2 (multipart part "cat.jpg")}. */
        String label(int index) {
            String id = filename != null && !filename.isEmpty() ? filename : name;
            return "image " + index + (id == null || id.isEmpty() ? " (multipart part " + index + ")"
                    : " (multipart part \"" + id + "\")");
        }
    }

    private MultipartFormData() {
    }

    /** The {@code boundary} parameter of a {@code multipart/form-data} Content-Type, unquoted. */
    static String boundary(String contentType) {
        for (String parameter : contentType.split(";")) {
            String p = parameter.trim();
            int equals = p.indexOf('=');
            if (equals > 0 && p.substring(0, equals).trim().equalsIgnoreCase("boundary")) {
                String value = p.substring(equals + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                if (value.isEmpty() || value.length() > MAX_BOUNDARY) {
                    throw SluiceException.validation("Content-Type multipart/form-data has a boundary of "
                            + value.length() + " characters; it must have 1 to " + MAX_BOUNDARY);
                }
                return value;
            }
        }
        throw SluiceException.validation("Content-Type multipart/form-data needs a boundary parameter, e.g. "
                + "'multipart/form-data; boundary=xyz'");
    }

    /** Splits {@code body} into at most {@code maxParts} parts. */
    static List<Part> parse(byte[] body, String boundary, int maxParts) {
        byte[] dashBoundary = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int position;
        if (startsWith(body, 0, dashBoundary)) {
            position = dashBoundary.length;
        } else {
            int at = indexOf(body, delimiter, 0);
            if (at < 0) {
                throw SluiceException.validation("multipart body does not contain its boundary '--" + boundary + "'");
            }
            position = at + delimiter.length;
        }
        List<Part> parts = new ArrayList<>();
        while (true) {
            int index = parts.size();
            if (startsWith(body, position, DASHES)) {
                break;
            }
            while (position < body.length && (body[position] == ' ' || body[position] == '\t')) {
                position++;
            }
            if (!startsWith(body, position, CRLF)) {
                throw SluiceException.validation(position >= body.length
                        ? "multipart body ends before its closing boundary '--" + boundary + "--' (truncated?)"
                        : "multipart boundary before part " + index + " is not followed by CRLF");
            }
            position += 2;
            int headersEnd;
            int contentStart;
            if (startsWith(body, position, CRLF)) {
                headersEnd = position;
                contentStart = position + 2;
            } else {
                headersEnd = indexOf(body, HEADERS_END, position);
                if (headersEnd < 0 || headersEnd - position > MAX_HEADER_BYTES) {
                    throw SluiceException.validation("multipart part " + index
                            + " has no end of headers (a blank line) within " + MAX_HEADER_BYTES + " bytes");
                }
                contentStart = headersEnd + 4;
            }
            int contentEnd = indexOf(body, delimiter, contentStart);
            if (contentEnd < 0) {
                throw SluiceException.validation("multipart part " + index + " is not followed by a boundary: the "
                        + "body ends inside it (truncated?)");
            }
            if (index == maxParts) {
                throw SluiceException.validation("multipart body has more than " + maxParts
                        + " images (Environment.MAX_IMAGES)");
            }
            parts.add(part(new String(body, position, headersEnd - position, StandardCharsets.UTF_8),
                    Arrays.copyOfRange(body, contentStart, contentEnd)));
            position = contentEnd + delimiter.length;
        }
        if (parts.isEmpty()) {
            throw SluiceException.validation("multipart body has no parts");
        }
        return parts;
    }

    private static Part part(String headers, byte[] content) {
        String name = null;
        String filename = null;
        String contentType = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String header = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (header.equals("content-type")) {
                contentType = value;
            } else if (header.equals("content-disposition")) {
                name = parameter(value, "name");
                filename = parameter(value, "filename");
            }
        }
        return new Part(name, filename, contentType, content);
    }

    /** A parameter of a header value, quoted-string aware (a quoted value may contain ';'). */
    static String parameter(String headerValue, String wanted) {
        int i = headerValue.indexOf(';');
        while (i >= 0 && i < headerValue.length()) {
            i++;
            while (i < headerValue.length() && headerValue.charAt(i) == ' ') {
                i++;
            }
            int equals = headerValue.indexOf('=', i);
            if (equals < 0) {
                return null;
            }
            String key = headerValue.substring(i, equals).trim();
            int j = equals + 1;
            String value;
            if (j < headerValue.length() && headerValue.charAt(j) == '"') {
                StringBuilder quoted = new StringBuilder();
                j++;
                while (j < headerValue.length() && headerValue.charAt(j) != '"') {
                    char ch = headerValue.charAt(j);
                    if (ch == '\\' && j + 1 < headerValue.length()) {
                        ch = headerValue.charAt(++j);
                    }
                    quoted.append(ch);
                    j++;
                }
                value = quoted.toString();
                i = headerValue.indexOf(';', j);
            } else {
                int semicolon = headerValue.indexOf(';', j);
                value = (semicolon < 0 ? headerValue.substring(j) : headerValue.substring(j, semicolon)).trim();
                i = semicolon;
            }
            if (key.equalsIgnoreCase(wanted)) {
                return value;
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] haystack, int at, byte[] prefix) {
        if (at < 0 || at + prefix.length > haystack.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (haystack[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        for (int i = Math.max(0, from); i <= last; i++) {
            if (haystack[i] == first && startsWith(haystack, i, needle)) {
                return i;
            }
        }
        return -1;
    }
}
