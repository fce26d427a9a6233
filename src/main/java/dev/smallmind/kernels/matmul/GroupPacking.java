package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The packing shared by {@link Q4_0InterleavedMatmul}, {@link Q8_0InterleavedMatmul} and
 * {@link Q5_0InterleavedMatmul}: GGUF rows of a type whose 32-element blocks are an fp16 scale and then quant bytes
 * are rearranged, {@link #GROUP} rows at a time, into per block the group's scales, then one chunk of
 * {@code 4 * GROUP} bytes per 4 quant bytes, holding each row's 4 bytes at {@code 4r} in the order
 * {@code q[0], q[2], q[1], q[3]}. A group takes the bytes its GGUF rows took.
 *
 * <p>Packing copies a group's rows to the heap in one piece and moves bytes between arrays: through segment
 * accessors the loops ran interpreted and C1-compiled for most of a model's load (a large Q8_0 model packed in
 * 3.7 s, 0.85 s once C2 had compiled them).
 */
final class GroupPacking {
    /**
     * Rows interleaved in one group: the rows whose int16 lane pairs fill one preferred vector (16 at 512 bits, 8 at
     * 256), so that a product streams each group once, every cache line of it whole. Groups of 16 at 256 bits were
     * read as two halves of 8 rows, each pass over the group using half of every 64-byte line: medium Q8_0 decode on
     * one Zen 3 thread 49-65 tok/s (mean 56) against 56-77 (mean 67) in groups of 8 (docs/performance.md, "Session
     * 15").
     */
    static final int GROUP = Math.max(8, ShortVector.SPECIES_PREFERRED.length() / 2);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private GroupPacking() {
    }

    /**
     * @param type Q4_0 or Q8_0
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@link #GROUP} or a block scale is
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
        int blockBytes = type.blockBytes();
        int chunks = (blockBytes - quantsOffset) / 4;
        int groupBlockBytes = GROUP * blockBytes;
        packGroups(type, src, srcOffset, k, rows, dst, dstOffset, (in, i, src0, out, b, r) -> {
            int o = b * groupBlockBytes;
            float d = Float.float16ToFloat(halfAt(in, i));
            if (!Float.isFinite(d)) {
                throw new IllegalArgumentException(type + " block scale at byte " + (src0 + i) + " is " + d);
            }
            out[o + 2 * r] = in[i];
            out[o + 2 * r + 1] = in[i + 1];
            for (int c = 0; c < chunks; c++) {
                putSwapped(in, i + quantsOffset + 4 * c, out, o + chunksOffset + c * 4 * GROUP + 4 * r);
            }
        });
    }

    /** Packs one GGUF block of one row of a group into the group's packed bytes. */
    interface BlockPacker {
        /**
         * @param in    the group's GGUF rows
         * @param i     position of the block in {@code in}
         * @param src0  byte offset of {@code in[0]} in the tensor's segment, for messages
         * @param out   the group's packed bytes
         * @param block the block's index in its row
         * @param row   the row's index in the group
         */
        void pack(byte[] in, int i, long src0, byte[] out, int block, int row);
    }

    /**
     * The loop every interleaved type packs with: a group's GGUF rows copied to the heap in one piece, {@code packer}
     * called for each block of each row (blocks outer), the packed group copied back. A group takes the bytes its
     * GGUF rows took.
     *
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@link #GROUP}, or what
     *                                  {@code packer} throws
     */
    static void packGroups(DType type, MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst,
                           long dstOffset, BlockPacker packer) {
        if (rows % GROUP != 0) {
            throw MatmulText.notWholeGroups(rows, GROUP);
        }
        int blockBytes = type.blockBytes();
        int rowBytes = rowBytes(type, k);
        int nb = k / type.blockSize();
        byte[] in = new byte[GROUP * rowBytes];
        byte[] out = new byte[in.length];
        for (int g = 0; g < rows / GROUP; g++) {
            long src0 = srcOffset + (long) g * in.length;
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, src0, in, 0, in.length);
            for (int b = 0; b < nb; b++) {
                for (int r = 0; r < GROUP; r++) {
                    packer.pack(in, r * rowBytes + b * blockBytes, src0, out, b, r);
                }
            }
            MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, dstOffset + (long) g * out.length, out.length);
        }
    }

    /**
     * @return bytes of one GGUF row of {@code k} values of {@code type}
     * @throws IllegalArgumentException when a group of such rows does not fit one Java array
     */
    static int rowBytes(DType type, int k) {
        long rowBytes = (long) (k / type.blockSize()) * type.blockBytes();
        if (rowBytes * GROUP > Integer.MAX_VALUE - 8) {
            throw MatmulText.rowsTooLong(type, k, rowBytes, GROUP);
        }
        return (int) rowBytes;
    }

    /** @return the little-endian int at {@code a[i]} */
    static int intAt(byte[] a, int i) {
        return (int) INT_LE.get(a, i);
    }

    /** Writes {@code v} little-endian at {@code a[i]}. */
    static void putInt(byte[] a, int i, int v) {
        INT_LE.set(a, i, v);
    }

    /** @return the little-endian fp16 bits at {@code a[i]} */
    static short halfAt(byte[] a, int i) {
        return (short) ((a[i] & 0xFF) | (a[i + 1] << 8));
    }

    /** Copies the 4 quant bytes at {@code in[i]} to {@code out[o]} in the chunk order of {@link #swapMiddleBytes}. */
    static void putSwapped(byte[] in, int i, byte[] out, int o) {
        putInt(out, o, swapMiddleBytes(intAt(in, i)));
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
