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
 * sums), exact. Unlike the reference, which rounds one float per super-block, the integer sums stay in int32 lanes
 * (each below 2^24, so their conversion to float is exact; see {@link #rowDot}), are scaled by {@code ad * d} and
 * {@code -ad * dmin} with fused multiply-adds into float lanes, and are summed across lanes once per row: that
 * saved ~15% over reducing every super-block. Results differ from the reference only by float summation order.
 *
 * <p>The nibbles are read a vector at a time as int16 lanes and taken apart with shifts and masks, never
 * widened; the activations are prepared as int16 in exactly that lane order ({@link Q8_KActivations}), so the
 * products need no shuffles. Byte-to-wider conversions (B2S, B2I) measured several times slower than shifts and
 * masks on C2 here, which is why the kernel avoids them. A float path (weights dequantized in registers times F32
 * activations, {@code KQuantMatvecBench}'s {@code Q4_K_FLOAT}) measured about half as fast.
 *
 * <p>Vectors have the preferred width ({@link Q8_KActivations#SHAPE}: 512, 256 or 128 bits), so that C2 compiles
 * them to hardware instructions on any CPU; what differs by width is chosen by static final constants, which C2
 * folds, so each width runs only its own code.
 */
public final class Q4_KMatmul implements MatmulKernel, RoundedActivations {
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
    private static final int BLOCK = Q4_KMatmulReference.BLOCK;
    private static final int QS = Q4_KMatmulReference.QS;
    private static final int SCALES = Q4_KMatmulReference.SCALES;
    private static final int DMIN = Q4_KMatmulReference.DMIN;
    private static final int LOAD = Q8_KActivations.LOAD_BYTES;
    private static final boolean TWO_RUNS = Q8_KActivations.TWO_RUNS;
    private static final int INTS = I.length();
    /** The int lanes of a load's second 32-byte run of quants, when it covers two. */
    static final VectorMask<Integer> UPPER_HALF = VectorMask.fromLong(I, ((1L << INTS) - 1) & (-1L << (INTS / 2)));
    /** Lane l of the mins vector takes byte (l / 2) % 4 of its packed int: group sums 2s and 2s + 1 share min s. */
    static final IntVector MIN_SHIFTS = IntVector.zero(I).addIndex(1)
            .lanewise(VectorOperators.LSHR, 1).and(3).lanewise(VectorOperators.LSHL, 3);
    /**
     * Below 512 bits a vector of group sums needs the mins of one packed int only; there the kernel selects lane
     * l's byte by multiplying with this factor, which moves it to the top of the lane, as x86 has no per-lane
     * shift count below AVX2.
     */
    static final IntVector MIN_MULTIPLIERS = IntVector.broadcast(I, 1 << 24)
            .lanewise(VectorOperators.LSHR, MIN_SHIFTS);
    /** Lane m of nibble vector j (bits 4j to 4j + 3 of each int16 lane) of load h multiplies this element. */
    static final byte[] ORDER = order(Q8_KActivations.LANES);

    /**
     * Bytes {@code 2m} and {@code 2m + 1} of load {@code h} fill int16 lane {@code m}: low nibble of the first
     * byte at bits 0-3, high nibble at 4-7, the second byte's at 8-11 and 12-15. In each 32-byte run of quants,
     * byte {@code i}'s low nibble is element {@code i} and its high nibble element {@code 32 + i} of the run's 64.
     *
     * @param lanes int16 lanes per load
     * @return the activation order for loads of that width
     */
    static byte[] order(int lanes) {
        return Q8_KActivations.order(lanes, (h, j, m) -> {
            int quantByte = 2 * lanes * h + 2 * m + (j >> 1);
            return 64 * (quantByte / 32) + 32 * (j & 1) + quantByte % 32;
        });
    }

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
                FloatVector d1 = FloatVector.broadcast(F, d * KQuantScales.scale(w, blk + SCALES, 2 * c));
                FloatVector m1 = FloatVector.broadcast(F, dmin * KQuantScales.min(w, blk + SCALES, 2 * c));
                FloatVector d2 = FloatVector.broadcast(F, d * KQuantScales.scale(w, blk + SCALES, 2 * c + 1));
                FloatVector m2 = FloatVector.broadcast(F, dmin * KQuantScales.min(w, blk + SCALES, 2 * c + 1));
                long out = dstOffset + 4L * (b * 256 + 64 * c);
                for (int h = 0; h < 2; h++) {
                    ByteVector bytes = ByteVector.fromMemorySegment(B, w, blk + QS + 32 * c + 16 * h, LE);
                    for (int p = 0; p < 16 / INTS; p++) {
                        IntVector q = (IntVector) bytes.convertShape(VectorOperators.B2I, I, p);
                        FloatVector lo = (FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0);
                        FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0xF)
                                .convert(VectorOperators.I2F, 0);
                        long at = out + 64L * h + 4L * INTS * p;
                        d1.mul(lo).sub(m1).intoMemorySegment(dst, at, LE);
                        d2.mul(hi).sub(m2).intoMemorySegment(dst, at + 128, LE);
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
     * One weight row times one prepared activation row. Quant bytes form four 32-byte runs; run {@code r} holds
     * elements {@code 64r} to {@code 64r + 63}, sub-block {@code 2r} in its low nibbles and {@code 2r + 1} in its
     * high ones. Load {@code h} of nibbles (int16 lanes) lies in run {@code LOAD h / 32} or, 512 bits wide, covers
     * runs {@code 2h} (lanes 0-15) and {@code 2h + 1} (lanes 16-31). Bits 0-3 and 8-11 of each lane belong to the
     * low-nibble sub-block, bits 4-7 and 12-15 to the high one. Two products
     * (|q * a| <= 15 * 127) are summed in int16, adjacent lanes are summed into int32
     * ({@code (v + (v << 16)) >> 16} keeps {@code hi + lo}, at most 4 * 15 * 127, in the top half) and
     * multiplied by the sub-block scales (at most 63). Each int32 lane gains two such terms per load, 4 to 16 per
     * super-block by width: at most 16 * 63 * 4 * 15 * 127 < 2^24.
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
            IntVector sumi = IntVector.zero(I);
            for (int h = 0; h < 128 / LOAD; h++) {
                // run r's scales are byte 2r % 4 on of the packed scales of runs 0-1 or 2-3
                int sc = h < 64 / LOAD ? scLow : scHigh;
                if (!TWO_RUNS) {
                    sc >>>= 16 * (LOAD * h / 32 % 2);
                }
                ShortVector s = ShortVector.fromMemorySegment(S, w, wb + QS + LOAD * h, LE);
                long a = ab + Q8_KActivations.QUANTS + 4L * LOAD * h;
                ShortVector lo = s.and((short) 0xF).mul(ShortVector.fromMemorySegment(S, act, a, LE))
                        .add(s.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                                .mul(ShortVector.fromMemorySegment(S, act, a + 2 * LOAD, LE)));
                ShortVector hi = s.lanewise(VectorOperators.LSHR, 4).and((short) 0xF)
                        .mul(ShortVector.fromMemorySegment(S, act, a + LOAD, LE))
                        .add(s.lanewise(VectorOperators.LSHR, 12)
                                .mul(ShortVector.fromMemorySegment(S, act, a + 3 * LOAD, LE)));
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
                // |min * sum| <= 63 * 16 * 127, at most 4 per lane: far below 2^24
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
