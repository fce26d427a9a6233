package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.tensor.DType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
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
 * <p>The JDK 25 Vector API has no half-float lane conversion, so {@link #toFloats} widens the bits to ints and
 * rebuilds the float arithmetically (exact for every pattern, NaN stays NaN).
 *
 * <p>One token ({@code t = 1}): one weight row at a time with four accumulators ({@link #dotRow}), memory bound.
 * Several tokens: dot products along {@code k} blocked as {@value DotTiling#ROWS} weight rows x
 * {@value DotTiling#TOKENS} tokens ({@link DotTiling}), so each widened weight vector serves three FMAs (a
 * broadcast form as in {@link F32Matmul} would widen every weight once per scalar); every output is one vector
 * accumulator over the whole vectors of {@code k}, reduced across lanes, plus a scalar sum of the last
 * {@code k % 16} elements, in every block shape. Either way results do not depend on how rows are split across
 * workers.
 *
 * <p>The tail is scalar on purpose: a masked vector tail is a cold path that C2 declines to inline the widening
 * into, and the boxed vectors it then needs leak into the hot loop as an allocation per step (measured: 5 GB/s
 * instead of memory speed). For the same reason no helper takes or returns a vector except the widening itself,
 * which only hot loops call. The loops are repeated per weight type rather than shared through a callback, so
 * that each kernel's weight load inlines into its own loops.
 */
public final class F16Matmul implements MatmulKernel, RoundedActivations {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final int LANES = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    // Constants as vectors rather than scalar operands: the scalar forms of and/or/mul/compare inline an extra
    // broadcast each, and C2 inlines the widening into a loop only within a node budget (see dot4x3).
    /** Keeps the sign (bit 31) and the exponent and mantissa (bits 13-27) of a sign-extended half shifted by 13. */
    private static final IntVector SIGN_EXPONENT_MANTISSA = IntVector.broadcast(I, 0x8FFF_E000);
    /** Half exponent bias 15 to float bias 127. */
    private static final FloatVector REBIAS = FloatVector.broadcast(F, 0x1p112f);
    /** Smallest magnitude a rebiased Inf/NaN pattern takes; the largest finite half is 65504. */
    private static final FloatVector SPECIAL = FloatVector.broadcast(F, 0x1p16f);
    private static final IntVector ALL_ONES_EXPONENT = IntVector.broadcast(I, 0x7F80_0000);

    @Override
    public DType weightType() {
        return DType.F16;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int full = n / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            load(w, wOffset + 2L * e).intoMemorySegment(dst, dstOffset + 4L * e, LE);
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
                    dot4x3(w, wRow, wRowBytes, act, actOffset + j * xRowBytes, xRowBytes, k, y,
                            yOffset + j * yRowBytes + 4L * i, yRowBytes);
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

    /** Widens 16 half floats to floats, exactly. */
    private static FloatVector toFloats(ShortVector h) {
        // Sign-extended bits shifted by 13: the sign lands in bit 31 (bits 28-30 are masked off), exponent and
        // mantissa in bits 13-27; scaling by 2^112 rebiases normals and normalizes subnormals exactly.
        IntVector bits = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13)
                .and(SIGN_EXPONENT_MANTISSA);
        FloatVector f = bits.reinterpretAsFloats().mul(REBIAS);
        FloatVector infOrNaN = f.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats();
        return f.blend(infOrNaN, f.abs().compare(VectorOperators.GE, SPECIAL));
    }

    private static FloatVector load(MemorySegment w, long offset) {
        return toFloats(ShortVector.fromMemorySegment(H, w, offset, LE));
    }

    /** The scalar widening used for the last {@code k % 16} elements. */
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
     * Four weight rows times three tokens, as two passes of two rows: with four widenings in one loop C2 stops
     * inlining at its node-count cutoff and the last widening is left as a call on boxed vectors.
     */
    private static void dot4x3(MemorySegment w, long w0, long wRowBytes, MemorySegment x, long x0, long xRowBytes,
                               int k, MemorySegment y, long y0, long yRowBytes) {
        dot2x3(w, w0, wRowBytes, x, x0, xRowBytes, k, y, y0, yRowBytes);
        dot2x3(w, w0 + 2 * wRowBytes, wRowBytes, x, x0, xRowBytes, k, y, y0 + 8, yRowBytes);
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
            FloatVector u = load(w, w0 + 2L * e);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = load(w, w1 + 2L * e);
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
            a0 = load(w, w0 + 2L * e).fma(v, a0);
            a1 = load(w, w1 + 2L * e).fma(v, a1);
            a2 = load(w, w2 + 2L * e).fma(v, a2);
            a3 = load(w, w3 + 2L * e).fma(v, a3);
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
            FloatVector u = load(w, w0 + 2L * e);
            a0 = u.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, x, x1 + 4L * e, LE), a1);
            a2 = u.fma(FloatVector.fromMemorySegment(F, x, x2 + 4L * e, LE), a2);
        }
        y.set(FLOAT, y0, a0.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k));
        y.set(FLOAT, y0 + yRowBytes, a1.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x1, e, k));
        y.set(FLOAT, y0 + 2 * yRowBytes, a2.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x2, e, k));
    }

    /**
     * The one-token (matrix-vector) dot product: one weight row at a time with four accumulators over 64-element
     * steps, a single stream per row. Four rows side by side (four streams a multiple of 4 KB apart) measured
     * markedly lower DRAM bandwidth.
     */
    private static float dotRow(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int blocks = k / (4 * LANES) * (4 * LANES);
        int e = 0;
        for (; e < blocks; e += 4 * LANES) {
            a0 = load(w, w0 + 2L * e).fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a0);
            a1 = load(w, w0 + 2L * (e + LANES))
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + LANES), LE), a1);
            a2 = load(w, w0 + 2L * (e + 2 * LANES))
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + 2 * LANES), LE), a2);
            a3 = load(w, w0 + 2L * (e + 3 * LANES))
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + 3 * LANES), LE), a3);
        }
        int full = k / LANES * LANES;
        for (; e < full; e += LANES) {
            // toFloats written out with the Vector API alone: this loop runs a few times per row, and C2 left load
            // un-inlined here (a cold site, a helper it had compiled on its own), boxing every vector: 192 bytes
            // per row of 288. The API's own methods are always inlined.
            FloatVector f = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats().mul(REBIAS);
            f = f.blend(f.reinterpretAsInts().or(ALL_ONES_EXPONENT).reinterpretAsFloats(),
                    f.abs().compare(VectorOperators.GE, SPECIAL));
            a0 = f.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k);
    }

    private static float dot1x1(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a = FloatVector.zero(F);
        int full = k / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            a = load(w, w0 + 2L * e).fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a);
        }
        return a.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k);
    }
}
