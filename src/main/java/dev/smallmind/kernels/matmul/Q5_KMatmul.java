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
 * integer sums per super-block as {@link Q5_KMatmulReference}, accumulated in float lanes, at the preferred
 * width) plus the fifth bits. Quant byte {@code i} of a 32-byte run {@code c} takes its fifth bits from bits
 * {@code 2c} and {@code 2c + 1} of high-bit byte {@code i}. So the high-bit bytes matching a load's quant bytes
 * are read as int16 lanes and shifted right by {@code 2c}, which puts the fifth bits at positions 0, 1, 8 and 9,
 * next to the nibbles they extend. A 512-bit load covers two runs: there the 32 high-bit bytes are read once per
 * super-block as 16 int16 lanes copied into both halves of a vector, and each half shifted by its own run.
 */
public final class Q5_KMatmul implements MatmulKernel, RoundedActivations {
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, Q8_KActivations.SHAPE);
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, Q8_KActivations.SHAPE);
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, Q8_KActivations.SHAPE);
    /**
     * Bytes widened in {@link #decodeRow}: 16 per load at every width, into one to four int vectors, so every width
     * runs the loop nest of the 512-bit code, which C2 unrolls fully; 8-byte loads at 256 bits made 4-trip loops
     * that it did not (Q6_K decoding 2.7 times slower, Q4_K 1.25).
     */
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int BLOCK = Q5_KMatmulReference.BLOCK;
    private static final int QS = Q5_KMatmulReference.QS;
    private static final int QH = Q5_KMatmulReference.QH;
    private static final int SCALES = Q5_KMatmulReference.SCALES;
    private static final int DMIN = Q5_KMatmulReference.DMIN;
    private static final int LOAD = Q8_KActivations.LOAD_BYTES;
    private static final boolean TWO_RUNS = Q8_KActivations.TWO_RUNS;
    private static final int INTS = I.length();
    private static final VectorMask<Integer> UPPER_HALF = Q4_KMatmul.UPPER_HALF;
    private static final IntVector MIN_SHIFTS = Q4_KMatmul.MIN_SHIFTS;
    private static final IntVector MIN_MULTIPLIERS = Q4_KMatmul.MIN_MULTIPLIERS;
    /** With two runs per load: the 16 int16 lanes of high-bit bytes in both halves of a vector. */
    private static final VectorShuffle<Short> BOTH_HALVES = VectorShuffle.fromOp(S, i -> i % 16);
    /** Load h covers runs 2h (lanes 0-15) and 2h + 1 (lanes 16-31), whose bits start at 2 * run. */
    private static final ShortVector HIGH_SHIFT_0 = ShortVector.zero(S).addIndex(1)
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
                FloatVector d1 = FloatVector.broadcast(F, d * KQuantScales.scale(w, blk + SCALES, 2 * c));
                FloatVector m1 = FloatVector.broadcast(F, dmin * KQuantScales.min(w, blk + SCALES, 2 * c));
                FloatVector d2 = FloatVector.broadcast(F, d * KQuantScales.scale(w, blk + SCALES, 2 * c + 1));
                FloatVector m2 = FloatVector.broadcast(F, dmin * KQuantScales.min(w, blk + SCALES, 2 * c + 1));
                long out = dstOffset + 4L * (b * 256 + 64 * c);
                for (int h = 0; h < 2; h++) {
                    ByteVector quantBytes = ByteVector.fromMemorySegment(B, w, blk + QS + 32 * c + 16 * h, LE);
                    ByteVector highBytes = ByteVector.fromMemorySegment(B, w, blk + QH + 16 * h, LE);
                    for (int p = 0; p < 16 / INTS; p++) {
                        IntVector q = (IntVector) quantBytes.convertShape(VectorOperators.B2I, I, p);
                        IntVector qh = (IntVector) highBytes.convertShape(VectorOperators.B2I, I, p);
                        IntVector lo = q.and(0xF).or(qh.lanewise(VectorOperators.LSHR, 2 * c).and(1)
                                .lanewise(VectorOperators.LSHL, 4));
                        IntVector hi = q.lanewise(VectorOperators.LSHR, 4).and(0xF)
                                .or(qh.lanewise(VectorOperators.LSHR, 2 * c + 1).and(1)
                                        .lanewise(VectorOperators.LSHL, 4));
                        long at = out + 64L * h + 4L * INTS * p;
                        d1.mul((FloatVector) lo.convert(VectorOperators.I2F, 0)).sub(m1)
                                .intoMemorySegment(dst, at, LE);
                        d2.mul((FloatVector) hi.convert(VectorOperators.I2F, 0)).sub(m2)
                                .intoMemorySegment(dst, at + 128, LE);
                    }
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

    /**
     * One weight row times one prepared activation row; see {@link Q4_KMatmul#rowDot} for the lane layout. With
     * the fifth bit, |q * a| <= 31 * 127: four products in int16 still fit, and the at most 16 terms per int32
     * lane stay below 2^24 (16 * 63 * 4 * 31 * 127).
     */
    private static float rowDot(MemorySegment w, long wRow, MemorySegment act, long aRow, int blocks) {
        FloatVector acc = FloatVector.zero(F);
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
            ShortVector qh = TWO_RUNS ? ShortVector.fromMemorySegment(S, w, wb + QH, LE).rearrange(BOTH_HALVES) : null;
            IntVector sumi = IntVector.zero(I);
            for (int h = 0; h < 128 / LOAD; h++) {
                int run = LOAD * h / 32;
                // run r's scales are byte 2r % 4 on of the packed scales of runs 0-1 or 2-3
                int sc = h < 64 / LOAD ? scLow : scHigh;
                if (!TWO_RUNS) {
                    sc >>>= 16 * (run % 2);
                }
                ShortVector hb = TWO_RUNS ? qh.lanewise(VectorOperators.LSHR, h == 0 ? HIGH_SHIFT_0 : HIGH_SHIFT_1)
                        : ShortVector.fromMemorySegment(S, w, wb + QH + (LOAD * h) % 32, LE)
                                .lanewise(VectorOperators.LSHR, 2 * run);
                ShortVector s = ShortVector.fromMemorySegment(S, w, wb + QS + LOAD * h, LE);
                long a = ab + Q8_KActivations.QUANTS + 4L * LOAD * h;
                ShortVector q0 = s.and((short) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((short) 0x10));
                ShortVector q1 = s.lanewise(VectorOperators.LSHR, 4).and((short) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHL, 3).and((short) 0x10));
                ShortVector q2 = s.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHR, 4).and((short) 0x10));
                ShortVector q3 = s.lanewise(VectorOperators.LSHR, 12)
                        .or(hb.lanewise(VectorOperators.LSHR, 5).and((short) 0x10));
                ShortVector lo = q0.mul(ShortVector.fromMemorySegment(S, act, a, LE))
                        .add(q2.mul(ShortVector.fromMemorySegment(S, act, a + 2 * LOAD, LE)));
                ShortVector hi = q1.mul(ShortVector.fromMemorySegment(S, act, a + LOAD, LE))
                        .add(q3.mul(ShortVector.fromMemorySegment(S, act, a + 3 * LOAD, LE)));
                IntVector vlo = lo.reinterpretAsInts();
                IntVector vhi = hi.reinterpretAsInts();
                IntVector slo = vlo.add(vlo.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector shi = vhi.add(vhi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector scLo = IntVector.broadcast(I, sc & 0xFF);
                IntVector scHi = IntVector.broadcast(I, (sc >>> 8) & 0xFF);
                if (TWO_RUNS) {
                    scLo = scLo.blend((sc >>> 16) & 0xFF, UPPER_HALF);
                    scHi = scHi.blend(sc >>> 24, UPPER_HALF);
                }
                sumi = sumi.add(slo.mul(scLo)).add(shi.mul(scHi));
            }
            IntVector minSums;
            if (TWO_RUNS) {
                minSums = IntVector.broadcast(I, mLow).blend(mHigh, UPPER_HALF)
                        .lanewise(VectorOperators.LSHR, MIN_SHIFTS).and(0xFF)
                        .mul(IntVector.fromMemorySegment(I, act, ab + Q8_KActivations.SUMS, LE));
            } else {
                minSums = IntVector.zero(I);
                for (int g = 0; g < 16; g += INTS) {
                    int mins = (g < 8 ? mLow : mHigh) >>> (4 * (g & 7));
                    minSums = minSums.add(IntVector.broadcast(I, mins).mul(MIN_MULTIPLIERS)
                            .lanewise(VectorOperators.LSHR, 24)
                            .mul(IntVector.fromMemorySegment(I, act, ab + Q8_KActivations.SUMS + 4L * g, LE)));
                }
            }
            float ad = act.get(KQuantScales.F32, ab);
            FloatVector dd = FloatVector.broadcast(F, ad * Float.float16ToFloat(w.get(KQuantScales.I16, wb)));
            FloatVector dm = FloatVector.broadcast(F, -ad * Float.float16ToFloat(w.get(KQuantScales.I16, wb + DMIN)));
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(dd, acc);
            acc = ((FloatVector) minSums.convert(VectorOperators.I2F, 0)).fma(dm, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
