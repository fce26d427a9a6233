package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.kernels.WeightPacking;
import dev.smallmind.memory.Alignment;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_0 weights, repacked at load, times activations quantized to Q8_0 blocks, with integer products as ggml's
 * {@code vec_dot_q4_0_q8_0}: per block {@code d_w * d_a * sum((q_w - 8) * q_a)}, the sum exact. Scalar twin:
 * {@link Q4_0MatmulReference} over the same rows before packing.
 *
 * <p>Why a layout of its own: {@link Q4_0Matmul} widens every nibble to a float and multiplies in float lanes,
 * bound by those conversions at about 12 G weights per second per core here. Integer products need the 32 products
 * of a block summed before its scale applies; the Vector API has no pairwise-adding multiply (no {@code vpmaddwd}
 * or {@code vpdpbusd}), so the sums are formed in int16 lanes instead, which works only when a lane meets elements
 * of one block alone. The packing arranges exactly that. A row is cut into groups of {@link #GROUP_BLOCKS} blocks
 * (half the int16 lanes of a preferred vector: 16 blocks, 512 weights, on AVX-512); int16 lanes {@code 2b} and
 * {@code 2b + 1} of every vector of a group belong to block {@code b}. A group's 256 nibble bytes load as four
 * int16 vectors of four nibbles a lane; the 16 products each lane meets (nibbles 0..15 times activations within
 * +-127: at most 30,480) add up in int16 without overflow, and adding each int32 lane's two halves gives the
 * block sums, one int32 lane per block, ready for the block scales in float lanes. The {@code - 8} of every
 * weight is taken out once per block as {@code 8 * sum(q_a)}, which {@link #prepare} computes.
 *
 * <p>Packed row ({@code 18 * k / 32} bytes, as in GGUF): the groups' nibbles ({@code 16 * GROUP_BLOCKS} bytes a
 * group: vector {@code h} of a group holds, in int16 lane {@code l}, elements {@code 8h + 2n + (l & 1)} of block
 * {@code l / 2} in bits {@code 4n..4n + 3}), then the groups' fp16 scales in block order, then the blocks after the
 * last whole group in their GGUF form (on AVX-512 two blocks of a 576-wide row), which {@link Q4_0Matmul}'s float
 * path multiplies. Prepared activations per token: the groups' int16 quants in the weights' lane order, the
 * groups' block scales (float), the groups' {@code 8 * sum(q_a)} (int32), then the remaining blocks as
 * {@link Q8_0Activations} rounds them. {@link #decodeRow} and {@link #roundRows} write a group's elements in the
 * same permuted order (the order of the int16 activations), so the decoded-panel product of prefill steps pairs
 * every weight with its activation.
 */
public final class Q4_0PackedMatmul implements MatmulKernel, RoundedActivations, WeightPacking {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, S.vectorShape());
    private static final VectorSpecies<Short> HALF_S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final int LANES = S.length();
    private static final int FLOAT_LANES = F.length();
    /** Quant bytes of one float vector of a GGUF block's half (the float path of the blocks after the groups). */
    private static final VectorSpecies<Byte> B =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, FLOAT_LANES * 8)));
    /** Blocks per group: one per int32 lane. */
    static final int GROUP_BLOCKS = LANES / 2;
    private static final int QK = 32;
    private static final int GROUP = QK * GROUP_BLOCKS;
    private static final int GROUP_QUANT_BYTES = 16 * GROUP_BLOCKS;
    private static final int BLOCK_BYTES = 18;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ShortVector NIBBLE = ShortVector.broadcast(S, (short) 0xF);
    // fp16 block scales to float lanes, as F16Matmul widens its weights (exact, Inf and NaN kept).
    private static final IntVector SIGN_EXPONENT_MANTISSA = IntVector.broadcast(I, 0x8FFF_E000);
    private static final FloatVector REBIAS = FloatVector.broadcast(F, 0x1p112f);
    private static final FloatVector SPECIAL = FloatVector.broadcast(F, 0x1p16f);
    private static final IntVector ALL_ONES_EXPONENT = IntVector.broadcast(I, 0x7F80_0000);
    /** Float lane {@code i} of the low (high) half of a widened int16 vector belongs to block {@code i / 2} ({@code GROUP_BLOCKS / 2 + i / 2}). */
    private static final VectorShuffle<Float> LOW_BLOCKS = VectorShuffle.fromOp(F, i -> i / 2);
    private static final VectorShuffle<Float> HIGH_BLOCKS = VectorShuffle.fromOp(F, i -> GROUP_BLOCKS / 2 + i / 2);
    private static final Q4_0Matmul FLOAT_PATH = new Q4_0Matmul();
    private static final float RINT_MAGIC = 12582912f;

    /**
     * @return whether this JVM's vectors are wide enough: the float path of the blocks after the groups takes a
     *         block half in whole vectors of at least 8 floats (256-bit vectors; the smallest byte vector is 64 bits)
     */
    public static boolean supported() {
        return FLOAT_LANES >= 8;
    }

    @Override
    public DType weightType() {
        return DType.Q4_0;
    }

    private static int groups(int k) {
        return k / GROUP;
    }

    private static int tailBlocks(int k) {
        return k / QK - groups(k) * GROUP_BLOCKS;
    }

    /** Position of element {@code e} of group block {@code b} in the permuted order (also its int16 quant index). */
    private static int permuted(int b, int e) {
        return (e >> 1) * LANES + 2 * b + (e & 1);
    }

    @Override
    public void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset) {
        int ng = groups(k);
        long rowBytes = DType.Q4_0.rowBytes(k);
        long scales = (long) ng * GROUP_QUANT_BYTES;
        for (int r = 0; r < rows; r++) {
            long s = srcOffset + r * rowBytes;
            long d = dstOffset + r * rowBytes;
            for (int g = 0; g < ng; g++) {
                long gq = d + (long) g * GROUP_QUANT_BYTES;
                for (int b = 0; b < GROUP_BLOCKS; b++) {
                    long blk = s + (long) (g * GROUP_BLOCKS + b) * BLOCK_BYTES;
                    dst.set(SHORT, d + scales + 2L * (g * GROUP_BLOCKS + b), src.get(SHORT, blk));
                    for (int c = 0; c < 2; c++) {
                        // Bytes 8c..8c+7: low nibbles are elements 8c + i, high nibbles elements 16 + 8c + i.
                        long bytes = src.get(LONG, blk + 2 + 8 * c);
                        for (int l = 0; l < 2; l++) {
                            dst.set(SHORT, gq + 2L * (c * LANES + 2 * b + l), fourNibbles(bytes >>> (8 * l)));
                            dst.set(SHORT, gq + 2L * ((2 + c) * LANES + 2 * b + l),
                                    fourNibbles(bytes >>> (8 * l + 4)));
                        }
                    }
                }
            }
            long tail = (long) ng * GROUP_BLOCKS * BLOCK_BYTES;
            MemorySegment.copy(src, s + tail, dst, d + tail, rowBytes - tail);
        }
    }

    /** The low nibbles of bytes 0, 2, 4 and 6 of {@code bytes}, as one int16 lane holds them. */
    private static short fourNibbles(long bytes) {
        long x = bytes & 0x000F_000F_000F_000FL;
        long y = x | x >>> 12;
        return (short) (y & 0xFF | y >>> 24 & 0xFF00);
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int ng = groups(n);
        long scales = wOffset + (long) ng * GROUP_QUANT_BYTES;
        for (int g = 0; g < ng; g++) {
            IntVector hb = (IntVector) ShortVector.fromMemorySegment(HALF_S, w, scales + 2L * g * GROUP_BLOCKS, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector d = hb.lanewise(VectorOperators.LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()
                    .mul(REBIAS);
            d = d.blend(d.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    d.abs().compare(VectorOperators.GE, SPECIAL));
            FloatVector dLow = d.rearrange(LOW_BLOCKS);
            FloatVector dHigh = d.rearrange(HIGH_BLOCKS);
            long out = dstOffset + (long) g * GROUP * Float.BYTES;
            for (int h = 0; h < 4; h++) {
                ShortVector q = ShortVector.fromMemorySegment(S, w, wOffset + (long) g * GROUP_QUANT_BYTES
                        + 2L * h * LANES, LE);
                for (int nib = 0; nib < 4; nib++) {
                    ShortVector v = q.lanewise(VectorOperators.LSHR, 4 * nib).and(NIBBLE).sub((short) 8);
                    long o = out + 4L * (4 * h + nib) * LANES;
                    ((FloatVector) v.convertShape(VectorOperators.S2F, F, 0)).mul(dLow)
                            .intoMemorySegment(dst, o, LE);
                    ((FloatVector) v.convertShape(VectorOperators.S2F, F, 1)).mul(dHigh)
                            .intoMemorySegment(dst, o + 2L * LANES, LE);
                }
            }
        }
        int tail = tailBlocks(n);
        if (tail > 0) {
            FLOAT_PATH.decodeRow(w, scales + 2L * ng * GROUP_BLOCKS, dst, dstOffset + 4L * ng * GROUP, tail * QK);
        }
    }

    /**
     * @param k row length, a multiple of 32
     * @return bytes of one prepared activation row, a multiple of 64
     */
    private static long activationRowBytes(int k) {
        int ng = groups(k);
        return Alignment.up((long) ng * (2L * GROUP + 8L * GROUP_BLOCKS) + (long) tailBlocks(k) * QK * Float.BYTES);
    }

    @Override
    public long preparedBytes(int t, int k) {
        return t * activationRowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        quantizeRows(x, xOffset, k, from, to, prep, prepOffset, activationRowBytes(k), true);
    }

    /**
     * The Q8_0-rounded activations as floats, the values {@link #prepare} gives the dot products, with each group's
     * elements in the permuted order {@link #decodeRow} writes.
     */
    @Override
    public void roundRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment dst, long dstOffset) {
        quantizeRows(x, xOffset, k, from, to, dst, dstOffset, 4L * k, false);
    }

    /**
     * Rounds as {@link Q8_0Activations} does ({@code d = fp16(amax / 127)}, {@code q = rint(x * 127 / amax)}); the
     * groups' quants go to their permuted places, as int16 with scales and sums ({@code integers}) or as the floats
     * {@code d * q}; the blocks after the last group always as floats in order.
     */
    private static void quantizeRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment out,
                                     long outOffset, long outRowBytes, boolean integers) {
        int ng = groups(k);
        long scales = (long) ng * 2 * GROUP;
        long sums = scales + 4L * ng * GROUP_BLOCKS;
        long tailOut = integers ? sums + 4L * ng * GROUP_BLOCKS : 4L * ng * GROUP;
        for (int r = from; r < to; r++) {
            long src = xOffset + (long) r * k * Float.BYTES;
            long dst = outOffset + r * outRowBytes;
            for (int g = 0; g < ng; g++) {
                for (int b = 0; b < GROUP_BLOCKS; b++) {
                    int block = g * GROUP_BLOCKS + b;
                    long xb = src + (long) block * QK * Float.BYTES;
                    float amax = 0f;
                    for (int e = 0; e < QK; e++) {
                        amax = Math.max(amax, Math.abs(x.get(FLOAT, xb + 4L * e)));
                    }
                    float id = amax != 0f ? 127f / amax : 0f;
                    float dh = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
                    int sum = 0;
                    for (int e = 0; e < QK; e++) {
                        float q = x.get(FLOAT, xb + 4L * e) * id + RINT_MAGIC - RINT_MAGIC;
                        int at = g * GROUP + permuted(b, e);
                        if (integers) {
                            out.set(SHORT, dst + 2L * at, (short) q);
                            sum += (int) q;
                        } else {
                            out.set(FLOAT, dst + 4L * at, q * dh);
                        }
                    }
                    if (integers) {
                        out.set(FLOAT, dst + scales + 4L * block, dh);
                        out.set(INT, dst + sums + 4L * block, 8 * sum);
                    }
                }
            }
            int tail = tailBlocks(k);
            if (tail > 0) {
                Q8_0Activations.quantize(x, src + 4L * ng * GROUP, tail * QK, 0, 1, out, dst + tailOut);
            }
        }
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long rowBytes = DType.Q4_0.rowBytes(k);
        long actRowBytes = activationRowBytes(k);
        long yRowBytes = (long) yStride * Float.BYTES;
        for (int j = 0; j < t; j++) {
            long a = actOffset + j * actRowBytes;
            long yj = yOffset + j * yRowBytes;
            int i = rowFrom;
            for (; i + 4 <= rowTo; i += 4) {
                long r = wOffset + i * rowBytes;
                long o = yj + 4L * i;
                dot4(w, r, r + rowBytes, r + 2 * rowBytes, r + 3 * rowBytes, k, act, a, y, o, o + 4, o + 8, o + 12);
            }
            for (; i < rowTo; i++) {
                long r = wOffset + i * rowBytes;
                long o = yj + 4L * i;
                dot4(w, r, r, r, r, k, act, a, y, o, o, o, o);
            }
        }
    }

    /**
     * Four weight rows times one prepared activation row: the activation vectors are loaded once for the four, and
     * the per-call costs (segment checks, the final lane sums) are shared; a row left over is passed four times.
     */
    private static void dot4(MemorySegment w, long r0, long r1, long r2, long r3, int k, MemorySegment act, long a,
                             MemorySegment y, long y0, long y1, long y2, long y3) {
        int ng = groups(k);
        long wScales = (long) ng * GROUP_QUANT_BYTES;
        long aScales = a + (long) ng * 2 * GROUP;
        long aSums = aScales + 4L * ng * GROUP_BLOCKS;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        for (int g = 0; g < ng; g++) {
            long wg = (long) g * GROUP_QUANT_BYTES;
            long ag = a + (long) g * 2 * GROUP;
            ShortVector p0 = ShortVector.zero(S);
            ShortVector p1 = p0;
            ShortVector p2 = p0;
            ShortVector p3 = p0;
            for (int h = 0; h < 4; h++) {
                long ah = ag + 8L * h * LANES;
                long wh = wg + 2L * h * LANES;
                ShortVector x0 = ShortVector.fromMemorySegment(S, act, ah, LE);
                ShortVector x1 = ShortVector.fromMemorySegment(S, act, ah + 2L * LANES, LE);
                ShortVector x2 = ShortVector.fromMemorySegment(S, act, ah + 4L * LANES, LE);
                ShortVector x3 = ShortVector.fromMemorySegment(S, act, ah + 6L * LANES, LE);
                ShortVector q = ShortVector.fromMemorySegment(S, w, r0 + wh, LE);
                p0 = p0.add(q.and(NIBBLE).mul(x0)).add(q.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).mul(x1))
                        .add(q.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).mul(x2))
                        .add(q.lanewise(VectorOperators.LSHR, 12).mul(x3));
                q = ShortVector.fromMemorySegment(S, w, r1 + wh, LE);
                p1 = p1.add(q.and(NIBBLE).mul(x0)).add(q.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).mul(x1))
                        .add(q.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).mul(x2))
                        .add(q.lanewise(VectorOperators.LSHR, 12).mul(x3));
                q = ShortVector.fromMemorySegment(S, w, r2 + wh, LE);
                p2 = p2.add(q.and(NIBBLE).mul(x0)).add(q.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).mul(x1))
                        .add(q.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).mul(x2))
                        .add(q.lanewise(VectorOperators.LSHR, 12).mul(x3));
                q = ShortVector.fromMemorySegment(S, w, r3 + wh, LE);
                p3 = p3.add(q.and(NIBBLE).mul(x0)).add(q.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).mul(x1))
                        .add(q.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).mul(x2))
                        .add(q.lanewise(VectorOperators.LSHR, 12).mul(x3));
            }
            long ws = wScales + 2L * g * GROUP_BLOCKS;
            IntVector offsets = IntVector.fromMemorySegment(I, act, aSums + 4L * g * GROUP_BLOCKS, LE);
            FloatVector ad = FloatVector.fromMemorySegment(F, act, aScales + 4L * g * GROUP_BLOCKS, LE);
            // Per row: each int32 lane's two int16 halves sign-extended and added (their sum can exceed int16), the
            // -8 offsets taken out, times the block scales.
            IntVector v = p0.reinterpretAsInts();
            IntVector hb = (IntVector) ShortVector.fromMemorySegment(HALF_S, w, r0 + ws, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector d = hb.lanewise(VectorOperators.LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()
                    .mul(REBIAS);
            d = d.blend(d.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    d.abs().compare(VectorOperators.GE, SPECIAL));
            acc0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(v.lanewise(VectorOperators.ASHR, 16)).sub(offsets).convert(VectorOperators.I2F, 0)).fma(d.mul(ad), acc0);
            v = p1.reinterpretAsInts();
            hb = (IntVector) ShortVector.fromMemorySegment(HALF_S, w, r1 + ws, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            d = hb.lanewise(VectorOperators.LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            d = d.blend(d.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    d.abs().compare(VectorOperators.GE, SPECIAL));
            acc1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(v.lanewise(VectorOperators.ASHR, 16)).sub(offsets).convert(VectorOperators.I2F, 0)).fma(d.mul(ad), acc1);
            v = p2.reinterpretAsInts();
            hb = (IntVector) ShortVector.fromMemorySegment(HALF_S, w, r2 + ws, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            d = hb.lanewise(VectorOperators.LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            d = d.blend(d.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    d.abs().compare(VectorOperators.GE, SPECIAL));
            acc2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(v.lanewise(VectorOperators.ASHR, 16)).sub(offsets).convert(VectorOperators.I2F, 0)).fma(d.mul(ad), acc2);
            v = p3.reinterpretAsInts();
            hb = (IntVector) ShortVector.fromMemorySegment(HALF_S, w, r3 + ws, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            d = hb.lanewise(VectorOperators.LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            d = d.blend(d.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    d.abs().compare(VectorOperators.GE, SPECIAL));
            acc3 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(v.lanewise(VectorOperators.ASHR, 16)).sub(offsets).convert(VectorOperators.I2F, 0)).fma(d.mul(ad), acc3);
        }
        float s0 = acc0.reduceLanes(VectorOperators.ADD);
        float s1 = acc1.reduceLanes(VectorOperators.ADD);
        float s2 = acc2.reduceLanes(VectorOperators.ADD);
        float s3 = acc3.reduceLanes(VectorOperators.ADD);
        y.set(FLOAT, y0, s0);
        y.set(FLOAT, y1, s1);
        y.set(FLOAT, y2, s2);
        y.set(FLOAT, y3, s3);
        int tail = tailBlocks(k);
        if (tail > 0) {
            long wt = wScales + 2L * ng * GROUP_BLOCKS;
            addTail4(w, r0 + wt, r1 + wt, r2 + wt, r3 + wt, tail, act, aSums + 4L * ng * GROUP_BLOCKS, y, y0, y1, y2,
                    y3);
        }
    }

    /**
     * Adds to four outputs the products of the blocks after the last group, in GGUF form, through
     * {@link Q4_0Matmul}'s float path written out for the four rows, which share the activation loads. Apart from
     * {@link #dot4} because together they are too big for C1's profiling tier, and a method that C1 compiles at
     * tier 2 but not at tier 3 is never profiled and never reaches C2 (docs/architecture.md).
     */
    private static void addTail4(MemorySegment w, long r0, long r1, long r2, long r3, int tail, MemorySegment act,
                                 long at, MemorySegment y, long y0, long y1, long y2, long y3) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        for (int b = 0; b < tail; b++) {
            long wb = (long) b * BLOCK_BYTES;
            long ab = at + (long) b * QK * Float.BYTES;
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = t0;
            FloatVector t2 = t0;
            FloatVector t3 = t0;
            for (int h = 0; h < QK / 2; h += FLOAT_LANES) {
                FloatVector lo = FloatVector.fromMemorySegment(F, act, ab + 4L * h, LE);
                FloatVector hi = FloatVector.fromMemorySegment(F, act, ab + 4L * (QK / 2 + h), LE);
                ByteVector q = ByteVector.fromMemorySegment(B, w, r0 + wb + 2 + h, LE);
                ByteVector up = ((ShortVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4))
                        .reinterpretAsBytes();
                t0 = ((FloatVector) up.and((byte) 0xF).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0))
                        .fma(hi, ((FloatVector) q.and((byte) 0xF).sub((byte) 8)
                                .convertShape(VectorOperators.B2F, F, 0)).fma(lo, t0));
                q = ByteVector.fromMemorySegment(B, w, r1 + wb + 2 + h, LE);
                up = ((ShortVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4)).reinterpretAsBytes();
                t1 = ((FloatVector) up.and((byte) 0xF).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0))
                        .fma(hi, ((FloatVector) q.and((byte) 0xF).sub((byte) 8)
                                .convertShape(VectorOperators.B2F, F, 0)).fma(lo, t1));
                q = ByteVector.fromMemorySegment(B, w, r2 + wb + 2 + h, LE);
                up = ((ShortVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4)).reinterpretAsBytes();
                t2 = ((FloatVector) up.and((byte) 0xF).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0))
                        .fma(hi, ((FloatVector) q.and((byte) 0xF).sub((byte) 8)
                                .convertShape(VectorOperators.B2F, F, 0)).fma(lo, t2));
                q = ByteVector.fromMemorySegment(B, w, r3 + wb + 2 + h, LE);
                up = ((ShortVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4)).reinterpretAsBytes();
                t3 = ((FloatVector) up.and((byte) 0xF).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0))
                        .fma(hi, ((FloatVector) q.and((byte) 0xF).sub((byte) 8)
                                .convertShape(VectorOperators.B2F, F, 0)).fma(lo, t3));
            }
            acc0 = t0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, r0 + wb))), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, r1 + wb))), acc1);
            acc2 = t2.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, r2 + wb))), acc2);
            acc3 = t3.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, r3 + wb))), acc3);
        }
        // All four read before any is written: a row left over comes as the same row and output four times.
        float s0 = y.get(FLOAT, y0) + acc0.reduceLanes(VectorOperators.ADD);
        float s1 = y.get(FLOAT, y1) + acc1.reduceLanes(VectorOperators.ADD);
        float s2 = y.get(FLOAT, y2) + acc2.reduceLanes(VectorOperators.ADD);
        float s3 = y.get(FLOAT, y3) + acc3.reduceLanes(VectorOperators.ADD);
        y.set(FLOAT, y0, s0);
        y.set(FLOAT, y1, s1);
        y.set(FLOAT, y2, s2);
        y.set(FLOAT, y3, s3);
    }
}
