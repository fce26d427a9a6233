package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Q6_K weights times activations quantized to Q8_K, with the Vector API: the exact integer sums per super-block
 * of {@link Q6_KMatmulReference}, kept in 16 int32 lanes (each below 2^24), scaled by {@code ad * d} into 16 float
 * lanes and summed across lanes once per row, as {@link Q4_KMatmul} does.
 *
 * <p>Each 64 low-nibble bytes are read as 32 int16 lanes (lanes 0-15 from the first 32 bytes of the half, lanes
 * 16-31 from the next 32) and taken apart with shifts and masks; the 64 high-bit bytes are read once, and each
 * half's 32 copied into both halves of a vector and shifted by 0 (lanes 0-15) or 2 (lanes 16-31), which puts each
 * value's two high bits at bits 0-1, 4-5, 8-9 or 12-13. Values are made signed (-32 to 31) before multiplying, so
 * two products sum in int16 (|q * a| <= 32 * 127) and no group-sum correction is needed. After adjacent lanes are
 * summed into int32, int lane {@code i} holds sub-block {@code 8h + 4 (j odd) + i / 4}: its scale vector is four
 * int8 scales, each repeated in four lanes.
 */
public final class Q6_KMatmul implements MatmulKernel, RoundedActivations {
    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int BLOCK = Q6_KMatmulReference.BLOCK;
    private static final int QH = Q6_KMatmulReference.QH;
    private static final int SCALES = Q6_KMatmulReference.SCALES;
    private static final int D = Q6_KMatmulReference.D;
    private static final VectorShuffle<Short> FIRST_HALF_TWICE = VectorShuffle.fromOp(S512, i -> i % 16);
    private static final VectorShuffle<Short> SECOND_HALF_TWICE = VectorShuffle.fromOp(S512, i -> 16 + i % 16);
    private static final ShortVector HIGH_SHIFT = ShortVector.zero(S512).addIndex(1)
            .lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.LSHL, 1);
    /** Moves byte i / 4 of a broadcast int to the top of int lane i, for a sign-extending shift right by 24. */
    private static final IntVector SCALE_SHIFT = IntVector.zero(I512).addIndex(1)
            .lanewise(VectorOperators.LSHR, 2).lanewise(VectorOperators.LSHL, 3).neg().add(24);
    /** Lane m of value vector j of half h multiplies element 128h + 64 (j odd) + 32 (m / 16) + 2 (m % 16) + j / 2. */
    static final byte[] ORDER = Q8_KActivations.order(
            (h, j, m) -> 128 * h + 64 * (j & 1) + 32 * (m / 16) + 2 * (m % 16) + (j >> 1));

    @Override
    public DType weightType() {
        return DType.Q6_K;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int blocks = n / 256;
        for (int b = 0; b < blocks; b++) {
            long blk = wOffset + (long) b * BLOCK;
            float d = KQuantScales.half(w, blk + D);
            for (int half = 0; half < 2; half++) {
                for (int quarter = 0; quarter < 4; quarter++) {
                    for (int part = 0; part < 2; part++) {
                        long low = blk + 64 * half + 32 * (quarter & 1) + 16 * part;
                        IntVector q = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, low, LE)
                                .convertShape(VectorOperators.B2I, I512, 0);
                        IntVector qh = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w,
                                blk + QH + 32 * half + 16 * part, LE).convertShape(VectorOperators.B2I, I512, 0);
                        IntVector v = q.lanewise(VectorOperators.LSHR, 4 * (quarter >> 1)).and(0xF)
                                .or(qh.lanewise(VectorOperators.LSHR, 2 * quarter).and(3).lanewise(VectorOperators.LSHL, 4))
                                .sub(32);
                        int e = 128 * half + 32 * quarter + 16 * part;
                        float ds = d * Q6_KMatmulReference.scale(w, blk, e / 16);
                        FloatVector.broadcast(F512, ds).mul((FloatVector) v.convert(VectorOperators.I2F, 0))
                                .intoMemorySegment(dst, dstOffset + 4L * (b * 256 + e), LE);
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

    /** One weight row times one prepared activation row. */
    private static float rowDot(MemorySegment w, long wRow, MemorySegment act, long aRow, int blocks) {
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < blocks; b++) {
            long wb = wRow + (long) b * BLOCK;
            long ab = aRow + (long) b * Q8_KActivations.BLOCK_BYTES;
            ShortVector qhAll = ShortVector.fromMemorySegment(S512, w, wb + QH, LE);
            IntVector sumi = IntVector.zero(I512);
            for (int h = 0; h < 2; h++) {
                ShortVector hb = qhAll.rearrange(h == 0 ? FIRST_HALF_TWICE : SECOND_HALF_TWICE)
                        .lanewise(VectorOperators.LSHR, HIGH_SHIFT);
                ShortVector s = ShortVector.fromMemorySegment(S512, w, wb + 64 * h, LE);
                long a = ab + Q8_KActivations.QUANTS + 256L * h;
                ShortVector q0 = s.and((short) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                        .sub((short) 32);
                ShortVector q1 = s.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).or(hb.and((short) 0x30))
                        .sub((short) 32);
                ShortVector q2 = s.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHR, 4).and((short) 0x30)).sub((short) 32);
                ShortVector q3 = s.lanewise(VectorOperators.LSHR, 12)
                        .or(hb.lanewise(VectorOperators.LSHR, 8).and((short) 0x30)).sub((short) 32);
                ShortVector lo = q0.mul(ShortVector.fromMemorySegment(S512, act, a, LE))
                        .add(q2.mul(ShortVector.fromMemorySegment(S512, act, a + 128, LE)));
                ShortVector hi = q1.mul(ShortVector.fromMemorySegment(S512, act, a + 64, LE))
                        .add(q3.mul(ShortVector.fromMemorySegment(S512, act, a + 192, LE)));
                IntVector vlo = lo.reinterpretAsInts();
                IntVector vhi = hi.reinterpretAsInts();
                IntVector slo = vlo.add(vlo.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector shi = vhi.add(vhi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector scLo = IntVector.broadcast(I512, w.get(KQuantScales.I32, wb + SCALES + 8 * h))
                        .lanewise(VectorOperators.LSHL, SCALE_SHIFT).lanewise(VectorOperators.ASHR, 24);
                IntVector scHi = IntVector.broadcast(I512, w.get(KQuantScales.I32, wb + SCALES + 8 * h + 4))
                        .lanewise(VectorOperators.LSHL, SCALE_SHIFT).lanewise(VectorOperators.ASHR, 24);
                sumi = sumi.add(slo.mul(scLo)).add(shi.mul(scHi));
            }
            float dd = act.get(KQuantScales.F32, ab) * Float.float16ToFloat(w.get(KQuantScales.I16, wb + D));
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, dd), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
