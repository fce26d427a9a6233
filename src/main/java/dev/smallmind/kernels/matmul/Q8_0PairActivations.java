package dev.smallmind.kernels.matmul;

import dev.smallmind.memory.Alignment;

import java.lang.foreign.MemorySegment;

/**
 * Activations rounded through Q8_0 blocks as {@link Q8_0Activations} rounds them, kept as integers for
 * {@link Q4_0InterleavedMatmul}: a prepared row is the {@code k} quants as int16 in column order (so any two
 * neighbours load as one int to broadcast), then per block the scale {@code d} as a float, then per block the sum
 * of its quants as an int (for the offset of Q4_0's unsigned nibbles).
 */
public final class Q8_0PairActivations {
    private static final int BLOCK = Q8_0Activations.BLOCK;

    private Q8_0PairActivations() {
    }

    /**
     * @param k row length, a multiple of 32
     * @return bytes of one prepared row, a multiple of 64
     */
    public static long rowBytes(int k) {
        return Alignment.up(sumsOffset(k) + 4L * (k / BLOCK));
    }

    /**
     * @param k row length
     * @return offset in a prepared row of the block scales
     */
    static long scalesOffset(int k) {
        return 2L * k;
    }

    /**
     * @param k row length
     * @return offset in a prepared row of the blocks' sums of quants
     */
    static long sumsOffset(int k) {
        return scalesOffset(k) + 4L * (k / BLOCK);
    }

    /**
     * Rounds activation rows {@code [from, to)}.
     *
     * @param x          F32 activations, rows of {@code k}
     * @param xOffset    byte offset of row 0
     * @param k          row length, a multiple of 32
     * @param from       first row
     * @param to         one past the last row
     * @param prep       destination
     * @param prepOffset byte offset of prepared row 0
     */
    public static void quantize(MemorySegment x, long xOffset, int k, int from, int to,
                                MemorySegment prep, long prepOffset) {
        Q8_0Activations.quantize(x, xOffset, k, from, to, prep, prepOffset, rowBytes(k), sumsOffset(k),
                scalesOffset(k));
    }
}
