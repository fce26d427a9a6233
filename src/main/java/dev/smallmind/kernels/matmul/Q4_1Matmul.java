package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_1 weights times activations rounded through Q8_1 blocks ({@link Q8_1Activations}), like ggml's
 * {@code vec_dot_q4_1_q8_1}; Vector API version. Block layout: fp16 {@code d}, fp16 {@code m}, then 16 bytes of
 * nibbles (elements 0..15 low, 16..31 high); {@code x = d * q + m}. The dot product of a block is
 * {@code d * sum(q * x') + m * s} with {@code s} the activations' stored block sum, as in ggml. Scalar twin:
 * {@link Q4_1MatmulReference}.
 *
 * <p>The block decoding is written out in every loop instead of in helpers that pass vectors (see
 * docs/architecture.md, "No vector crosses a call").
 */
public final class Q4_1Matmul implements MatmulKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
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
    private static final int HALF = QK / 2;
    private static final int BLOCK_BYTES = 20;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @Override
    public DType weightType() {
        return DType.Q4_1;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            long db = dstOffset + (long) b * QK * Float.BYTES;
            float d = Float.float16ToFloat(w.get(SHORT, wb));
            float m = Float.float16ToFloat(w.get(SHORT, wb + 2));
            for (int h = 0; h < HALF; h += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, wb + 4 + h, LE)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector lo = (FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0xF)
                        .convert(VectorOperators.I2F, 0);
                lo.mul(d).add(m).intoMemorySegment(dst, db + h * 4L, LE);
                hi.mul(d).add(m).intoMemorySegment(dst, db + (HALF + h) * 4L, LE);
            }
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return t * Q8_1Activations.rowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_1Activations.quantize(x, xOffset, k, from, to, prep, prepOffset);
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        int nb = k / QK;
        long rowBytes = (long) nb * BLOCK_BYTES;
        long actRowBytes = Q8_1Activations.rowBytes(k);
        long sums = Q8_1Activations.sumsOffset(k);
        long yRowBytes = (long) yStride * Float.BYTES;
        for (int chunk = rowFrom; chunk < rowTo; chunk += ROW_CHUNK) {
            int chunkEnd = Math.min(rowTo, chunk + ROW_CHUNK);
            int j = 0;
            for (; j + TILE <= t; j += TILE) {
                long aj = actOffset + j * actRowBytes;
                for (int i = chunk; i < chunkEnd; i++) {
                    dotTile(w, wOffset + i * rowBytes, nb, act, aj, actRowBytes, sums, y,
                            yOffset + (long) i * Float.BYTES + j * yRowBytes, yRowBytes);
                }
            }
            for (; j < t; j++) {
                long aj = actOffset + j * actRowBytes;
                for (int i = chunk; i < chunkEnd; i++) {
                    float dot = dot(w, wOffset + i * rowBytes, nb, act, aj, sums);
                    y.set(FLOAT, yOffset + (long) i * Float.BYTES + j * yRowBytes, dot);
                }
            }
        }
    }

    private static float dot(MemorySegment w, long wr, int nb, MemorySegment act, long ar, long sums) {
        FloatVector acc = FloatVector.zero(F);
        float minimums = 0f;
        for (int b = 0; b < nb; b++) {
            long wb = wr + (long) b * BLOCK_BYTES;
            long ab = ar + (long) b * QK * Float.BYTES;
            FloatVector p = FloatVector.zero(F);
            for (int h = 0; h < HALF; h += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, wb + 4 + h, LE)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector lo = (FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0xF)
                        .convert(VectorOperators.I2F, 0);
                p = lo.fma(FloatVector.fromMemorySegment(F, act, ab + h * 4L, LE), p);
                p = hi.fma(FloatVector.fromMemorySegment(F, act, ab + (HALF + h) * 4L, LE), p);
            }
            acc = p.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wb))), acc);
            minimums += Float.float16ToFloat(w.get(SHORT, wb + 2)) * act.get(FLOAT, ar + sums + b * 4L);
        }
        return acc.reduceLanes(VectorOperators.ADD) + minimums;
    }

    /**
     * {@link #dot} for {@link #TILE} activation rows {@code as} bytes apart, decoding each weight block once;
     * per row the same operations in the same order, so a row gives the same bits in a tile or alone.
     */
    private static void dotTile(MemorySegment w, long wr, int nb, MemorySegment act, long ar, long as, long sums,
                                MemorySegment y, long yo, long ys) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        float m0 = 0f;
        float m1 = 0f;
        float m2 = 0f;
        float m3 = 0f;
        for (int b = 0; b < nb; b++) {
            long wb = wr + (long) b * BLOCK_BYTES;
            long ab = ar + (long) b * QK * Float.BYTES;
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = p0;
            FloatVector p2 = p0;
            FloatVector p3 = p0;
            for (int h = 0; h < HALF; h += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, wb + 4 + h, LE)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector lo = (FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0xF)
                        .convert(VectorOperators.I2F, 0);
                long a = ab + h * 4L;
                long c = a + HALF * 4L;
                p0 = hi.fma(FloatVector.fromMemorySegment(F, act, c, LE),
                        lo.fma(FloatVector.fromMemorySegment(F, act, a, LE), p0));
                p1 = hi.fma(FloatVector.fromMemorySegment(F, act, c + as, LE),
                        lo.fma(FloatVector.fromMemorySegment(F, act, a + as, LE), p1));
                p2 = hi.fma(FloatVector.fromMemorySegment(F, act, c + 2 * as, LE),
                        lo.fma(FloatVector.fromMemorySegment(F, act, a + 2 * as, LE), p2));
                p3 = hi.fma(FloatVector.fromMemorySegment(F, act, c + 3 * as, LE),
                        lo.fma(FloatVector.fromMemorySegment(F, act, a + 3 * as, LE), p3));
            }
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wb)));
            acc0 = p0.fma(d, acc0);
            acc1 = p1.fma(d, acc1);
            acc2 = p2.fma(d, acc2);
            acc3 = p3.fma(d, acc3);
            float m = Float.float16ToFloat(w.get(SHORT, wb + 2));
            long sb = ar + sums + b * 4L;
            m0 += m * act.get(FLOAT, sb);
            m1 += m * act.get(FLOAT, sb + as);
            m2 += m * act.get(FLOAT, sb + 2 * as);
            m3 += m * act.get(FLOAT, sb + 3 * as);
        }
        y.set(FLOAT, yo, acc0.reduceLanes(VectorOperators.ADD) + m0);
        y.set(FLOAT, yo + ys, acc1.reduceLanes(VectorOperators.ADD) + m1);
        y.set(FLOAT, yo + 2 * ys, acc2.reduceLanes(VectorOperators.ADD) + m2);
        y.set(FLOAT, yo + 3 * ys, acc3.reduceLanes(VectorOperators.ADD) + m3);
    }
}
