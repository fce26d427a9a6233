package dev.smallmind.model.gguf;

/**
 * The value types of GGUF metadata, with the type numbers the file stores and the fewest bytes one value of the
 * type can take (a string is at least its 8-byte length, an array at least its element type and count). The
 * minimum sizes let the reader reject counts that cannot fit in the bytes left before allocating anything.
 */
public enum GgufType {
    /** Unsigned 8-bit integer. */
    UINT8(0, 1),
    /** Signed 8-bit integer. */
    INT8(1, 1),
    /** Unsigned 16-bit integer. */
    UINT16(2, 2),
    /** Signed 16-bit integer. */
    INT16(3, 2),
    /** Unsigned 32-bit integer. */
    UINT32(4, 4),
    /** Signed 32-bit integer. */
    INT32(5, 4),
    /** IEEE 32-bit float. */
    FLOAT32(6, 4),
    /** One byte, 0 or 1. */
    BOOL(7, 1),
    /** uint64 byte length followed by UTF-8 bytes, no terminator. */
    STRING(8, 8),
    /** uint32 element type, uint64 count, then the elements. */
    ARRAY(9, 4 + 8),
    /** Unsigned 64-bit integer. */
    UINT64(10, 8),
    /** Signed 64-bit integer. */
    INT64(11, 8),
    /** IEEE 64-bit float. */
    FLOAT64(12, 8);

    private static final GgufType[] BY_ID = values();

    private final int id;
    private final int minBytes;

    GgufType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /**
     * @param id type number as stored in the file (read as unsigned)
     * @return the type, or {@code null} when the number is not a GGUF value type
     */
    public static GgufType fromId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** @return the type number stored in the file */
    public int id() {
        return id;
    }

    /** @return the fewest bytes one value of this type occupies in the file (its exact size when fixed) */
    public int minBytes() {
        return minBytes;
    }

    /** @return true for the eight integer types */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** @return true for FLOAT32 and FLOAT64 */
    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** @return true for the unsigned integer types */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }
}
