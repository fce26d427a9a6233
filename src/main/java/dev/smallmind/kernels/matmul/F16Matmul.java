package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.tensor.DType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * F16 (IEEE half) weights times F32 activations with the Vector API.
 *
 * <p>Activations stay F32. llama.cpp rounds them to F16 first (its {@code vec_dot_type} for F16 is F16) and then
 * multiplies in F32 after widening both; keeping F32 activations skips a conversion pass, is closer to the exact
 * product (no 2^-11 relative rounding per activation), and stays well within the golden tolerance.
 *
 * <p>The JDK 25 Vector API has no half-float lane conversion, so the kernel widens the bits to ints and rebuilds
 * the float arithmetically (exact for every pattern, NaN stays NaN). That widening is written out in every loop
 * rather than kept in a helper that takes or returns a vector: C2 does not always inline such a helper, and then
 * boxes its vectors on every call (docs/architecture.md, "No vector crosses a call").
 *
 * <p>Vectors are {@link FloatVector#SPECIES_PREFERRED} wide ({@code L} lanes: 16 with AVX-512, 8 with AVX2, 4 with
 * SSE or NEON); the halves of one vector are read as a short vector of half that width.
 *
 * <p>One token ({@code t = 1}): one weight row at a time with four accumulators ({@link #dotRow}), memory bound.
 * Several tokens: dot products along {@code k} blocked as {@value DotTiling#ROWS} weight rows x
 * {@value DotTiling#TOKENS} tokens ({@link DotTiling}), so each widened weight vector serves three FMAs (a
 * broadcast form as in {@link F32Matmul} would widen every weight once per scalar); every output is one vector
 * accumulator over the whole vectors of {@code k}, reduced across lanes, plus a scalar sum of the last
 * {@code k % L} elements, in every block shape. Either way results do not depend on how rows are split across
 * workers.
 *
 * <p>The tail is scalar on purpose: a masked vector tail is a cold path that C2 declines to inline the widening
 * into, and the boxed vectors it then needs leak into the hot loop as an allocation per step (measured: 5 GB/s
 * instead of memory speed). The loops are repeated per weight type rather than shared through a callback, so
 * that each kernel's weight load inlines into its own loops.
 */
public final class F16Matmul implements MatmulKernel, RoundedActivations {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** The halves of one float vector: a short vector of half its width. */
    private static final VectorSpecies<Short> H =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * Short.SIZE));
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int LANES = F.length();
    /** Whether a block of four weight rows x three tokens runs as two passes of two rows: see {@link #dot4x3}. */
    private static final boolean TWO_PASSES = LANES >= 16;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    // Constants as vectors rather than scalar operands: the scalar forms of and/or/mul/compare inline an extra
    // broadcast each, and C2 inlines calls into a loop only within a node budget (see dot4x3).
    /** Keeps the sign (bit 31) and the exponent and mantissa (bits 13-27) of a sign-extended half shifted by 13. */
    private static final IntVector SIGN_EXPONENT_MANTISSA = IntVector.broadcast(I, 0x8FFF_E000);
    /** Half exponent bias 15 to float bias 127. */
    private static final FloatVector REBIAS = FloatVector.broadcast(F, 0x1p112f);
    /** Smallest magnitude a rebiased Inf/NaN pattern takes; the largest finite half is 65504. */
    private static final FloatVector SPECIAL = FloatVector.broadcast(F, 0x1p16f);
    private static final IntVector ALL_ONES_EXPONENT = IntVector.broadcast(I, 0x7F80_0000);
    /** A half without its sign bit: at or above {@link #INFINITY_BITS} it is an infinity or a NaN. */
    private static final ShortVector MAGNITUDE = ShortVector.broadcast(H, (short) 0x7FFF);
    /**
     * Whether {@link #dotRow} reads its halves as int pairs ({@link #SIXTEEN}, {@link #THREE}): with 512-bit
     * vectors, whose two-vector permutes deal the activations to the pairs' halves in one instruction each.
     */
    private static final boolean PAIRED_HALVES = LANES == 16;
    /** A float vector's width of halves in pairs, seen as shorts to find the largest magnitude. */
    private static final VectorSpecies<Short> PAIRS_AS_SHORTS = VectorSpecies.of(short.class, F.vectorShape());
    private static final ShortVector PAIR_MAGNITUDE = ShortVector.broadcast(PAIRS_AS_SHORTS, (short) 0x7FFF);
    /** Brings a pair's low half to the top of its int, where the high half already is. */
    private static final IntVector SIXTEEN = IntVector.broadcast(I, 16);
    /** A half at the top of an int, shifted down by this, has its exponent and mantissa where a float's start. */
    private static final IntVector THREE = IntVector.broadcast(I, 3);
    /** The activations of the pairs' low halves out of two consecutive vectors: lanes 0, 2, ..., 30. */
    private static final FloatVector EVEN = lanes(0);
    /** The activations of the pairs' high halves: lanes 1, 3, ..., 31. */
    private static final FloatVector ODD = lanes(1);
    private static final short INFINITY_BITS = 0x7C00;

    @Override
    public DType weightType() {
        return DType.F16;
    }

    /** Lane indices {@code first, first + 2, ...} into two vectors, as floats for {@code selectFrom}. */
    private static FloatVector lanes(int first) {
        float[] indices = new float[LANES];
        for (int i = 0; i < LANES; i++) {
            indices[i] = first + 2 * i;
        }
        return FloatVector.fromArray(F, indices, 0);
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int full = n / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            FloatVector f = ((IntVector) ShortVector.fromMemorySegment(H, w, wOffset + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            f = f.blend(f.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    f.abs().compare(VectorOperators.GE, SPECIAL));
            f.intoMemorySegment(dst, dstOffset + 4L * e, LE);
        }
        for (; e < n; e++) {
            dst.set(FLOAT, dstOffset + 4L * e, widen(w.get(SHORT, wOffset + 2L * e)));
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return 0;
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
    }

    /** The activations as they are: this kernel multiplies the F32 activations without rounding them. */
    @Override
    public void roundRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment dst, long dstOffset) {
        MemorySegment.copy(x, xOffset + 4L * k * from, dst, dstOffset + 4L * k * from, 4L * k * (to - from));
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long wRowBytes = 2L * k;
        long xRowBytes = 4L * k;
        long yRowBytes = 4L * yStride;
        if (t == 1) {
            for (int i = rowFrom; i < rowTo; i++) {
                y.set(FLOAT, yOffset + 4L * i, dotRow(w, wOffset + i * wRowBytes, act, actOffset, k));
            }
            return;
        }
        int tile = DotTiling.tileTokens(k);
        for (int j0 = 0; j0 < t; j0 += tile) {
            int j1 = Math.min(t, j0 + tile);
            int i = rowFrom;
            for (; i + DotTiling.ROWS <= rowTo; i += DotTiling.ROWS) {
                long wRow = wOffset + i * wRowBytes;
                int j = j0;
                for (; j + DotTiling.TOKENS <= j1; j += DotTiling.TOKENS) {
                    long xj = actOffset + j * xRowBytes;
                    long yj = yOffset + j * yRowBytes + 4L * i;
                    if (TWO_PASSES) {
                        dot2x3(w, wRow, wRowBytes, act, xj, xRowBytes, k, y, yj, yRowBytes);
                        dot2x3(w, wRow + 2 * wRowBytes, wRowBytes, act, xj, xRowBytes, k, y, yj + 8, yRowBytes);
                    } else {
                        dot4x3(w, wRow, wRowBytes, act, xj, xRowBytes, k, y, yj, yRowBytes);
                    }
                }
                for (; j < j1; j++) {
                    dot4x1(w, wRow, wRowBytes, act, actOffset + j * xRowBytes, k, y, yOffset + j * yRowBytes + 4L * i);
                }
            }
            for (; i < rowTo; i++) {
                long wRow = wOffset + i * wRowBytes;
                int j = j0;
                for (; j + DotTiling.TOKENS <= j1; j += DotTiling.TOKENS) {
                    dot1x3(w, wRow, act, actOffset + j * xRowBytes, xRowBytes, k, y, yOffset + j * yRowBytes + 4L * i,
                            yRowBytes);
                }
                for (; j < j1; j++) {
                    y.set(FLOAT, yOffset + j * yRowBytes + 4L * i, dot1x1(w, wRow, act, actOffset + j * xRowBytes, k));
                }
            }
        }
    }

    /** The scalar widening used for the last {@code k % L} elements. */
    private static float widen(short h) {
        return Float.float16ToFloat(h);
    }

    /** Scalar dot product of elements {@code [from, k)}: the part of a row after the last full vector. */
    private static float tail(MemorySegment w, long w0, MemorySegment x, long x0, int from, int k) {
        float sum = 0;
        for (int e = from; e < k; e++) {
            sum = Math.fma(widen(w.get(SHORT, w0 + 2L * e)), x.get(FLOAT, x0 + 4L * e), sum);
        }
        return sum;
    }

    /**
     * Four weight rows times three tokens in one pass, used below 16 lanes. With 16 lanes the same block runs as
     * two passes of {@link #dot2x3}: that is how the AVX-512 kernel was tuned (when the widening was a helper,
     * four widenings in one loop hit C2's node-count cutoff and left the last as a call on boxed vectors), and it
     * stays as it is. With AVX2 one pass measured 1.5x faster than two (both loops spill out of the 16 vector
     * registers once C2 has unrolled them); with 128-bit vectors the two ran alike.
     */
    private static void dot4x3(MemorySegment w, long w0, long wRowBytes, MemorySegment x, long x0, long xRowBytes,
                               int k, MemorySegment y, long y0, long yRowBytes) {
        long w1 = w0 + wRowBytes;
        long w2 = w1 + wRowBytes;
        long w3 = w2 + wRowBytes;
        long x1 = x0 + xRowBytes;
        long x2 = x1 + xRowBytes;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        int full = k / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            FloatVector v0 = FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, x, x1 + 4L * e, LE);
            FloatVector v2 = FloatVector.fromMemorySegment(F, x, x2 + 4L * e, LE);
            FloatVector u = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u = u.blend(u.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u.abs().compare(VectorOperators.GE, SPECIAL));
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = ((IntVector) ShortVector.fromMemorySegment(H, w, w1 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u = u.blend(u.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u.abs().compare(VectorOperators.GE, SPECIAL));
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            u = ((IntVector) ShortVector.fromMemorySegment(H, w, w2 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u = u.blend(u.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u.abs().compare(VectorOperators.GE, SPECIAL));
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            u = ((IntVector) ShortVector.fromMemorySegment(H, w, w3 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u = u.blend(u.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u.abs().compare(VectorOperators.GE, SPECIAL));
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
        }
        y.set(FLOAT, y0, a00.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k));
        y.set(FLOAT, y0 + 4, a10.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x0, e, k));
        y.set(FLOAT, y0 + 8, a20.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x0, e, k));
        y.set(FLOAT, y0 + 12, a30.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x0, e, k));
        y.set(FLOAT, y0 + yRowBytes, a01.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x1, e, k));
        y.set(FLOAT, y0 + yRowBytes + 4, a11.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x1, e, k));
        y.set(FLOAT, y0 + yRowBytes + 8, a21.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x1, e, k));
        y.set(FLOAT, y0 + yRowBytes + 12, a31.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x1, e, k));
        y.set(FLOAT, y0 + 2 * yRowBytes, a02.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x2, e, k));
        y.set(FLOAT, y0 + 2 * yRowBytes + 4, a12.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x2, e, k));
        y.set(FLOAT, y0 + 2 * yRowBytes + 8, a22.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x2, e, k));
        y.set(FLOAT, y0 + 2 * yRowBytes + 12, a32.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x2, e, k));
    }

    private static void dot2x3(MemorySegment w, long w0, long wRowBytes, MemorySegment x, long x0, long xRowBytes,
                               int k, MemorySegment y, long y0, long yRowBytes) {
        long w1 = w0 + wRowBytes;
        long x1 = x0 + xRowBytes;
        long x2 = x1 + xRowBytes;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        int full = k / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            FloatVector v0 = FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, x, x1 + 4L * e, LE);
            FloatVector v2 = FloatVector.fromMemorySegment(F, x, x2 + 4L * e, LE);
            FloatVector u = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u = u.blend(u.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u.abs().compare(VectorOperators.GE, SPECIAL));
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = ((IntVector) ShortVector.fromMemorySegment(H, w, w1 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u = u.blend(u.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u.abs().compare(VectorOperators.GE, SPECIAL));
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
        }
        y.set(FLOAT, y0, a00.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k));
        y.set(FLOAT, y0 + 4, a10.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x0, e, k));
        y.set(FLOAT, y0 + yRowBytes, a01.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x1, e, k));
        y.set(FLOAT, y0 + yRowBytes + 4, a11.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x1, e, k));
        y.set(FLOAT, y0 + 2 * yRowBytes, a02.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x2, e, k));
        y.set(FLOAT, y0 + 2 * yRowBytes + 4, a12.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x2, e, k));
    }

    private static void dot4x1(MemorySegment w, long w0, long wRowBytes, MemorySegment x, long x0, int k,
                               MemorySegment y, long y0) {
        long w1 = w0 + wRowBytes;
        long w2 = w1 + wRowBytes;
        long w3 = w2 + wRowBytes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int full = k / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE);
            FloatVector u0 = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u0 = u0.blend(u0.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u0.abs().compare(VectorOperators.GE, SPECIAL));
            a0 = u0.fma(v, a0);
            FloatVector u1 = ((IntVector) ShortVector.fromMemorySegment(H, w, w1 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u1 = u1.blend(u1.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u1.abs().compare(VectorOperators.GE, SPECIAL));
            a1 = u1.fma(v, a1);
            FloatVector u2 = ((IntVector) ShortVector.fromMemorySegment(H, w, w2 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u2 = u2.blend(u2.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u2.abs().compare(VectorOperators.GE, SPECIAL));
            a2 = u2.fma(v, a2);
            FloatVector u3 = ((IntVector) ShortVector.fromMemorySegment(H, w, w3 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u3 = u3.blend(u3.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u3.abs().compare(VectorOperators.GE, SPECIAL));
            a3 = u3.fma(v, a3);
        }
        y.set(FLOAT, y0, a0.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k));
        y.set(FLOAT, y0 + 4, a1.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x0, e, k));
        y.set(FLOAT, y0 + 8, a2.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x0, e, k));
        y.set(FLOAT, y0 + 12, a3.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x0, e, k));
    }

    private static void dot1x3(MemorySegment w, long w0, MemorySegment x, long x0, long xRowBytes, int k,
                               MemorySegment y, long y0, long yRowBytes) {
        long x1 = x0 + xRowBytes;
        long x2 = x1 + xRowBytes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        int full = k / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            FloatVector u = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u = u.blend(u.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u.abs().compare(VectorOperators.GE, SPECIAL));
            a0 = u.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, x, x1 + 4L * e, LE), a1);
            a2 = u.fma(FloatVector.fromMemorySegment(F, x, x2 + 4L * e, LE), a2);
        }
        y.set(FLOAT, y0, a0.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k));
        y.set(FLOAT, y0 + yRowBytes, a1.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x1, e, k));
        y.set(FLOAT, y0 + 2 * yRowBytes, a2.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x2, e, k));
    }

    /**
     * The one-token (matrix-vector) dot product: one weight row at a time with four accumulators over
     * {@code 4 L}-element steps, a single stream per row. Four rows side by side (four streams a multiple of 4 KB
     * apart) measured markedly lower DRAM bandwidth. With 512-bit vectors ({@link #PAIRED_HALVES}) a step reads its
     * 64 halves as two vectors of int pairs and widens each pair's high half with one arithmetic shift and its low
     * half with two, where a half-width load needs a sign extension across lanes and a shift; two-vector permutes
     * deal the activations to the low and high halves ({@link #EVEN}, {@link #ODD}). One Zen 5 thread: 25.5 against
     * 22.6 GB/s from DRAM (2048 x 8192), 19.8 against 16.0 in L2 (docs/performance.md, "Session 30"). Decode is
     * compute-bound here, so the weights are widened
     * without the infinity and NaN fix-up (four operations per vector: 8.8-9.1 against 10.0-10.3 GB/s on a 32 MB
     * matrix, one thread, AVX2); the largest magnitude seen in the row decides at its end whether a weight was an
     * infinity or a NaN, and such a row is done again by {@link #dot1x1}, which widens every weight exactly (its
     * infinities and NaNs make the result whatever the order of the sum). The running maximum is never the receiver of
     * a vector operation (its reduction starts from a zero vector's {@code max} for that): as a receiver the loop's
     * phi has no exact vector type, and where a loop had never run when C2 compiled this (rows shorter than
     * {@code 4 L}: llama-2-tiny-random's 8 and 32 columns at 512 bits), {@code max} stayed a virtual call on boxed
     * vectors, 2 MB of heap a token.
     */
    private static float dotRow(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        ShortVector largest = ShortVector.zero(H);
        int blocks = k / (4 * LANES) * (4 * LANES);
        int e = 0;
        if (PAIRED_HALVES) {
            ShortVector largestPair = ShortVector.zero(PAIRS_AS_SHORTS);
            for (; e < blocks; e += 4 * LANES) {
                IntVector p0 = IntVector.fromMemorySegment(I, w, w0 + 2L * e, LE);
                IntVector p1 = IntVector.fromMemorySegment(I, w, w0 + 2L * (e + 2 * LANES), LE);
                FloatVector x0v = FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE);
                FloatVector x1v = FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + LANES), LE);
                FloatVector x2v = FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + 2 * LANES), LE);
                FloatVector x3v = FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + 3 * LANES), LE);
                largestPair = ((ShortVector) p0.reinterpretAsShorts()).and(PAIR_MAGNITUDE)
                        .max(((ShortVector) p1.reinterpretAsShorts()).and(PAIR_MAGNITUDE)).max(largestPair);
                a0 = p0.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, THREE)
                        .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                        .fma(EVEN.selectFrom(x0v, x1v), a0);
                a1 = p0.lanewise(VectorOperators.ASHR, THREE)
                        .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                        .fma(ODD.selectFrom(x0v, x1v), a1);
                a2 = p1.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, THREE)
                        .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                        .fma(EVEN.selectFrom(x2v, x3v), a2);
                a3 = p1.lanewise(VectorOperators.ASHR, THREE)
                        .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                        .fma(ODD.selectFrom(x2v, x3v), a3);
            }
            if (ShortVector.zero(PAIRS_AS_SHORTS).max(largestPair).reduceLanes(VectorOperators.MAX) >= INFINITY_BITS) {
                return dot1x1(w, w0, x, x0, k);
            }
        }
        for (; e < blocks; e += 4 * LANES) {
            ShortVector h0 = ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE);
            ShortVector h1 = ShortVector.fromMemorySegment(H, w, w0 + 2L * (e + LANES), LE);
            ShortVector h2 = ShortVector.fromMemorySegment(H, w, w0 + 2L * (e + 2 * LANES), LE);
            ShortVector h3 = ShortVector.fromMemorySegment(H, w, w0 + 2L * (e + 3 * LANES), LE);
            largest = h0.and(MAGNITUDE).max(h1.and(MAGNITUDE)).max(h2.and(MAGNITUDE)).max(h3.and(MAGNITUDE))
                    .max(largest);
            a0 = ((IntVector) h0.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a0);
            a1 = ((IntVector) h1.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + LANES), LE), a1);
            a2 = ((IntVector) h2.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + 2 * LANES), LE), a2);
            a3 = ((IntVector) h3.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + 3 * LANES), LE), a3);
        }
        int full = k / LANES * LANES;
        for (; e < full; e += LANES) {
            ShortVector h = ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE);
            largest = h.and(MAGNITUDE).max(largest);
            a0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a0);
        }
        if (ShortVector.zero(H).max(largest).reduceLanes(VectorOperators.MAX) >= INFINITY_BITS) {
            return dot1x1(w, w0, x, x0, k);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k);
    }

    private static float dot1x1(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a = FloatVector.zero(F);
        int full = k / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            FloatVector u = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            u = u.blend(u.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    u.abs().compare(VectorOperators.GE, SPECIAL));
            a = u.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a);
        }
        return a.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k);
    }
}
