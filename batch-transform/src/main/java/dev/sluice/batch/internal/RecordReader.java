package dev.sluice.batch.internal;

import dev.sluice.batch.SplitType;
import java.io.IOException;
import java.io.InputStream;

/**
 * Streams the records of one input: never holds more than one record (bounded by the payload limit), so memory stays
 * flat whatever the file size.
 */
public interface RecordReader {
    /** The next record's payload (framing removed), or null at the end. */
    byte[] next() throws IOException;

    /**
     * @param maxRecordBytes a record larger than this fails the file ({@link RecordTooLargeException}) before it is
     *                       read whole, since it could never be sent
     */
    static RecordReader open(SplitType split, InputStream in, long maxRecordBytes) {
        return switch (split) {
            case NONE -> new WholeReader(in, maxRecordBytes);
            case LINE -> new LineReader(in, maxRecordBytes);
            case RECORD_IO -> new RecordIoReader(in, maxRecordBytes);
            case TF_RECORD -> new TfRecordReader(in, maxRecordBytes);
        };
    }

    /** A record that does not fit in one request even alone. */
    final class RecordTooLargeException extends IOException {
        public RecordTooLargeException(long recordNumber, long size, long limit) {
            super("record " + recordNumber + " is " + (size < 0 ? "more than " + limit : size) + " bytes, over the "
                    + "payload limit of " + limit + " bytes (--max-payload-mb); a record is never split across requests");
        }
    }

    /** SplitType None: the whole object is one record. */
    final class WholeReader implements RecordReader {
        private final InputStream in;
        private final long limit;
        private boolean done;

        WholeReader(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public byte[] next() throws IOException {
            if (done) {
                return null;
            }
            done = true;
            byte[] all = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (all.length > limit) {
                throw new RecordTooLargeException(1, -1, limit);
            }
            return all;
        }
    }

    /** SplitType Line: records end at \n; a \r before it is dropped (CRLF files); empty lines are not records. */
    final class LineReader implements RecordReader {
        private final InputStream in;
        private final long limit;
        private final byte[] buffer = new byte[64 * 1024];
        private int pos;
        private int end;
        private long recordNumber;
        private boolean eof;

        LineReader(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public byte[] next() throws IOException {
            while (true) {
                ByteArrayBuilder line = new ByteArrayBuilder(128);
                boolean sawAny = false;
                while (true) {
                    if (pos == end) {
                        if (eof || !fill()) {
                            break;
                        }
                    }
                    sawAny = true;
                    int start = pos;
                    while (pos < end && buffer[pos] != '\n') {
                        pos++;
                    }
                    line.write(buffer, start, pos - start);
                    // +1: a trailing \r may still be dropped; anything more can never be sent.
                    if (line.size() > limit + 1) {
                        throw new RecordTooLargeException(recordNumber + 1, -1, limit);
                    }
                    if (pos < end) {
                        pos++;
                        break;
                    }
                }
                if (!sawAny) {
                    return null;
                }
                int length = line.size();
                if (length > 0 && line.byteAt(length - 1) == '\r') {
                    length--;
                }
                if (length == 0) {
                    if (eof && pos == end) {
                        return null;
                    }
                    continue;
                }
                recordNumber++;
                if (length > limit) {
                    throw new RecordTooLargeException(recordNumber, length, limit);
                }
                return line.copy(length);
            }
        }

        private boolean fill() throws IOException {
            int n = in.read(buffer);
            if (n < 0) {
                eof = true;
                return false;
            }
            pos = 0;
            end = n;
            return true;
        }
    }

    /** SplitType RecordIO: MXNet/dmlc framing as core's RecordIo reads it, but from a stream. */
    final class RecordIoReader implements RecordReader {
        private static final int LENGTH_MASK = (1 << 29) - 1;
        private final InputStream in;
        private final long limit;
        private long offset;
        private long recordNumber;

