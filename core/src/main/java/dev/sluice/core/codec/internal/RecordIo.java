package dev.sluice.core.codec.internal;

import dev.sluice.core.SluiceException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * MXNet/dmlc RecordIO framing, as SageMaker's built-in algorithms use it: each record is the little-endian
 * {@code uint32} magic {@code 0xCED7230A}, a {@code uint32} whose upper 3 bits are a continuation flag and lower
 * 29 bits the payload length, the payload, and zero padding to a multiple of 4 bytes.
 *
 * <p>Continuation flags: 0 a whole record; 1, 2, 3 the start, middle and end of a record the writer split. dmlc's
 * writer splits a payload where the magic word occurs at a 4-byte-aligned offset and drops that word, and its
 * reader puts it back between the parts; this reader does the same, so records written by dmlc come back intact.
 */
public final class RecordIo {
    public static final int MAGIC = 0xCED7230A;
    private static final int LENGTH_MASK = (1 << 29) - 1;

    private RecordIo() {
    }

    /** A record payload: {@code length} bytes of {@code array} from {@code offset}. */
    public record Slice(byte[] array, int offset, int length) {
    }

    /** Splits a body into record payloads, checking each declared length against the bytes actually there. */
    public static List<Slice> read(byte[] body) {
        List<Slice> records = new ArrayList<>();
        ByteArrayOutputStream pending = null;
        int pendingStart = -1;
        int pos = 0;
        while (pos < body.length) {
            int recordNumber = records.size() + 1;
            if (body.length - pos < 8) {
                throw SluiceException.validation("RecordIO record " + recordNumber + " at byte " + pos
                        + " is truncated: its 8-byte header has only " + (body.length - pos) + " bytes");
            }
            int magic = readIntLe(body, pos);
            if (magic != MAGIC) {
                throw SluiceException.validation("RecordIO record " + recordNumber + " at byte " + pos
                        + " does not start with the magic number 0xCED7230A (found 0x"
                        + Integer.toHexString(magic).toUpperCase(java.util.Locale.ROOT) + ")");
            }
            int header = readIntLe(body, pos + 4);
            int flag = header >>> 29;
            int length = header & LENGTH_MASK;
            int start = pos + 8;
            if (length > body.length - start) {
                throw SluiceException.validation("RecordIO record " + recordNumber + " at byte " + pos + " declares "
                        + length + " bytes but only " + (body.length - start) + " follow");
            }
            // The last record's padding is sometimes left off by hand-rolled writers; nothing is lost without it.
            pos = (int) Math.min(body.length, start + ((length + 3L) & ~3L));
            switch (flag) {
                case 0 -> {
                    if (pending != null) {
                        throw unfinished(pendingStart);
                    }
                    records.add(new Slice(body, start, length));
                }
                case 1 -> {
                    if (pending != null) {
                        throw unfinished(pendingStart);
                    }
                    pending = new ByteArrayOutputStream(length + 64);
                    pendingStart = start - 8;
                    pending.write(body, start, length);
                }
                case 2, 3 -> {
                    if (pending == null) {
                        throw SluiceException.validation("RecordIO record at byte " + (start - 8) + " continues a "
                                + "split record (flag " + flag + ") that never started");
                    }
                    writeIntLe(pending, MAGIC);
                    pending.write(body, start, length);
                    if (flag == 3) {
                        byte[] joined = pending.toByteArray();
                        records.add(new Slice(joined, 0, joined.length));
                        pending = null;
                    }
                }
                default -> throw SluiceException.validation("RecordIO record " + recordNumber + " at byte "
                        + (start - 8) + " has unknown continuation flag " + flag);
            }
        }
        if (pending != null) {
            throw unfinished(pendingStart);
        }
        return records;
    }

    private static SluiceException unfinished(int at) {
        return SluiceException.validation("the split RecordIO record starting at byte " + at + " never ends "
                + "(no part with continuation flag 3)");
    }

    /** Appends one whole record (flag 0), as the SageMaker Python SDK's {@code write_recordio} does. */
    public static void write(ByteArrayOutputStream out, byte[] payload) {
        if (payload.length > LENGTH_MASK) {
            throw new IllegalArgumentException("record of " + payload.length + " bytes exceeds RecordIO's 29-bit length");
        }
        writeIntLe(out, MAGIC);
        writeIntLe(out, payload.length);
        out.write(payload, 0, payload.length);
        int padding = (4 - payload.length % 4) % 4;
        for (int i = 0; i < padding; i++) {
            out.write(0);
        }
    }

    private static int readIntLe(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    private static void writeIntLe(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
