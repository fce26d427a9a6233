package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The packing shared by {@link Q4_0InterleavedMatmul}, {@link Q8_0InterleavedMatmul} and
 * {@link Q5_0InterleavedMatmul}: GGUF rows of a type whose 32-element blocks are an fp16 scale and then quant bytes
 * are rearranged, {@value #GROUP} rows at a time, into per
 * block the 16 scales, then one 64-byte chunk per 4 quant bytes, holding each row's 4 bytes at {@code 4r} in the
 * order {@code q[0], q[2], q[1], q[3]}. A group takes the bytes its GGUF rows took.
 */
final class GroupPacking {
    /** Rows interleaved in one group. */
    static final int GROUP = 16;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private GroupPacking() {
    }

    /**
     * @param type Q4_0 or Q8_0
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@value #GROUP} or a block scale is
     *                                  not finite (its byte offset in {@code src} named)
     */
    static void pack(DType type, MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst,
                     long dstOffset) {
        pack(type, 2, 2 * GROUP, src, srcOffset, k, rows, dst, dstOffset);
    }

    /**
     * The same for a type with more than the scale before its quant bytes (Q5_0's high bits), which the caller
     * packs itself.
     *
     * @param quantsOffset offset of the quant bytes in a GGUF block
     * @param chunksOffset offset of the first chunk in a packed block of the group
     */
    static void pack(DType type, int quantsOffset, int chunksOffset, MemorySegment src, long srcOffset, int k,
                     int rows, MemorySegment dst, long dstOffset) {
        if (rows % GROUP != 0) {
            throw new IllegalArgumentException(rows + " rows are not whole groups of " + GROUP);
        }
        int blockBytes = type.blockBytes();
        int chunks = (blockBytes - quantsOffset) / 4;
        long groupBlockBytes = (long) GROUP * blockBytes;
        int nb = k / type.blockSize();
        long rowBytes = (long) nb * blockBytes;
        for (int g = 0; g < rows / GROUP; g++) {
            long src0 = srcOffset + (long) g * GROUP * rowBytes;
            long dst0 = dstOffset + (long) g * GROUP * rowBytes;
            for (int b = 0; b < nb; b++) {
                long out = dst0 + b * groupBlockBytes;
                for (int r = 0; r < GROUP; r++) {
                    long in = src0 + r * rowBytes + (long) b * blockBytes;
                    short d = src.get(SHORT, in);
                    if (!Float.isFinite(Float.float16ToFloat(d))) {
                        throw new IllegalArgumentException(type + " block scale at byte " + in + " is "
                                + Float.float16ToFloat(d));
                    }
                    dst.set(SHORT, out + 2L * r, d);
                    for (int c = 0; c < chunks; c++) {
                        int q = src.get(INT, in + quantsOffset + 4L * c);
                        dst.set(INT, out + chunksOffset + (long) c * 4 * GROUP + 4L * r, swapMiddleBytes(q));
                    }
                }
            }
        }
    }

    /**
     * @param column a quant byte's index within its 4 ({@code 0..3})
     * @return where the packing puts it within the row's int of a chunk: columns 1 and 2 trade places
     */
    static int bytePosition(int column) {
        return column == 1 ? 2 : column == 2 ? 1 : column;
    }

    /** @return a row's 4 quant bytes {@code q[0..3]} (little-endian) in the chunk order {@code q[0], q[2], q[1], q[3]} */
    static int swapMiddleBytes(int q) {
        return (q & 0xFF0000FF) | ((q >>> 8) & 0x0000FF00) | ((q << 8) & 0x00FF0000);
    }
}