        RecordIoReader(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public byte[] next() throws IOException {
            ByteArrayBuilder pending = null;
            while (true) {
                long at = offset;
                byte[] header = in.readNBytes(8);
                if (header.length == 0 && pending == null) {
                    return null;
                }
                if (header.length < 8) {
                    throw new IOException("RecordIO record at byte " + at + " is truncated: " + (header.length == 0
                            ? "a split record never ends" : "its 8-byte header has only " + header.length + " bytes"));
                }
                offset += 8;
                int magic = Bytes.intLe(header, 0);
                if (magic != dev.sluice.core.codec.internal.RecordIo.MAGIC) {
                    throw new IOException("RecordIO record at byte " + at + " does not start with the magic number "
                            + "0xCED7230A (found 0x" + Integer.toHexString(magic).toUpperCase(java.util.Locale.ROOT) + ")");
                }
                int word = Bytes.intLe(header, 4);
                int flag = word >>> 29;
                int length = word & LENGTH_MASK;
                long total = (pending == null ? 0 : pending.size() + 4L) + length;
                if (total > limit) {
                    throw new RecordTooLargeException(recordNumber + 1, total, limit);
                }
                byte[] payload = in.readNBytes(length);
                if (payload.length < length) {
                    throw new IOException("RecordIO record at byte " + at + " declares " + length + " bytes but only "
                            + payload.length + " follow");
                }
                offset += length;
                int padding = (4 - length % 4) % 4;
                // The last record's padding is sometimes left off by hand-rolled writers; nothing is lost without it.
                offset += Bytes.skipUpTo(in, padding);
                switch (flag) {
                    case 0 -> {
                        if (pending != null) {
                            throw new IOException("RecordIO split record before byte " + at + " never ends");
                        }
                        recordNumber++;
                        return payload;
                    }
                    case 1 -> {
                        if (pending != null) {
                            throw new IOException("RecordIO split record before byte " + at + " never ends");
                        }
                        pending = new ByteArrayBuilder(length + 64);
                        pending.write(payload, 0, length);
                    }
                    case 2, 3 -> {
                        if (pending == null) {
                            throw new IOException("RecordIO record at byte " + at + " continues a split record (flag "
                                    + flag + ") that never started");
                        }
                        // dmlc drops the magic word where it splits a payload; the reader puts it back.
                        pending.writeIntLe(dev.sluice.core.codec.internal.RecordIo.MAGIC);
                        pending.write(payload, 0, length);
                        if (flag == 3) {
                            recordNumber++;
                            return pending.copy(pending.size());
                        }
                    }
                    default -> throw new IOException("RecordIO record at byte " + at
                            + " has unknown continuation flag " + flag);
                }
            }
        }
    }

    /** SplitType TFRecord: uint64 length, masked CRC32C of the length, data, masked CRC32C of the data; both checked. */
    final class TfRecordReader implements RecordReader {
        private final InputStream in;
        private final long limit;
        private long offset;
        private long recordNumber;

        TfRecordReader(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public byte[] next() throws IOException {
            long at = offset;
            byte[] header = in.readNBytes(12);
            if (header.length == 0) {
                return null;
            }
            long number = recordNumber + 1;
            if (header.length < 12) {
                throw new IOException("TFRecord record " + number + " at byte " + at + " is truncated: its 12-byte "
                        + "header has only " + header.length + " bytes");
            }
            int lengthCrc = Bytes.intLe(header, 8);
            if (TfRecords.maskedCrc32c(header, 0, 8) != lengthCrc) {
                throw new IOException("TFRecord record " + number + " at byte " + at + ": the length's CRC32C does "
                        + "not match (corrupt or not a TFRecord file)");
            }
            long length = Bytes.longLe(header, 0);
            if (length < 0 || length > limit) {
                throw new RecordTooLargeException(number, length, limit);
            }
            byte[] data = in.readNBytes((int) length);
            byte[] crc = in.readNBytes(4);
            if (data.length < length || crc.length < 4) {
                throw new IOException("TFRecord record " + number + " at byte " + at + " is truncated: it declares "
                        + length + " bytes");
            }
            if (TfRecords.maskedCrc32c(data, 0, data.length) != Bytes.intLe(crc, 0)) {
                throw new IOException("TFRecord record " + number + " at byte " + at + ": the data's CRC32C does not "
                        + "match (corrupt record)");
            }
            offset += 16 + length;
            recordNumber = number;
            return data;
        }
    }
}
