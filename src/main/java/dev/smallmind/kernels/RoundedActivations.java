package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A {@link MatmulKernel} whose product equals, up to the order of the float sums, the F32 product of its decoded
 * weight rows ({@link MatmulKernel#decodeRow}) with its activations rounded as {@link #roundRows} rounds them
 * (through Q8_0 or Q8_K blocks as ggml's dot products see them, or not at all for 16-bit float weights).
 * Q4_1 and Q5_1 are not such kernels: ggml adds their offsets through an fp16-rounded activation sum, which a
 * float product would not reproduce.
 *
 * <p>Why: the quantized kernels are bound by widening and converting quants, at the same cost per weight however
 * many tokens pass over it, while the F32 GEMM runs near the FMA peak. A many-token product of such a kernel can
 * decode each weight once and run the GEMM (the graph's {@code MatmulNode} does so for prefill steps) without
 * changing what the model computes.
 */
public interface RoundedActivations {
    /**
     * Writes activation rows {@code [from, to)}, rounded, as plain floats: {@code k} per row, rows {@code 4 * k}
     * bytes apart, at the same row indices as the source.
     *
     * @param x         F32 activations, rows of {@code k}
     * @param xOffset   byte offset of row 0
     * @param k         row length
     * @param from      first row
     * @param to        one past the last row
     * @param dst       destination
     * @param dstOffset byte offset of destination row 0
     */
    void roundRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment dst, long dstOffset);
}
