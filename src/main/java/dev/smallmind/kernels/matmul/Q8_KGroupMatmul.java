package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.quant.Q8_KQuantizer;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/**
 * The interleaved K-quant kernels ({@link Q4_KInterleavedMatmul}, {@link Q6_KInterleavedMatmul}): their activations
 * are Q8_K, one float scale per 256 values, kept as int16 in column order (element {@code e} of a super-block at
 * int16 position {@code e}), which both products pair with their weights' layout.
 */
abstract sealed class Q8_KGroupMatmul extends Int16GroupMatmul
        permits Q4_KInterleavedMatmul, Q6_KInterleavedMatmul {
    /** Whether this JVM's vectors suit these kernels: 256 or 512 bits, one int lane per row of a group. */
    static final boolean SUPPORTED = ChunkTranspose.preferred()
            && ShortVector.SPECIES_PREFERRED.length() == 2 * GroupPacking.GROUP;
    private static final byte[] COLUMN_ORDER = columnOrder();

    @Override
    public final long preparedBytes(int t, int k) {
        return t * Q8_KActivations.rowBytes(k);
    }

    @Override
    public final void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep,
                              long prepOffset) {
        Q8_KActivations.prepare(x, xOffset, k, from, to, prep, prepOffset, COLUMN_ORDER);
    }

    /** The Q8_K-rounded activations as floats, the values {@link #prepare} gives the products. */
    @Override
    public final void roundRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment dst,
                                long dstOffset) {
        Q8_KActivations.roundRows(x, xOffset, k, from, to, dst, dstOffset);
    }

    /**
     * @param in   a group's GGUF rows
     * @param i    position of an fp16 super-block scale in {@code in}
     * @param src0 byte offset of {@code in[0]} in the tensor's segment
     * @param dmin whether the scale is the super-block's {@code dmin} rather than its {@code d}, for the message
     * @throws IllegalArgumentException naming the scale's byte offset when it is not finite
     */
    void requireFiniteHalf(byte[] in, int i, long src0, boolean dmin) {
        float value = Float.float16ToFloat(GroupPacking.halfAt(in, i));
        if (!Float.isFinite(value)) {
            throw MatmulText.nonFiniteScale(weightType(), dmin, src0 + i, value);
        }
    }

    private static byte[] columnOrder() {
        byte[] order = new byte[Q8_KQuantizer.QK];
        for (int e = 0; e < order.length; e++) {
            order[e] = (byte) e;
        }
        return order;
    }
}
