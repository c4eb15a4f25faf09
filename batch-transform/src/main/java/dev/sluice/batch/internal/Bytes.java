package dev.sluice.batch.internal;

import java.io.IOException;
import java.io.InputStream;

/** Little-endian helpers for the binary framings. */
final class Bytes {
    private Bytes() {
    }

    static int intLe(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    static long longLe(byte[] b, int at) {
        return (intLe(b, at) & 0xFFFFFFFFL) | ((long) intLe(b, at + 4)) << 32;
    }

    /** Skips up to {@code n} bytes, fewer only at the end of the stream. */
    static int skipUpTo(InputStream in, int n) throws IOException {
        return in.readNBytes(n).length;
    }
}
