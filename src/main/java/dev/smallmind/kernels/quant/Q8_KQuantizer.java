package dev.smallmind.kernels.quant;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * F32 to Q8_K, the activation format of the K-quant dot products, exactly as ggml's
 * {@code quantize_row_q8_K_ref}: per super-block of 256 values the signed value of largest magnitude {@code max}
 * gives {@code iscale = -127 / max}, each value becomes {@code min(127, nearest(iscale * x))} (so {@code max}
 * itself maps to -127), {@code d = 1 / iscale} is stored as a float32, and the 16 sums of 16 consecutive quants
 * are stored as int16 ({@code bsums}) for the mins correction of Q4_K/Q5_K and the offset of Q6_K.
 *
 * <p>Block layout (292 bytes): float32 d at 0, 256 int8 quants at {@link #QS}, 16 int16 sums at {@link #BSUMS}.
 * Allocation-free and used by kernels' {@code prepare}, so it validates nothing.
 */
public final class Q8_KQuantizer {
    /** Values per block. */
    public static final int QK = 256;
    /** Byte offset of the quants in a block. */
    public static final int QS = 4;
    /** Byte offset of the 16 int16 group sums in a block. */
    public static final int BSUMS = 4 + QK;
    /** Bytes per block. */
    public static final int BLOCK_BYTES = DType.Q8_K.blockBytes();

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q8_KQuantizer() {
    }

    /**
     * Quantizes {@code k} floats (a multiple of 256) into {@code k / 256} Q8_K blocks.
     *
     * @param x         source floats
     * @param xOffset   byte offset of the first float
     * @param dst       destination blocks
     * @param dstOffset byte offset of the first block
     * @param k         value count
     */
    public static void quantizeRow(MemorySegment x, long xOffset, MemorySegment dst, long dstOffset, int k) {
        int blocks = k / QK;
        for (int b = 0; b < blocks; b++) {
            long src = xOffset + (long) b * QK * 4;
            long blk = dstOffset + (long) b * BLOCK_BYTES;
            float iscale = inverseScale(x, src);
            if (iscale == 0) {
                for (int j = 0; j < BLOCK_BYTES; j++) {
                    dst.set(ValueLayout.JAVA_BYTE, blk + j, (byte) 0);
                }
                continue;
            }
            for (int g = 0; g < QK / 16; g++) {
                int sum = 0;
                for (int j = g * 16; j < g * 16 + 16; j++) {
                    int q = quant(x.get(F32, src + 4L * j), iscale);
                    dst.set(ValueLayout.JAVA_BYTE, blk + QS + j, (byte) q);
                    sum += q;
                }
                dst.set(I16, blk + BSUMS + 2L * g, (short) sum);
            }
            dst.set(F32, blk, 1 / iscale);
        }
    }

    /**
     * Quantizes activation rows {@code [from, to)} of {@code k} floats each into rows of {@code k / 256} Q8_K
     * blocks, {@link #rowBytes(int)} apart: the {@code prepare} step of the scalar reference kernels (the Vector API
     * kernels store the same values widened and reordered).
     *
     * @param x          F32 rows
     * @param xOffset    byte offset of row 0
     * @param k          row length, a multiple of 256
     * @param from       first row
     * @param to         one past the last row
     * @param prep       destination
     * @param prepOffset byte offset of prepared row 0
     */
    public static void quantizeRows(MemorySegment x, long xOffset, int k, int from, int to,
                                    MemorySegment prep, long prepOffset) {
        long rowBytes = rowBytes(k);
        for (int r = from; r < to; r++) {
            quantizeRow(x, xOffset + (long) r * k * 4, prep, prepOffset + r * rowBytes, k);
        }
    }

    /**
     * @param k row length, a multiple of 256
     * @return bytes of one row of Q8_K blocks
     */
    public static long rowBytes(int k) {
        return (long) (k / QK) * BLOCK_BYTES;
    }

    /**
     * Decodes Q8_K blocks to floats ({@code d * q}), for checks against the quantized activations.
     *
     * @param src       Q8_K blocks
     * @param srcOffset byte offset of the first block
     * @param dst       destination floats
     * @param dstOffset byte offset of the first float
     * @param k         value count, a multiple of 256
     */
    public static void dequantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int k) {
        int blocks = k / QK;
        for (int b = 0; b < blocks; b++) {
            long blk = srcOffset + (long) b * BLOCK_BYTES;
            float d = src.get(F32, blk);
            for (int j = 0; j < QK; j++) {
                dst.set(F32, dstOffset + 4L * (b * QK + j), d * src.get(ValueLayout.JAVA_BYTE, blk + QS + j));
            }
        }
    }

    /**
     * @param x   floats
     * @param src byte offset of a super-block of 256
     * @return {@code -127 / max} for the signed value {@code max} of largest magnitude (the first one on ties), or
     *         0 when every value is 0
     */
    public static float inverseScale(MemorySegment x, long src) {
        float max = 0;
        float amax = 0;
        for (int j = 0; j < QK; j++) {
            float v = x.get(F32, src + 4L * j);
            float av = Math.abs(v);
            if (av > amax) {
                amax = av;
                max = v;
            }
        }
        return amax == 0 ? 0 : -127.f / max;
    }

    /**
     * @param v      a value
     * @param iscale its super-block's {@link #inverseScale}
     * @return its Q8_K quant, -127 to 127
     */
    public static int quant(float v, float iscale) {
        return Math.min(127, nearestInt(iscale * v));
    }

    /**
     * ggml's {@code nearest_int}: round to nearest, ties to even, by adding 1.5 * 2^23 and reading the mantissa.
     * Exact for {@code |f| <= 4194303}.
     */
    static int nearestInt(float f) {
        return (Float.floatToRawIntBits(f + 12582912.f) & 0x007fffff) - 0x00400000;
    }
}
