package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * An {@link InterleavedWeights} kernel that can decode whole groups of its rows straight into the layout of the F32
 * kernel over interleaved rows ({@code F32InterleavedMatmul}: per group of 16 rows, column by column, one 64-byte
 * vector a column), which a prompt step then multiplies with that kernel's tiles.
 *
 * <p>Why: the groups of the interleaved quantized layouts already hold one int of every row per vector, so decoding
 * them into columns takes no transposes, where decoding them into rows for the row GEMM ({@link
 * MatmulKernel#decodeRows}) transposes every block back; and the interleaved F32 tiles run faster than the row GEMM's.
 */
public interface ColumnDecoding {
    /**
     * Decodes groups {@code [groupFrom, groupTo)} into F32 groups of the same 16 rows, one after another from
     * {@code dstOffset}, each {@code 64 k} bytes: column {@code e} of a group at {@code 64 e}, row {@code r} at
     * {@code 4 r} within it. Only with 512-bit vectors (groups of 16 rows).
     *
     * @param w         weights
     * @param wOffset   byte offset of group 0
     * @param k         row length
     * @param groupFrom first group decoded
     * @param groupTo   one past the last group decoded
     * @param dst       destination
     * @param dstOffset byte offset of the first decoded group
     */
    void decodeColumns(MemorySegment w, long wOffset, int k, int groupFrom, int groupTo, MemorySegment dst,
                       long dstOffset);
}
