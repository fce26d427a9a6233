package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Q5_K weights times activations quantized to Q8_K, with the Vector API; the method of {@link Q4_KMatmul} (exact
 * integer sums per super-block as {@link Q5_KMatmulReference}, accumulated in float lanes) plus the fifth bits.
 * The 32 high-bit bytes are read once per super-block as 16 int16 lanes copied into both halves of a vector; a
 * per-half shift brings the bits of the half's chunk to positions 0, 1, 8 and 9, next to the nibbles they extend.
 */
public final class Q5_KMatmul implements MatmulKernel, RoundedActivations {
    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int BLOCK = Q5_KMatmulReference.BLOCK;
    private static final int QS = Q5_KMatmulReference.QS;
    private static final int QH = Q5_KMatmulReference.QH;
    private static final int SCALES = Q5_KMatmulReference.SCALES;
    private static final int DMIN = Q5_KMatmulReference.DMIN;
    private static final VectorMask<Integer> UPPER_HALF = VectorMask.fromLong(I512, 0xFF00L);
    private static final IntVector MIN_SHIFTS = IntVector.fromArray(I512,
            new int[] {0, 0, 8, 8, 16, 16, 24, 24, 0, 0, 8, 8, 16, 16, 24, 24}, 0);
    private static final VectorShuffle<Short> BOTH_HALVES = VectorShuffle.fromOp(S512, i -> i % 16);
    /** Load h covers chunks 2h (lanes 0-15) and 2h + 1 (lanes 16-31), whose bits start at 2 * chunk. */
    private static final ShortVector HIGH_SHIFT_0 = ShortVector.zero(S512).addIndex(1)
            .lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.LSHL, 1);
    private static final ShortVector HIGH_SHIFT_1 = HIGH_SHIFT_0.add((short) 4);
    /** Same element order as Q4_K: the nibbles sit in the same places. */
    static final byte[] ORDER = Q4_KMatmul.ORDER;

    @Override
    public DType weightType() {
        return DType.Q5_K;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int blocks = n / 256;
        for (int b = 0; b < blocks; b++) {
            long blk = wOffset + (long) b * BLOCK;
            float d = KQuantScales.half(w, blk);
            float dmin = KQuantScales.half(w, blk + DMIN);
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F512, d * KQuantScales.scale(w, blk + SCALES, 2 * c));
                FloatVector m1 = FloatVector.broadcast(F512, dmin * KQuantScales.min(w, blk + SCALES, 2 * c));
                FloatVector d2 = FloatVector.broadcast(F512, d * KQuantScales.scale(w, blk + SCALES, 2 * c + 1));
                FloatVector m2 = FloatVector.broadcast(F512, dmin * KQuantScales.min(w, blk + SCALES, 2 * c + 1));
                long out = dstOffset + 4L * (b * 256 + 64 * c);
                for (int h = 0; h < 2; h++) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w,
                            blk + QS + 32 * c + 16 * h, LE).convertShape(VectorOperators.B2I, I512, 0);
                    IntVector qh = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w,
                            blk + QH + 16 * h, LE).convertShape(VectorOperators.B2I, I512, 0);
                    IntVector lo = q.and(0xF).or(qh.lanewise(VectorOperators.LSHR, 2 * c).and(1)
                            .lanewise(VectorOperators.LSHL, 4));
                    IntVector hi = q.lanewise(VectorOperators.LSHR, 4).and(0xF)
                            .or(qh.lanewise(VectorOperators.LSHR, 2 * c + 1).and(1).lanewise(VectorOperators.LSHL, 4));
                    d1.mul((FloatVector) lo.convert(VectorOperators.I2F, 0)).sub(m1)
                            .intoMemorySegment(dst, out + 64L * h, LE);
                    d2.mul((FloatVector) hi.convert(VectorOperators.I2F, 0)).sub(m2)
                            .intoMemorySegment(dst, out + 128 + 64L * h, LE);
                }
            }
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return t * Q8_KActivations.rowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_KActivations.prepare(x, xOffset, k, from, to, prep, prepOffset, ORDER);
    }

    /** The Q8_K-rounded activations as floats, the values {@link #prepare} gives the dot products. */
    @Override
    public void roundRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment dst, long dstOffset) {
        Q8_KActivations.roundRows(x, xOffset, k, from, to, dst, dstOffset);
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        int blocks = k / 256;
        long rowBytes = (long) blocks * BLOCK;
        long actRowBytes = Q8_KActivations.rowBytes(k);
        for (int i = rowFrom; i < rowTo; i++) {
            for (int j = 0; j < t; j++) {
                float sum = rowDot(w, wOffset + i * rowBytes, act, actOffset + j * actRowBytes, blocks);
                y.set(KQuantScales.F32, yOffset + 4L * ((long) j * yStride + i), sum);
            }
        }
    }

    /** One weight row times one prepared activation row; see {@link Q4_KMatmul} for the lane layout. */
    private static float rowDot(MemorySegment w, long wRow, MemorySegment act, long aRow, int blocks) {
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < blocks; b++) {
            long wb = wRow + (long) b * BLOCK;
            long ab = aRow + (long) b * Q8_KActivations.BLOCK_BYTES;
            int u0 = w.get(KQuantScales.I32, wb + SCALES);
            int u1 = w.get(KQuantScales.I32, wb + SCALES + 4);
            int u2 = w.get(KQuantScales.I32, wb + SCALES + 8);
            int scLow = u0 & 0x3F3F3F3F;
            int scHigh = (u2 & 0x0F0F0F0F) | ((u0 >>> 2) & 0x30303030);
            int mLow = u1 & 0x3F3F3F3F;
            int mHigh = ((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 2) & 0x30303030);
            ShortVector qh = ShortVector.fromMemorySegment(S512, w, wb + QH, LE).rearrange(BOTH_HALVES);
            IntVector sumi = IntVector.zero(I512);
            for (int h = 0; h < 2; h++) {
                int sc = h == 0 ? scLow : scHigh;
                ShortVector hb = qh.lanewise(VectorOperators.LSHR, h == 0 ? HIGH_SHIFT_0 : HIGH_SHIFT_1);
                ShortVector s = ShortVector.fromMemorySegment(S512, w, wb + QS + 64 * h, LE);
                long a = ab + Q8_KActivations.QUANTS + 256L * h;
                ShortVector q0 = s.and((short) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((short) 0x10));
                ShortVector q1 = s.lanewise(VectorOperators.LSHR, 4).and((short) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHL, 3).and((short) 0x10));
                ShortVector q2 = s.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHR, 4).and((short) 0x10));
                ShortVector q3 = s.lanewise(VectorOperators.LSHR, 12)
                        .or(hb.lanewise(VectorOperators.LSHR, 5).and((short) 0x10));
                ShortVector lo = q0.mul(ShortVector.fromMemorySegment(S512, act, a, LE))
                        .add(q2.mul(ShortVector.fromMemorySegment(S512, act, a + 128, LE)));
                ShortVector hi = q1.mul(ShortVector.fromMemorySegment(S512, act, a + 64, LE))
                        .add(q3.mul(ShortVector.fromMemorySegment(S512, act, a + 192, LE)));
                IntVector vlo = lo.reinterpretAsInts();
                IntVector vhi = hi.reinterpretAsInts();
                IntVector slo = vlo.add(vlo.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector shi = vhi.add(vhi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector scLo = IntVector.broadcast(I512, sc & 0xFF).blend((sc >>> 16) & 0xFF, UPPER_HALF);
                IntVector scHi = IntVector.broadcast(I512, (sc >>> 8) & 0xFF).blend(sc >>> 24, UPPER_HALF);
                sumi = sumi.add(slo.mul(scLo)).add(shi.mul(scHi));
            }
            IntVector mins = IntVector.broadcast(I512, mLow).blend(mHigh, UPPER_HALF)
                    .lanewise(VectorOperators.LSHR, MIN_SHIFTS).and(0xFF);
            IntVector sums = IntVector.fromMemorySegment(I512, act, ab + Q8_KActivations.SUMS, LE);
            float ad = act.get(KQuantScales.F32, ab);
            FloatVector dd = FloatVector.broadcast(F512, ad * Float.float16ToFloat(w.get(KQuantScales.I16, wb)));
            FloatVector dm = FloatVector.broadcast(F512, -ad * Float.float16ToFloat(w.get(KQuantScales.I16, wb + DMIN)));
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(dd, acc);
            acc = ((FloatVector) mins.mul(sums).convert(VectorOperators.I2F, 0)).fma(dm, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
