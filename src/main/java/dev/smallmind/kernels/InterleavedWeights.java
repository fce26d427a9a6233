package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A {@link MatmulKernel} that reads its weights rearranged once at load, groups of {@link #groupRows} rows
 * interleaved so that one vector holds a few columns of every row in the group (as llama.cpp repacks Q4_0 for its
 * x86 kernels). A group takes as many bytes as its rows in GGUF, so offsets and sizes of whole groups hold; inside
 * a group only this kernel can find a row, so {@link MatmulKernel#decodeRows} decodes them and
 * {@link MatmulKernel#multiply} takes row ranges of whole groups.
 */
public interface InterleavedWeights {
    /** @return rows per interleaved group */
    int groupRows();

    /**
     * Rearranges {@code rows} GGUF rows of {@code k} elements, whole groups, into the interleaved layout.
     *
     * @param src       GGUF rows
     * @param srcOffset byte offset of the first row
     * @param k         elements per row
     * @param rows      rows, a multiple of {@link #groupRows}
     * @param dst       destination, as many bytes as the source rows, not overlapping them
     * @param dstOffset byte offset of the first group
     */
    void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset);
}
