package dev.sluice.core.codec.internal;

import dev.sluice.core.SluiceException;

/**
 * Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF. Text bodies are
 * checked up front because Jackson and {@code new String(..., UTF_8)} would otherwise accept or silently replace
 * some invalid sequences, and a text model should never see U+FFFD it was not sent.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** Throws a ValidationError naming the byte offset of the first invalid sequence. */
    public static void validate(byte[] body, String what) {
        int invalid = firstInvalid(body, 0, body.length);
        if (invalid >= 0) {
            throw SluiceException.validation(what + " is not valid UTF-8 at byte offset " + invalid);
        }
    }

    /** Offset of the first byte of an invalid sequence in {@code [from, to)}, or -1. */
    public static int firstInvalid(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            int need;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                min = 0x10000;
            } else {
                return i;
            }
            if (to - i <= need) {
                return i;
            }
            int cp = c & (0x3F >> need);
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return i;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return i;
            }
            i += need + 1;
        }
        return -1;
    }
}
