package dev.sluice.batch.internal;

import java.util.zip.CRC32C;

/** TFRecord framing (tensorflow/core/lib/io/record_writer.cc). */
public final class TfRecords {
    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecords() {
    }

    /** TensorFlow's masked CRC32C: rotated and offset so that CRCs of CRCs stay distinctive. */
    public static int maskedCrc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /** Appends one framed record. */
    public static void write(java.io.ByteArrayOutputStream out, byte[] data) {
        ByteArrayBuilder header = new ByteArrayBuilder(12);
        header.writeLongLe(data.length);
        byte[] length = header.toByteArray();
        out.write(length, 0, 8);
        writeIntLe(out, maskedCrc32c(length, 0, 8));
        out.write(data, 0, data.length);
        writeIntLe(out, maskedCrc32c(data, 0, data.length));
    }

    public static int framedSize(int length) {
        return 16 + length;
    }

    private static void writeIntLe(java.io.ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
