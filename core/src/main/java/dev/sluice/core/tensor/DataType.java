package dev.sluice.core.tensor;

import java.util.Locale;

/**
 * Element types a tensor can hold, with their Open Inference Protocol v2 name and NumPy descriptor.
 * Storage (see {@link Tensor}): FP32 float[], FP64 double[], FP16 short[] (IEEE half bits), INT8/UINT8 byte[],
 * INT16/UINT16 short[], INT32/UINT32 int[], INT64/UINT64 long[], BOOL boolean[], BYTES byte[][].
 * Unsigned types reuse the signed array of the same width; readers must mask.
 */
public enum DataType {
    BOOL("BOOL", "|b1", 1, boolean[].class),
    UINT8("UINT8", "|u1", 1, byte[].class),
    UINT16("UINT16", "<u2", 2, short[].class),
    UINT32("UINT32", "<u4", 4, int[].class),
    UINT64("UINT64", "<u8", 8, long[].class),
    INT8("INT8", "|i1", 1, byte[].class),
    INT16("INT16", "<i2", 2, short[].class),
    INT32("INT32", "<i4", 4, int[].class),
    INT64("INT64", "<i8", 8, long[].class),
    FP16("FP16", "<f2", 2, short[].class),
    FP32("FP32", "<f4", 4, float[].class),
    FP64("FP64", "<f8", 8, double[].class),
    /** Variable-length byte strings (UTF-8 text for text models). Has no fixed width. */
    BYTES("BYTES", null, -1, byte[][].class);

    private final String v2Name;
    private final String numpyDescr;
    private final int byteWidth;
    private final Class<?> storage;

    DataType(String v2Name, String numpyDescr, int byteWidth, Class<?> storage) {
        this.v2Name = v2Name;
        this.numpyDescr = numpyDescr;
        this.byteWidth = byteWidth;
        this.storage = storage;
    }

    public String v2Name() {
        return v2Name;
    }

    /** NumPy dtype descriptor (little-endian), null for BYTES. */
    public String numpyDescr() {
        return numpyDescr;
    }

    /** Bytes per element, -1 for BYTES. */
    public int byteWidth() {
        return byteWidth;
    }

    /** The Java array class that holds elements of this type. */
    public Class<?> storage() {
        return storage;
    }

    public boolean isFloatingPoint() {
        return this == FP16 || this == FP32 || this == FP64;
    }

    public boolean isInteger() {
        return this != BOOL && this != BYTES && !isFloatingPoint();
    }

    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** Parses an OIP v2 datatype name, case-insensitively; null when unknown. */
    public static DataType fromV2Name(String name) {
        if (name == null) {
            return null;
        }
        String upper = name.toUpperCase(Locale.ROOT);
        for (DataType t : values()) {
            if (t.v2Name.equals(upper)) {
                return t;
            }
        }
        return null;
    }
}
