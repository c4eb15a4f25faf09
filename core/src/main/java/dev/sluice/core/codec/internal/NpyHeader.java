package dev.sluice.core.codec.internal;

import dev.sluice.core.SluiceException;
import dev.sluice.core.tensor.DataType;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The header of a NumPy {@code .npy} file (format versions 1.0, 2.0 and 3.0): magic {@code \x93NUMPY}, version,
 * header length, then a Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), }} padded with spaces and ending in a newline.
 *
 * @param type       the element type
 * @param order      the byte order of the data
 * @param shape      the dimensions
 * @param dataOffset where the data starts in the file
 */
public record NpyHeader(DataType type, ByteOrder order, long[] shape, int dataOffset) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy itself refuses headers over 10,000 bytes by default; a generous multiple of that is still small. */
    private static final int MAX_HEADER_LENGTH = 65_536;
    private static final int MAX_RANK = 64;

    /** Parses and validates the header; every failure is a ValidationError that says what is wrong. */
    public static NpyHeader parse(byte[] body) {
        if (body.length < 10 || !Arrays.equals(body, 0, 6, MAGIC, 0, 6)) {
            throw SluiceException.validation("not an NPY file: it must start with the bytes \\x93NUMPY");
        }
        int major = body[6] & 0xFF;
        int minor = body[7] & 0xFF;
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = (body[8] & 0xFF) | (body[9] & 0xFF) << 8;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (body.length < 12) {
                throw SluiceException.validation("the NPY file ends inside its preamble");
            }
            headerLength = ((body[8] & 0xFFL) | (body[9] & 0xFFL) << 8 | (body[10] & 0xFFL) << 16
                    | (body[11] & 0xFFL) << 24);
            headerStart = 12;
        } else {
            throw SluiceException.validation("NPY format version " + major + "." + minor
                    + " is not supported; use 1.0, 2.0 or 3.0");
        }
        if (headerLength > MAX_HEADER_LENGTH) {
            throw SluiceException.validation("the NPY header claims " + headerLength + " bytes; at most "
                    + MAX_HEADER_LENGTH + " are accepted");
        }
        if (headerLength > body.length - headerStart) {
            throw SluiceException.validation("the NPY header claims " + headerLength + " bytes but the file has only "
                    + (body.length - headerStart) + " after the preamble");
        }
        String text = new String(body, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return new DictParser(text).parse(headerStart + (int) headerLength);
    }

    /** A version 1.0 header for a little-endian C-order array, padded so the data is 64-byte aligned. */
    public static byte[] write(DataType type, long[] shape) {
        StringBuilder dict = new StringBuilder("{'descr': '").append(type.numpyDescr())
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                dict.append(", ");
            }
            dict.append(shape[i]);
        }
        // A one-element Python tuple needs its trailing comma: (3,) not (3).
        dict.append(shape.length == 1 ? ",), }" : "), }");
        // NumPy aligns the data to 64 bytes so that it can be memory-mapped; the newline is part of the padding.
        int unpadded = 10 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        dict.append(" ".repeat(padding)).append('\n');
        byte[] header = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + header.length];
        System.arraycopy(MAGIC, 0, out, 0, 6);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) header.length;
        out[9] = (byte) (header.length >>> 8);
        System.arraycopy(header, 0, out, 10, header.length);
        return out;
    }

    /** Reads the fixed dict NumPy writes; anything beyond literals of str, bool and tuple-of-int is refused. */
    private static final class DictParser {
        private final String s;
        private int i;

        DictParser(String s) {
            this.s = s;
        }

        NpyHeader parse(int dataOffset) {
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            skipSpace();
            expect('{');
            skipSpace();
            while (peek() != '}') {
                String key = string();
                skipSpace();
                expect(':');
                skipSpace();
                switch (key) {
                    case "descr" -> {
                        if (peek() == '[') {
                            throw SluiceException.validation("NPY structured arrays (record dtypes) are not supported");
                        }
                        descr = string();
                    }
                    case "fortran_order" -> fortran = bool();
                    case "shape" -> shape = tuple();
                    default -> throw SluiceException.validation("the NPY header has an unexpected key '"
                            + TensorBuffer.abbreviate(key) + "'");
                }
                skipSpace();
                if (peek() == ',') {
                    i++;
                    skipSpace();
                } else if (peek() != '}') {
                    throw syntax("',' or '}'");
                }
            }
            if (descr == null || fortran == null || shape == null) {
                throw SluiceException.validation("the NPY header must give 'descr', 'fortran_order' and 'shape'");
            }
            if (fortran) {
                throw SluiceException.validation("NPY arrays in Fortran (column-major) order are not supported; "
                        + "save a C-order array, e.g. np.save(f, np.ascontiguousarray(a))");
            }
            Descr d = descr(descr);
            return new NpyHeader(d.type, d.order, shape, dataOffset);
        }

        private record Descr(DataType type, ByteOrder order) {
        }

        private static Descr descr(String descr) {
            if (descr.length() < 3) {
                throw unsupported(descr);
            }
            char orderChar = descr.charAt(0);
            ByteOrder order = switch (orderChar) {
                // '=' is the writer's native order; NumPy runs on little-endian hardware almost everywhere.
                case '<', '|', '=' -> ByteOrder.LITTLE_ENDIAN;
                case '>' -> ByteOrder.BIG_ENDIAN;
                default -> throw unsupported(descr);
            };
            DataType type = switch (descr.substring(1)) {
                case "b1" -> DataType.BOOL;
                case "u1" -> DataType.UINT8;
                case "u2" -> DataType.UINT16;
                case "u4" -> DataType.UINT32;
                case "u8" -> DataType.UINT64;
                case "i1" -> DataType.INT8;
                case "i2" -> DataType.INT16;
                case "i4" -> DataType.INT32;
                case "i8" -> DataType.INT64;
                case "f2" -> DataType.FP16;
                case "f4" -> DataType.FP32;
                case "f8" -> DataType.FP64;
                default -> throw unsupported(descr);
            };
            return new Descr(type, order);
        }

        private static SluiceException unsupported(String descr) {
            return SluiceException.validation("NPY dtype '" + TensorBuffer.abbreviate(descr) + "' is not supported; "
                    + "use bool, int8-64, uint8-64 or float16/32/64 (e.g. '<f4')");
        }

        private String string() {
            char quote = peek();
            if (quote != '\'' && quote != '"') {
                throw syntax("a quoted string");
            }
            int end = s.indexOf(quote, i + 1);
            if (end < 0) {
                throw syntax("a closing quote");
            }
            String value = s.substring(i + 1, end);
            i = end + 1;
            return value;
        }

        private boolean bool() {
            if (s.startsWith("True", i)) {
                i += 4;
                return true;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return false;
            }
            throw syntax("True or False");
        }

        private long[] tuple() {
            expect('(');
            long[] dims = new long[MAX_RANK];
            int rank = 0;
            skipSpace();
            while (peek() != ')') {
                if (rank == MAX_RANK) {
                    throw SluiceException.validation("the NPY shape has more than " + MAX_RANK + " dimensions");
                }
                dims[rank++] = integer();
                skipSpace();
                if (peek() == ',') {
                    i++;
                    skipSpace();
                } else if (peek() != ')') {
                    throw syntax("',' or ')'");
                }
            }
            i++;
            return Arrays.copyOf(dims, rank);
        }

        private long integer() {
            int start = i;
            long value = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                if (i - start >= 18) {
                    throw SluiceException.validation("an NPY shape dimension is too large");
                }
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == start) {
                throw syntax("a non-negative integer");
            }
            // Python 2 wrote long integers with an L suffix.
            if (i < s.length() && s.charAt(i) == 'L') {
                i++;
            }
            return value;
        }

        private char peek() {
            if (i >= s.length()) {
                throw syntax("more header text");
            }
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw syntax("'" + c + "'");
            }
            i++;
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private SluiceException syntax(String expected) {
            return SluiceException.validation("the NPY header is malformed at character " + i + ": expected "
                    + expected);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && h.type == type && h.order.equals(order) && Arrays.equals(h.shape, shape)
                && h.dataOffset == dataOffset;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + type.hashCode();
    }

    @Override
    public String toString() {
        return "NpyHeader[" + type + " " + order + " " + Arrays.toString(shape) + " @" + dataOffset + "]";
    }
}
