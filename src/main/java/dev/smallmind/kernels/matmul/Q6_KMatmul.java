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
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q6_K weights times activations quantized to Q8_K, with the Vector API: the exact integer sums per super-block
 * of {@link Q6_KMatmulReference}, kept in int32 lanes (each below 2^24, see {@link #rowDot}), scaled by
 * {@code ad * d} into float lanes and summed across lanes once per row, as {@link Q4_KMatmul} does, at the same
 * preferred width ({@link Q8_KActivations#SHAPE}).
 *
 * <p>The 128 low-nibble bytes form four 32-byte runs (two per half of 128 values): run {@code r} holds the low
 * nibbles of elements {@code 128 (r / 2) + 32 (r % 2) + l} and the high nibbles of those plus 64, {@code l < 32}.
 * Each load of them is read as int16 lanes (a 512-bit load: lanes 0-15 from one run, 16-31 from the next) and
 * taken apart with shifts and masks. The high-bit bytes matching a run's bytes {@code l} are its half's 32, read
 * as int16 lanes and shifted by 2 for an odd run, which puts each value's two high bits at bits 0-1, 4-5, 8-9 or
 * 12-13; a 512-bit kernel reads all 64 once and copies each half's 32 into both halves of a vector, shifted by 0
 * (lanes 0-15) or 2 (lanes 16-31). Values are made signed (-32 to 31) before multiplying, so two products sum in
 * int16 (|q * a| <= 32 * 127) and no group-sum correction is needed. After adjacent lanes are summed into int32,
 * every four int lanes hold one 16-value sub-block, so a scale vector is one to four int8 scales by width, each
 * repeated in four lanes.
 */
public final class Q6_KMatmul implements MatmulKernel, RoundedActivations {
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
    private static final int BLOCK = Q6_KMatmulReference.BLOCK;
    private static final int QH = Q6_KMatmulReference.QH;
    private static final int SCALES = Q6_KMatmulReference.SCALES;
    private static final int D = Q6_KMatmulReference.D;
    private static final int LOAD = Q8_KActivations.LOAD_BYTES;
    private static final boolean TWO_RUNS = Q8_KActivations.TWO_RUNS;
    private static final int INTS = I.length();
    /**
     * Whether each half super-block's integer sums are converted to float on their own: each load adds two terms
     * of at most 128 * 4 * 32 * 127 = 2,080,768 to an int32 lane, so 8 loads (at most 16,646,144) stay below
     * 2^24, but the 16 loads of a 128-bit kernel would not.
     */
    private static final boolean HALF_SUMS = 128 / LOAD > 8;
    /** With two runs per load (512 bits): a half's 16 int16 lanes of high-bit bytes in both halves of a vector. */
    private static final VectorShuffle<Short> FIRST_HALF_TWICE = VectorShuffle.fromOp(S, i -> i % 16);
    private static final VectorShuffle<Short> SECOND_HALF_TWICE = VectorShuffle.fromOp(S, i -> 16 + i % 16);
    /** With two runs per load: lanes 16-31 hold the odd run, whose high bits are 2 higher. */
    private static final ShortVector HIGH_SHIFT = ShortVector.zero(S).addIndex(1)
            .lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.LSHL, 1);
    /** Moves byte i / 4 of a broadcast int to the top of int lane i, for a sign-extending shift right by 24. */
    private static final IntVector SCALE_SHIFT = IntVector.zero(I).addIndex(1)
            .lanewise(VectorOperators.LSHR, 2).lanewise(VectorOperators.LSHL, 3).neg().add(24);
    /** Lane m of value vector j of load h multiplies this element. */
    static final byte[] ORDER = order(Q8_KActivations.LANES);

    /**
     * Bytes {@code 2m} and {@code 2m + 1} of load {@code h} fill int16 lane {@code m}: low nibble of the first
     * byte at bits 0-3, high nibble at 4-7, the second byte's at 8-11 and 12-15.
     *
     * @param lanes int16 lanes per load
     * @return the activation order for loads of that width
     */
    static byte[] order(int lanes) {
        return Q8_KActivations.order(lanes, (h, j, m) -> {
            int lowByte = 2 * lanes * h + 2 * m + (j >> 1);
            return 128 * (lowByte / 64) + 64 * (j & 1) + 32 * (lowByte / 32 % 2) + lowByte % 32;
        });
    }

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
                        ByteVector lowBytes = ByteVector.fromMemorySegment(B, w, low, LE);
                        ByteVector highBytes = ByteVector.fromMemorySegment(B, w, blk + QH + 32 * half + 16 * part, LE);
                        int e = 128 * half + 32 * quarter + 16 * part;
                        float ds = d * Q6_KMatmulReference.scale(w, blk, e / 16);
                        for (int p = 0; p < 16 / INTS; p++) {
                            IntVector q = (IntVector) lowBytes.convertShape(VectorOperators.B2I, I, p);
                            IntVector qh = (IntVector) highBytes.convertShape(VectorOperators.B2I, I, p);
                            IntVector v = q.lanewise(VectorOperators.LSHR, 4 * (quarter >> 1)).and(0xF)
                                    .or(qh.lanewise(VectorOperators.LSHR, 2 * quarter).and(3)
                                            .lanewise(VectorOperators.LSHL, 4))
                                    .sub(32);
                            FloatVector.broadcast(F, ds).mul((FloatVector) v.convert(VectorOperators.I2F, 0))
                                    .intoMemorySegment(dst, dstOffset + 4L * (b * 256 + e + INTS * p), LE);
                        }
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
     * One weight row times one prepared activation row. Four products summed per int32 lane are at most
     * 4 * 32 * 127 in magnitude, times a scale of at most 128; see {@link #HALF_SUMS} for the 2^24 bound.
     */
    private static float rowDot(MemorySegment w, long wRow, MemorySegment act, long aRow, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long wb = wRow + (long) b * BLOCK;
            long ab = aRow + (long) b * Q8_KActivations.BLOCK_BYTES;
            ShortVector qhAll = TWO_RUNS ? ShortVector.fromMemorySegment(S, w, wb + QH, LE) : null;
            IntVector sumi = IntVector.zero(I);
            for (int h = 0; h < 128 / LOAD; h++) {
                int run = LOAD * h / 32;
                int l = (LOAD * h) % 32;
                ShortVector hb = TWO_RUNS
                        ? qhAll.rearrange(h == 0 ? FIRST_HALF_TWICE : SECOND_HALF_TWICE)
                                .lanewise(VectorOperators.LSHR, HIGH_SHIFT)
                        : ShortVector.fromMemorySegment(S, w, wb + QH + 32 * (run / 2) + l, LE)
                                .lanewise(VectorOperators.LSHR, 2 * (run % 2));
                ShortVector s = ShortVector.fromMemorySegment(S, w, wb + LOAD * h, LE);
                long a = ab + Q8_KActivations.QUANTS + 4L * LOAD * h;
                ShortVector q0 = s.and((short) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                        .sub((short) 32);
                ShortVector q1 = s.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).or(hb.and((short) 0x30))
                        .sub((short) 32);
                ShortVector q2 = s.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHR, 4).and((short) 0x30)).sub((short) 32);
                ShortVector q3 = s.lanewise(VectorOperators.LSHR, 12)
                        .or(hb.lanewise(VectorOperators.LSHR, 8).and((short) 0x30)).sub((short) 32);
                ShortVector lo = q0.mul(ShortVector.fromMemorySegment(S, act, a, LE))
                        .add(q2.mul(ShortVector.fromMemorySegment(S, act, a + 2 * LOAD, LE)));
                ShortVector hi = q1.mul(ShortVector.fromMemorySegment(S, act, a + LOAD, LE))
                        .add(q3.mul(ShortVector.fromMemorySegment(S, act, a + 3 * LOAD, LE)));
                IntVector vlo = lo.reinterpretAsInts();
                IntVector vhi = hi.reinterpretAsInts();
                IntVector slo = vlo.add(vlo.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector shi = vhi.add(vhi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                // scale of the load's first low-nibble sub-block (16 values: 8 per half, 2 per run, 1 per 16 bytes);
                // the high nibbles' follow 4 later
                long scale = wb + SCALES + 8 * (run / 2) + 2 * (run % 2) + l / 16;
                IntVector scLo;
                IntVector scHi;
                if (INTS > 4) {
                    scLo = IntVector.broadcast(I, w.get(KQuantScales.I32, scale))
                            .lanewise(VectorOperators.LSHL, SCALE_SHIFT).lanewise(VectorOperators.ASHR, 24);
                    scHi = IntVector.broadcast(I, w.get(KQuantScales.I32, scale + 4))
                            .lanewise(VectorOperators.LSHL, SCALE_SHIFT).lanewise(VectorOperators.ASHR, 24);
                } else {
                    // one scale per vector: no per-lane shift, which x86 lacks below AVX2
                    scLo = IntVector.broadcast(I, w.get(ValueLayout.JAVA_BYTE, scale));
                    scHi = IntVector.broadcast(I, w.get(ValueLayout.JAVA_BYTE, scale + 4));
                }
                sumi = sumi.add(slo.mul(scLo)).add(shi.mul(scHi));
                if (HALF_SUMS && h == 128 / LOAD / 2 - 1) {
                    float dd = act.get(KQuantScales.F32, ab) * Float.float16ToFloat(w.get(KQuantScales.I16, wb + D));
                    acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dd), acc);
                    sumi = IntVector.zero(I);
                }
            }
            float dd = act.get(KQuantScales.F32, ab) * Float.float16ToFloat(w.get(KQuantScales.I16, wb + D));
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dd), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
