package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A {@link MatmulKernel} that reads its weights in a layout of its own, rearranged from the GGUF rows once when the
 * model is loaded (as llama.cpp repacks Q4_0 for its AVX-512 kernels). Each row keeps its GGUF size in bytes,
 * {@code weightType().rowBytes(k)}, so every offset and size computed from the GGUF layout holds; only the bytes
 * inside a row move. {@link MatmulKernel#decodeRow} and {@link MatmulKernel#multiply} of such a kernel read packed
 * rows.
 */
public interface WeightPacking {
    /**
     * Rearranges {@code rows} GGUF rows of {@code k} elements into the packed layout.
     *
     * @param src       GGUF rows
     * @param srcOffset byte offset of the first row
     * @param k         elements per row
     * @param rows      rows
     * @param dst       destination, as many bytes as the source rows, not overlapping them
     * @param dstOffset byte offset of the first packed row
     */
    void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset);
}
