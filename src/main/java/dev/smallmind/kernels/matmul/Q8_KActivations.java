package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.quant.Q8_KQuantizer;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;

import java.lang.foreign.MemorySegment;

/**
 * The prepared activations of the Vector API K-quant kernels: the values of ggml's Q8_K (same scale, same quants,
 * same 16-value group sums, see {@link Q8_KQuantizer}), stored so the kernels need no widening or shuffling.
 * Each super-block of 256 values takes {@link #BLOCK_BYTES}: float32 d at 0, the 8 sums of 32-value sub-blocks as
 * int32 at {@link #SUB_BLOCK_SUMS}, the 16 group sums as int32 at {@link #SUMS}, and the 256 quants as int16 at
 * {@link #QUANTS}, permuted into the order in which a kernel extracts weight values from its {@link #LOAD_BYTES}-byte
 * loads (each weight type gives its own order). With a 64-byte aligned buffer every vector load is aligned.
 *
 * <p>The order depends on the vector width, which {@link #SHAPE} takes from this JVM's preferred species: the
 * activations are prepared and multiplied in the same JVM, so the layout never leaves it.
 */
final class Q8_KActivations {
    /**
     * The K-quant kernels' vector shape: the preferred one, but at most 512 bits (a wider load would span more than
     * two 32-byte runs of quants, which the kernels' lane layouts do not cover) and at least 128 (the int32 lanes'
     * exactness arguments count at most 16 partial sums per lane).
     */
    static final VectorShape SHAPE = VectorShape.forBitSize(
            Math.clamp(ShortVector.SPECIES_PREFERRED.vectorBitSize(), 128, 512));
    /** int16 lanes of one vector: 32, 16 or 8. */
    static final int LANES = SHAPE.vectorBitSize() / 16;
    /** Bytes of one vector load of weight quants: 64, 32 or 16. */
    static final int LOAD_BYTES = 2 * LANES;
    /**
     * Whether one load covers two 32-byte runs of quants (the 512-bit shape): the runs differ in sub-block scale
     * and in the position of their high bits, so the kernels give each half of the vector its own. A smaller load
     * lies inside one run and needs no per-lane difference.
     */
    static final boolean TWO_RUNS = LOAD_BYTES > 32;
    /** Byte offset of the 8 int32 sums of 32 quants in a prepared block (Q4_K's mins take them). */
    static final int SUB_BLOCK_SUMS = 32;
    /** Byte offset of the 16 int32 group sums in a prepared block. */
    static final int SUMS = 64;
    /** Byte offset of the 256 int16 quants in a prepared block. */
    static final int QUANTS = 128;
    /** Bytes of one prepared super-block. */
    static final int BLOCK_BYTES = QUANTS + 2 * Q8_KQuantizer.QK;

    private Q8_KActivations() {
    }

    /**
     * @param k row length, a multiple of 256
     * @return bytes of one prepared row
     */
    static long rowBytes(int k) {
        return (long) (k / Q8_KQuantizer.QK) * BLOCK_BYTES;
    }

    /**
     * Quantizes rows {@code [from, to)} of {@code k} floats.
     *
     * @param order element index (0 to 255 within the super-block) stored at each int16 position
     */
    static void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset,
                        byte[] order) {
        int blocks = k / Q8_KQuantizer.QK;
        for (int r = from; r < to; r++) {
            for (int b = 0; b < blocks; b++) {
                long src = xOffset + ((long) r * k + (long) b * Q8_KQuantizer.QK) * 4;
                long dst = prepOffset + (long) r * rowBytes(k) + (long) b * BLOCK_BYTES;
                quantizeBlock(x, src, prep, dst, order);
            }
        }
    }

    /**
     * Rows {@code [from, to)} rounded through Q8_K exactly as {@link #prepare} rounds them, written as plain floats
     * {@code d * q}, {@code k} per row.
     */
    static void roundRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment dst, long dstOffset) {
        int blocks = k / Q8_KQuantizer.QK;
        for (int r = from; r < to; r++) {
            for (int b = 0; b < blocks; b++) {
                long src = xOffset + ((long) r * k + (long) b * Q8_KQuantizer.QK) * 4;
                long out = dstOffset + ((long) r * k + (long) b * Q8_KQuantizer.QK) * 4;
                float iscale = Q8_KQuantizer.inverseScale(x, src);
                float d = iscale == 0 ? 0 : 1 / iscale;
                for (int e = 0; e < Q8_KQuantizer.QK; e++) {
                    dst.set(KQuantScales.F32, out + 4L * e, d * quant(x, src, e, iscale));
                }
            }
        }
    }

    private static void quantizeBlock(MemorySegment x, long src, MemorySegment prep, long dst, byte[] order) {
        float iscale = Q8_KQuantizer.inverseScale(x, src);
        for (int p = 0; p < Q8_KQuantizer.QK; p++) {
            int e = order[p] & 0xFF;
            prep.set(KQuantScales.I16, dst + QUANTS + 2L * p, (short) quant(x, src, e, iscale));
        }
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int e = 16 * g; e < 16 * g + 16; e++) {
                sum += quant(x, src, e, iscale);
            }
            prep.set(KQuantScales.I32, dst + SUMS + 4L * g, sum);
        }
        for (int s = 0; s < 8; s++) {
            long pair = dst + SUMS + 8L * s;
            int sum = prep.get(KQuantScales.I32, pair) + prep.get(KQuantScales.I32, pair + 4);
            prep.set(KQuantScales.I32, dst + SUB_BLOCK_SUMS + 4L * s, sum);
        }
        prep.set(KQuantScales.F32, dst, iscale == 0 ? 0 : 1 / iscale);
    }

    private static int quant(MemorySegment x, long src, int e, float iscale) {
        return Q8_KQuantizer.quant(x.get(KQuantScales.F32, src + 4L * e), iscale);
    }

    /**
     * Builds a permutation table for loads of {@code lanes} int16 lanes: 256 / (4 lanes) loads of weight quants,
     * each giving four value vectors.
     *
     * @param lanes   int16 lanes per vector, 8 to 32
     * @param element maps (h, j, m) to the element stored at position {@code 4 lanes h + lanes j + m}
     * @return the table
     */
    static byte[] order(int lanes, ElementOf element) {
        byte[] order = new byte[Q8_KQuantizer.QK];
        boolean[] seen = new boolean[Q8_KQuantizer.QK];
        for (int h = 0; h < Q8_KQuantizer.QK / (4 * lanes); h++) {
            for (int j = 0; j < 4; j++) {
                for (int m = 0; m < lanes; m++) {
                    int e = element.of(h, j, m);
                    if (seen[e]) {
                        throw MatmulText.placedTwice(e);
                    }
                    seen[e] = true;
                    order[4 * lanes * h + lanes * j + m] = (byte) e;
                }
            }
        }
        return order;
    }

    /** Which element the kernel multiplies in lane {@code m} of value vector {@code j} of load {@code h}. */
    @FunctionalInterface
    interface ElementOf {
        int of(int h, int j, int m);
    }
}
