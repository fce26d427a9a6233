package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * An {@link InterleavedWeights} kernel whose many-token product multiplies its packed groups by int16 activations
 * directly, in runs of {@link #RUN} tokens: each block of a group is unpacked into int16 vectors once per run and
 * multiplied by every token of the run, the products summed in int16 lanes as the one-token kernel sums them.
 *
 * <p>Why: the F32 GEMM over decoded panels ({@link RoundedActivations}) is bound by the float FMA, 16 products per
 * instruction; an int16 multiply and add make 32 products per pair of instructions, which a Zen 5 core issues
 * faster than FMAs (a register-only probe: 185 against 112 products per ns), and no weight is decoded to floats.
 * llama.cpp's int8 dot products ({@code vpdpbusd}) are not in the Vector API; these are the nearest it has.
 *
 * <p>Layout of the prepared activations, per run of {@link #RUN} tokens (the last run padded), per block of 32
 * columns: the run's quants as int16, 64 bytes a token in column order, then the run's block scales as floats, then
 * the run's sums of quants as ints, times a factor of the kernel's (Q4_0 stores its nibbles' offset term there);
 * a block of a run takes {@code 72 * RUN} bytes. Token slots of a run are 64 bytes apart, a constant stride, so C2
 * hoists the bounds checks out of the loop over a run's tokens. The products read the prepared activations, write
 * their per-worker accumulators and the outputs in one segment (the step arena): with the accumulators in a segment
 * of their own, C2 kept class and liveness checks of both inside that loop in most JVMs, at about half the speed.
 */
public interface TokenRunProduct {
    /** Tokens of one run. */
    int RUN = 64;

    /** @return whether this JVM's vectors suit the run product (512 bits: groups of 16 rows) */
    boolean runsSupported();

    /**
     * @param t tokens
     * @param k row length, a multiple of 32
     * @return bytes of the prepared activations of {@code t} tokens, whole runs
     */
    long runPreparedBytes(int t, int k);

    /** @return bytes of one worker's accumulators */
    long runAccumulatorBytes();

    /**
     * Rounds tokens {@code [from, to)} through Q8_0 blocks (as {@link MatmulKernel#prepare} does for one token)
     * into the run layout.
     *
     * @param x          F32 activations, rows of {@code k}
     * @param xOffset    byte offset of row 0
     * @param k          row length
     * @param from       first token
     * @param to         one past the last token
     * @param prep       destination
     * @param prepOffset byte offset of run 0
     */
    void prepareRuns(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset);

    /**
     * Output rows {@code [rowFrom, rowTo)} for all {@code t} tokens.
     *
     * @param w          packed weights
     * @param wOffset    byte offset of group 0
     * @param k          row length
     * @param arena      the segment of the prepared runs, the outputs and the accumulators
     * @param prepOffset byte offset of run 0
     * @param t          tokens
     * @param yOffset    byte offset of {@code y[0][0]}
     * @param yStride    floats between output rows
     * @param rowFrom    first weight row, a multiple of the group
     * @param rowTo      one past the last weight row, a multiple of the group
     * @param accOffset  byte offset of this worker's {@link #runAccumulatorBytes} accumulators, 64-byte aligned
     */
    void multiplyRuns(MemorySegment w, long wOffset, int k, MemorySegment arena, long prepOffset, int t,
                      long yOffset, int yStride, int rowFrom, int rowTo, long accOffset);
}
