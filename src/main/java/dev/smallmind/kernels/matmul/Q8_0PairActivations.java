package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.TokenRunProduct;
import dev.smallmind.memory.Alignment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Activations rounded through Q8_0 blocks as {@link Q8_0Activations} rounds them, kept as integers for
 * {@link Q4_0InterleavedMatmul}: a prepared row is the {@code k} quants as int16 in column order (so any two
 * neighbours load as one int to broadcast), then per block the scale {@code d} as a float, then per block the sum
 * of its quants as an int, times a factor the kernel names (Q4_0 stores its unsigned nibbles' offset term there).
 * Many-token products take the same values in runs of tokens ({@link #quantizeRuns}, the layout
 * {@link TokenRunProduct} describes).
 */
public final class Q8_0PairActivations {
    private static final int BLOCK = Q8_0Activations.BLOCK;
    private static final int RUN = TokenRunProduct.RUN;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

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
     * @param sumScale   factor of the stored block sums, as in {@link #quantizeRuns}
     */
    public static void quantize(MemorySegment x, long xOffset, int k, int from, int to,
                                MemorySegment prep, long prepOffset, int sumScale) {
        Q8_0Activations.quantize(x, xOffset, k, from, to, prep, prepOffset, rowBytes(k), sumsOffset(k),
                scalesOffset(k), 2L * BLOCK, Integer.BYTES);
        for (int r = from; r < to; r++) {
            scaleSums(prep, prepOffset + r * rowBytes(k) + sumsOffset(k), k / BLOCK, Integer.BYTES, sumScale);
        }
    }

    /**
     * Multiplies {@code blocks} ints {@code stride} bytes apart from {@code at} by {@code sumScale}; nothing to do
     * for 1 (the kernels that do not read the sums).
     */
    private static void scaleSums(MemorySegment prep, long at, int blocks, long stride, int sumScale) {
        if (sumScale == 1) {
            return;
        }
        for (int b = 0; b < blocks; b++) {
            long sum = at + b * stride;
            prep.set(INT, sum, prep.get(INT, sum) * sumScale);
        }
    }

    /**
     * @param t tokens
     * @param k row length, a multiple of 32
     * @return bytes of {@code t} tokens in the run layout of {@link TokenRunProduct}, whole runs
     */
    public static long runsBytes(int t, int k) {
        return (long) (t + RUN - 1) / RUN * runBytes(k);
    }

    /** @return bytes of one run of {@link TokenRunProduct#RUN} tokens */
    static long runBytes(int k) {
        return (long) (k / BLOCK) * runBlockBytes();
    }

    /** @return bytes of one block of a run: the run's quants, then its scales, then its sums */
    static long runBlockBytes() {
        return (long) RUN * (2 * BLOCK + Float.BYTES + Integer.BYTES);
    }

    /** @return offset of a run block's scales in the block */
    static long runScalesOffset() {
        return (long) RUN * 2 * BLOCK;
    }

    /** @return offset of a run block's sums in the block */
    static long runSumsOffset() {
        return runScalesOffset() + (long) RUN * Float.BYTES;
    }

    /**
     * Rounds tokens {@code [from, to)} as {@link #quantize} does, into the run layout of {@link TokenRunProduct},
     * each block's sum of quants stored times {@code sumScale} (wrapping as int arithmetic does), so that the kernel
     * adds its offset term as it is loaded.
     *
     * @param prepOffset byte offset of run 0
     * @param sumScale   factor of the stored block sums
     */
    public static void quantizeRuns(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep,
                                    long prepOffset, int sumScale) {
        long slotBytes = 2L * BLOCK;
        int nb = k / BLOCK;
        for (int r = from; r < to; r++) {
            int slot = r % RUN;
            long quants = prepOffset + r / RUN * runBytes(k) + slot * slotBytes;
            long side = Integer.BYTES * slot - slot * slotBytes;
            Q8_0Activations.quantize(x, xOffset, k, r, r + 1, prep, quants, 0, runSumsOffset() + side,
                    runScalesOffset() + side, runBlockBytes(), runBlockBytes());
            scaleSums(prep, quants + runSumsOffset() + side, nb, runBlockBytes(), sumScale);
        }
    }
}
