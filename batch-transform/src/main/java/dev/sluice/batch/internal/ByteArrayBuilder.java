package dev.sluice.batch.internal;

import java.io.ByteArrayOutputStream;

/** A ByteArrayOutputStream that can peek and copy a prefix without a second full copy. */
final class ByteArrayBuilder extends ByteArrayOutputStream {
    ByteArrayBuilder(int initial) {
        super(initial);
    }

    byte byteAt(int index) {
        return buf[index];
    }

    byte[] copy(int length) {
        return java.util.Arrays.copyOf(buf, length);
    }

    void writeIntLe(int v) {
        write(v);
        write(v >>> 8);
        write(v >>> 16);
        write(v >>> 24);
    }

    void writeLongLe(long v) {
        writeIntLe((int) v);
        writeIntLe((int) (v >>> 32));
    }
}
