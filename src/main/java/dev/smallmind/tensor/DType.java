package dev.smallmind.tensor;

/**
 * Element types of tensors, with their storage layout declared once. Quantized types store values in blocks of
 * {@link #blockSize()} elements taking {@link #blockBytes()} bytes each, exactly as ggml lays them out
 * ({@code ggml-common.h}); {@link #ggmlId()} is the type number used in GGUF files.
 */
public enum DType {
    /** 32-bit IEEE float. */
    F32(0, 1, 4),
    /** 16-bit IEEE half float. */
    F16(1, 1, 2),
    /** Blocks of 32: fp16 scale d, 16 bytes of 4-bit quants; x = d * (q - 8). */
    Q4_0(2, 32, 2 + 16),
    /** Blocks of 32: fp16 scale d, fp16 minimum m, 16 bytes of 4-bit quants; x = d * q + m. */
    Q4_1(3, 32, 2 + 2 + 16),
    /** Blocks of 32: fp16 d, 4 bytes of high bits, 16 bytes of low nibbles; x = d * (q - 16). */
    Q5_0(6, 32, 2 + 4 + 16),
    /** Blocks of 32: fp16 d, fp16 m, 4 bytes of high bits, 16 bytes of low nibbles; x = d * q + m. */
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    /** Blocks of 32: fp16 scale d, 32 signed bytes; x = d * q. */
    Q8_0(8, 32, 2 + 32),
    /** Blocks of 32: fp16 d, fp16 s = d * sum(q), 32 signed bytes (activation type for Q4_1). */
    Q8_1(9, 32, 2 + 2 + 32),
    /** Super-blocks of 256: fp16 d, fp16 dmin, 12 bytes of packed 6-bit scales/mins, 128 bytes of nibbles. */
    Q4_K(12, 256, 2 + 2 + 12 + 128),
    /** Super-blocks of 256: fp16 d, fp16 dmin, 12 bytes of scales/mins, 32 bytes high bits, 128 bytes nibbles. */
    Q5_K(13, 256, 2 + 2 + 12 + 32 + 128),
    /** Super-blocks of 256: 128 bytes low nibbles, 64 bytes high 2 bits, 16 signed 8-bit scales, fp16 d. */
    Q6_K(14, 256, 128 + 64 + 16 + 2),
    /** Super-blocks of 256: float32 d, 256 signed bytes, 16 int16 block sums (activation type for K-quants). */
    Q8_K(15, 256, 4 + 256 + 16 * 2),
    /** bfloat16: the upper half of an IEEE float32. */
    BF16(30, 1, 2);

    private static final DType[] BY_ID = new DType[64];

    static {
        for (DType t : values()) {
            BY_ID[t.ggmlId] = t;
        }
        checkLayout(Q4_0, 32, 18);
        checkLayout(Q4_1, 32, 20);
        checkLayout(Q5_0, 32, 22);
        checkLayout(Q5_1, 32, 24);
        checkLayout(Q8_0, 32, 34);
        checkLayout(Q8_1, 32, 36);
        checkLayout(Q4_K, 256, 144);
        checkLayout(Q5_K, 256, 176);
        checkLayout(Q6_K, 256, 210);
        checkLayout(Q8_K, 256, 292);
    }

    private final int ggmlId;
    private final int blockSize;
    private final int blockBytes;

    DType(int ggmlId, int blockSize, int blockBytes) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    private static void checkLayout(DType t, int size, int bytes) {
        if (t.blockSize != size || t.blockBytes != bytes) {
            throw new AssertionError(t + " block layout " + t.blockSize + "/" + t.blockBytes
                    + " differs from ggml's " + size + "/" + bytes);
        }
    }

    /**
     * @param id ggml type number from a GGUF tensor info
     * @return the type, or {@code null} when the engine does not know it
     */
    public static DType fromGgmlId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** @return the ggml type number */
    public int ggmlId() {
        return ggmlId;
    }

    /** @return elements per block (1 for plain float types) */
    public int blockSize() {
        return blockSize;
    }

    /** @return bytes per block */
    public int blockBytes() {
        return blockBytes;
    }

    /** @return true for block-quantized types */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * @param elements a row length
     * @return bytes the row takes
     * @throws IllegalArgumentException when {@code elements} is not a multiple of the block size
     */
    public long rowBytes(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    "row length " + elements + " is not a multiple of " + this + "'s block size " + blockSize);
        }
        return elements / blockSize * blockBytes;
    }

    /** @return lower-case name as ggml prints it (q4_K keeps its capital K) */
    public String ggmlName() {
        String n = name().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith("_k") ? n.substring(0, n.length() - 1) + "K" : n;
    }
}
