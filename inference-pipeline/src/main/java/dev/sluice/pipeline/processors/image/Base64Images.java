package dev.sluice.pipeline.processors.image;

import dev.sluice.core.SluiceException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Images sent as text: base64 (standard or URL-safe alphabet, padding optional, line breaks allowed) or a
 * {@code data:image/...;base64,...} URL.
 */
final class Base64Images {
    private Base64Images() {
    }

    /** The image bytes a base64 string or data URL carries. */
    static byte[] decode(String text, String label) {
        String payload = text.strip();
        if (payload.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = payload.indexOf(',');
            if (comma < 0) {
                throw SluiceException.validation(label + " is a data URL without a ',' before its data");
            }
            String metadata = payload.substring(5, comma).toLowerCase(Locale.ROOT);
            if (!metadata.endsWith(";base64")) {
                throw SluiceException.validation(label + " is a data URL that is not base64-encoded ('data:"
                        + metadata + ",...'); use 'data:image/png;base64,...'");
            }
            payload = payload.substring(comma + 1);
        }
        payload = withoutWhitespace(payload);
        if (payload.isEmpty()) {
            throw SluiceException.validation(label + " is empty");
        }
        boolean urlSafe = payload.indexOf('-') >= 0 || payload.indexOf('_') >= 0;
        try {
            return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(payload);
        } catch (IllegalArgumentException e) {
            throw SluiceException.validation(label + " is not valid base64: " + e.getMessage());
        }
    }

    /**
     * A BYTES element as image bytes: raw encoded bytes as they are, text (base64 or a data URL, which is what a
     * payload codec makes of a JSON string) decoded. No image format starts with bytes that are all base64 letters,
     * so the two cannot be confused.
     */
    static byte[] unwrap(byte[] element, String label) {
        if (element == null || element.length == 0) {
            throw SluiceException.validation(label + " is empty");
        }
        if (!isText(element)) {
            return element;
        }
        return decode(new String(element, StandardCharsets.ISO_8859_1), label);
    }

    private static boolean isText(byte[] bytes) {
        if (bytes.length >= 5 && new String(bytes, 0, 5, StandardCharsets.ISO_8859_1).equalsIgnoreCase("data:")) {
            return true;
        }
        for (byte b : bytes) {
            boolean base64 = b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
                    || b == '+' || b == '/' || b == '=' || b == '-' || b == '_'
                    || b == '\r' || b == '\n' || b == ' ' || b == '\t';
            if (!base64) {
                return false;
            }
        }
        return true;
    }

    private static String withoutWhitespace(String text) {
        boolean any = false;
        for (int i = 0; i < text.length() && !any; i++) {
            any = Character.isWhitespace(text.charAt(i));
        }
        if (!any) {
            return text;
        }
        StringBuilder compact = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (!Character.isWhitespace(ch)) {
                compact.append(ch);
            }
        }
        return compact.toString();
    }
}
