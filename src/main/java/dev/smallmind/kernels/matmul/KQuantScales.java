package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.quant.Q8_KQuantizer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reading the scale fields of K-quant blocks: fp16 super-block scales, the Q8_K group sums that carry the mins
 * correction, and the 12-byte field of Q4_K and Q5_K super-blocks that packs eight 6-bit sub-block scales and eight 6-bit mins
 * (ggml's {@code get_scale_min_k4} layout). Bytes 0-3 hold scales 0-3 in their low 6 bits, bytes 4-7 mins 0-3;
 * scales and mins 4-7 keep their low 4 bits in the nibbles of bytes 8-11 and their top 2 bits in the spare high
 * bits of bytes 0-3 (scales) and 4-7 (mins).
 */
public final class KQuantScales {
    /** Bytes of the packed field. */
    public static final int BYTES = 12;

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private KQuantScales() {
    }

    /**
     * @param s   memory holding the field
     * @param off byte offset of the field
     * @param j   sub-block, 0 to 7
     * @return its 6-bit scale
     */
    public static int scale(MemorySegment s, long off, int j) {
        if (j < 4) {
            return s.get(ValueLayout.JAVA_BYTE, off + j) & 63;
        }
        return (s.get(ValueLayout.JAVA_BYTE, off + j + 4) & 0xF)
                | ((s.get(ValueLayout.JAVA_BYTE, off + j - 4) & 0xC0) >>> 2);
    }

    /**
     * @param s   memory holding the field
     * @param off byte offset of the field
     * @param j   sub-block, 0 to 7
     * @return its 6-bit min
     */
    public static int min(MemorySegment s, long off, int j) {
        if (j < 4) {
            return s.get(ValueLayout.JAVA_BYTE, off + j + 4) & 63;
        }
        return ((s.get(ValueLayout.JAVA_BYTE, off + j + 4) & 0xF0) >>> 4)
                | ((s.get(ValueLayout.JAVA_BYTE, off + j) & 0xC0) >>> 2);
    }

    /**
     * @param u0 bytes 0-3 of the field as a little-endian int
     * @param u2 bytes 8-11
     * @param j  sub-block, 0 to 7
     * @return its scale, from the field read as three ints (the kernels' form of {@link #scale(MemorySegment, long, int)})
     */
    static int scale(int u0, int u2, int j) {
        return j < 4 ? (u0 >>> (8 * j)) & 63
                : ((u2 >>> (8 * (j - 4))) & 0xF) | (((u0 >>> (8 * (j - 4) + 6)) & 3) << 4);
    }

    /**
     * @param u1 bytes 4-7 of the field as a little-endian int
     * @param u2 bytes 8-11
     * @param j  sub-block, 0 to 7
     * @return its min
     */
    static int min(int u1, int u2, int j) {
        return j < 4 ? (u1 >>> (8 * j)) & 63
                : ((u2 >>> (8 * (j - 4) + 4)) & 0xF) | (((u1 >>> (8 * (j - 4) + 6)) & 3) << 4);
    }

    /**
     * @param s   memory
     * @param off byte offset of an fp16 value
     * @return it as a float
     */
    static float half(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    /**
     * @param act   Q8_K blocks
     * @param block byte offset of one block
     * @param s     32-value sub-block, 0 to 7
     * @return the sum of the sub-block's 32 quants, from its two 16-value group sums
     */
    static int bsumPair(MemorySegment act, long block, int s) {
        long at = block + Q8_KQuantizer.BSUMS + 4L * s;
        return act.get(I16, at) + act.get(I16, at + 2);
    }

    /**
     * Packs eight scales and eight mins into the field.
     *
     * @param scales 8 values, each 0 to 63
     * @param mins   8 values, each 0 to 63
     * @param s      destination memory
     * @param off    byte offset of the field
     */
    public static void pack(int[] scales, int[] mins, MemorySegment s, long off) {
        byte[] b = new byte[BYTES];
        for (int j = 0; j < 8; j++) {
            int ls = scales[j];
            int lm = mins[j];
            if ((ls | lm) >>> 6 != 0) {
                throw new IllegalArgumentException("sub-block " + j + ": scale " + ls + " / min " + lm
                        + " does not fit in 6 bits");
            }
            if (j < 4) {
                b[j] = (byte) ls;
                b[j + 4] = (byte) lm;
            } else {
                b[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                b[j - 4] |= (byte) ((ls >>> 4) << 6);
                b[j] |= (byte) ((lm >>> 4) << 6);
            }
        }
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, off, BYTES);
    }
}
