package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q8_0 weights times activations rounded through Q8_0 blocks ({@link Q8_0Activations}), like ggml's
 * {@code vec_dot_q8_0_q8_0}; Vector API version. Block layout: fp16 {@code d}, then 32 signed bytes;
 * {@code x = d * q}. Scalar twin: {@link Q8_0MatmulReference}.
 *
 * <p>The block loads are written out in every loop instead of in helpers that pass vectors (see
 * docs/architecture.md, "No vector crosses a call").
 */
public final class Q8_0Matmul implements MatmulKernel, RoundedActivations {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    private static final int L = F.length();
    private static final int QK = 32;
    /** Tokens sharing one decode of a weight block. */
    private static final int TILE = 4;
    /**
     * Weight rows swept per token tile: their bytes (16 rows of k = 4096 are 37 to 70 KB) stay in cache while
     * the tiles go by, and each tile's activations are read once per chunk instead of once per row.
     */
    private static final int ROW_CHUNK = 16;
    private static final int BLOCK_BYTES = 34;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @Override
    public DType weightType() {
        return DType.Q8_0;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            long db = dstOffset + (long) b * QK * Float.BYTES;
            float d = Float.float16ToFloat(w.get(SHORT, wb));
            for (int h = 0; h < QK; h += L) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, wb + 2 + h, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                q.mul(d).intoMemorySegment(dst, db + h * 4L, LE);
            }
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return t * Q8_0Activations.rowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_0Activations.quantize(x, xOffset, k, from, to, prep, prepOffset);
    }

    /** The Q8_0-rounded activations as floats, exactly the values {@link #prepare} gives the dot products. */
    @Override
    public void roundRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment dst, long dstOffset) {
        Q8_0Activations.quantize(x, xOffset, k, from, to, dst, dstOffset);
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        int nb = k / QK;
        long rowBytes = (long) nb * BLOCK_BYTES;
        long actRowBytes = Q8_0Activations.rowBytes(k);
        long yRowBytes = (long) yStride * Float.BYTES;
        for (int chunk = rowFrom; chunk < rowTo; chunk += ROW_CHUNK) {
            int chunkEnd = Math.min(rowTo, chunk + ROW_CHUNK);
            int j = 0;
            for (; j + TILE <= t; j += TILE) {
                long aj = actOffset + j * actRowBytes;
                for (int i = chunk; i < chunkEnd; i++) {
                    dotTile(w, wOffset + i * rowBytes, nb, act, aj, actRowBytes, y,
                            yOffset + (long) i * Float.BYTES + j * yRowBytes, yRowBytes);
                }
            }
            for (; j < t; j++) {
                long aj = actOffset + j * actRowBytes;
                for (int i = chunk; i < chunkEnd; i++) {
                    float dot = dot(w, wOffset + i * rowBytes, nb, act, aj);
                    y.set(FLOAT, yOffset + (long) i * Float.BYTES + j * yRowBytes, dot);
                }
            }
        }
    }

    /** Two blocks per iteration into two accumulators, as {@code Q4_0Matmul.dot} (and for the same reason). */
    private static float dot(MemorySegment w, long wr, int nb, MemorySegment act, long ar) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        int b = 0;
        for (; b + 2 <= nb; b += 2) {
            long wb = wr + (long) b * BLOCK_BYTES;
            long ab = ar + (long) b * QK * Float.BYTES;
            long wc = wb + BLOCK_BYTES;
            long ac = ab + QK * Float.BYTES;
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = p0;
            for (int h = 0; h < QK; h += L) {
                FloatVector q0 = (FloatVector) ByteVector.fromMemorySegment(B, w, wb + 2 + h, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                FloatVector q1 = (FloatVector) ByteVector.fromMemorySegment(B, w, wc + 2 + h, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                p0 = q0.fma(FloatVector.fromMemorySegment(F, act, ab + h * 4L, LE), p0);
                p1 = q1.fma(FloatVector.fromMemorySegment(F, act, ac + h * 4L, LE), p1);
            }
            acc0 = p0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wb))), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wc))), acc1);
        }
        if (b < nb) {
            long wb = wr + (long) b * BLOCK_BYTES;
            long ab = ar + (long) b * QK * Float.BYTES;
            FloatVector p0 = FloatVector.zero(F);
            for (int h = 0; h < QK; h += L) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, wb + 2 + h, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                p0 = q.fma(FloatVector.fromMemorySegment(F, act, ab + h * 4L, LE), p0);
            }
            acc0 = p0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wb))), acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@link #dot} for {@link #TILE} activation rows {@code as} bytes apart, decoding each weight block once; one
     * accumulator per row, so a row's sum is grouped differently than alone (within float rounding of it).
     */
    private static void dotTile(MemorySegment w, long wr, int nb, MemorySegment act, long ar, long as,
                                MemorySegment y, long yo, long ys) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            long wb = wr + (long) b * BLOCK_BYTES;
            long ab = ar + (long) b * QK * Float.BYTES;
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = p0;
            FloatVector p2 = p0;
            FloatVector p3 = p0;
            for (int h = 0; h < QK; h += L) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, wb + 2 + h, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                long a = ab + h * 4L;
                p0 = q.fma(FloatVector.fromMemorySegment(F, act, a, LE), p0);
                p1 = q.fma(FloatVector.fromMemorySegment(F, act, a + as, LE), p1);
                p2 = q.fma(FloatVector.fromMemorySegment(F, act, a + 2 * as, LE), p2);
                p3 = q.fma(FloatVector.fromMemorySegment(F, act, a + 3 * as, LE), p3);
            }
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wb)));
            acc0 = p0.fma(d, acc0);
            acc1 = p1.fma(d, acc1);
            acc2 = p2.fma(d, acc2);
            acc3 = p3.fma(d, acc3);
        }
        y.set(FLOAT, yo, acc0.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, yo + ys, acc1.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, yo + 2 * ys, acc2.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, yo + 3 * ys, acc3.reduceLanes(VectorOperators.ADD));
    }
}
