package dev.smallmind.kernels.matmul;

import dev.smallmind.memory.Alignment;

import java.lang.foreign.MemorySegment;

/**
 * Activations rounded through Q8_1 blocks exactly as ggml's x86 {@code quantize_row_q8_1} rounds them before a
 * Q4_1 or Q5_1 dot product: the {@link Q8_0Activations} rounding, plus per block {@code s = fp16(d * sum(q))}
 * (with the unrounded {@code d}), which multiplies the weights' block minimum.
 *
 * <p>Prepared row: the {@link Q8_0Activations} row ({@code k} floats {@code d * q}), then at {@link #sumsOffset}
 * {@code k / 32} floats holding each block's {@code s}.
 */
public final class Q8_1Activations {
    private Q8_1Activations() {
    }

    /**
     * @param k row length, a multiple of 32
     * @return bytes of one prepared row, a multiple of 64
     */
    public static long rowBytes(int k) {
        return sumsOffset(k) + Alignment.up((long) (k / Q8_0Activations.BLOCK) * Float.BYTES);
    }

    /**
     * @param k row length
     * @return byte offset of the block sums inside a prepared row
     */
    public static long sumsOffset(int k) {
        return Q8_0Activations.rowBytes(k);
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
        Q8_0Activations.quantize(x, xOffset, k, from, to, prep, prepOffset, rowBytes(k), sumsOffset(k), -1, 0,
                Integer.BYTES);
    }
}
