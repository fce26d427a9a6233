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
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Q4_K weights times activations quantized to Q8_K, with the Vector API, as llama.cpp does it: per super-block
 * the integer sums of {@link Q4_KMatmulReference} (scales times nibble-quant dot products, mins times group
 * sums), exact. Unlike the reference, which rounds one float per super-block, the integer sums stay in 16 int32
 * lanes (each below 2^24, so their conversion to float is exact), are scaled by {@code ad * d} and
 * {@code -ad * dmin} with fused multiply-adds into 16 float lanes, and are summed across lanes once per row:
 * that saved ~15% over reducing every super-block. Results differ from the reference only by float summation order.
 *
 * <p>The nibbles are read 64 bytes at a time as 32 int16 lanes and taken apart with shifts and masks, never
 * widened; the activations are prepared as int16 in exactly that lane order ({@link Q8_KActivations}), so the
 * products need no shuffles. Byte-to-wider conversions (B2S, B2I) measured several times slower than shifts and
 * masks on C2 here, which is why the kernel avoids them. A float path (weights dequantized in registers times F32
 * activations, {@code KQuantMatvecBench}'s {@code Q4_K_FLOAT}) measured about half as fast.
 */
public final class Q4_KMatmul implements MatmulKernel, RoundedActivations {
    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int BLOCK = Q4_KMatmulReference.BLOCK;
    private static final int QS = Q4_KMatmulReference.QS;
    private static final int SCALES = Q4_KMatmulReference.SCALES;
    private static final int DMIN = Q4_KMatmulReference.DMIN;
    private static final VectorMask<Integer> UPPER_HALF = VectorMask.fromLong(I512, 0xFF00L);
    /** Lane l of the mins vector takes byte (l / 2) % 4 of its packed int: group sums 2s and 2s + 1 share min s. */
    private static final IntVector MIN_SHIFTS = IntVector.fromArray(I512,
            new int[] {0, 0, 8, 8, 16, 16, 24, 24, 0, 0, 8, 8, 16, 16, 24, 24}, 0);
    /** Lane m of nibble vector j (bits 4j to 4j + 3 of each int16 lane) of 64-byte load h multiplies this element. */
    static final byte[] ORDER = Q8_KActivations.order(
            (h, j, m) -> 128 * h + 64 * (m / 16) + 32 * (j & 1) + 2 * (m % 16) + (j >> 1));

    @Override
    public DType weightType() {
        return DType.Q4_K;
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
                    FloatVector lo = (FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0);
                    FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0xF)
                            .convert(VectorOperators.I2F, 0);
                    d1.mul(lo).sub(m1).intoMemorySegment(dst, out + 64L * h, LE);
                    d2.mul(hi).sub(m2).intoMemorySegment(dst, out + 128 + 64L * h, LE);
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
     * One weight row times one prepared activation row. Per 64-byte load {@code h} of nibbles (32 int16 lanes),
     * bits 0-3 and 8-11 of each lane belong to sub-block 4h (lanes 0-15) and 4h + 2 (lanes 16-31), bits 4-7 and
     * 12-15 to 4h + 1 and 4h + 3. Two products (|q * a| <= 15 * 127) are summed in int16, adjacent lanes are summed
     * into int32 ({@code (v + (v << 16)) >> 16} keeps {@code hi + lo} in the top half) and multiplied by the
     * sub-block scales.
     */
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
            IntVector sumi = IntVector.zero(I512);
            for (int h = 0; h < 2; h++) {
                int sc = h == 0 ? scLow : scHigh;
                ShortVector s = ShortVector.fromMemorySegment(S512, w, wb + QS + 64 * h, LE);
                long a = ab + Q8_KActivations.QUANTS + 256L * h;
                ShortVector lo = s.and((short) 0xF).mul(ShortVector.fromMemorySegment(S512, act, a, LE))
                        .add(s.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                                .mul(ShortVector.fromMemorySegment(S512, act, a + 128, LE)));
                ShortVector hi = s.lanewise(VectorOperators.LSHR, 4).and((short) 0xF)
                        .mul(ShortVector.fromMemorySegment(S512, act, a + 64, LE))
                        .add(s.lanewise(VectorOperators.LSHR, 12)
                                .mul(ShortVector.fromMemorySegment(S512, act, a + 192, LE)));
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
