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
 * BF16 weights times F32 activations with the Vector API. A bfloat16 is the upper half of a float32, so widening
 * is a 16-bit shift, exact for every pattern.
 *
 * <p>Activations stay F32 (llama.cpp rounds them to BF16 for its BF16 dot product; keeping them is closer to
 * the exact product and skips a conversion pass). The one-token path, the blocking, summation order and the
 * scalar tail are those of {@link F16Matmul} ({@link DotTiling}), at the same preferred width ({@code L} float
 * lanes); the loops are repeated per weight type so that each kernel's weight load inlines into its own loops,
 * and the widening is written out in every loop rather than kept in a helper that takes or returns a vector
 * (docs/architecture.md, "No vector crosses a call").
 */
public final class BF16Matmul implements MatmulKernel, RoundedActivations {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** The bfloat16 values of one float vector: a short vector of half its width. */
    private static final VectorSpecies<Short> H =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * Short.SIZE));
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int LANES = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    @Override
    public DType weightType() {
        return DType.BF16;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int full = n / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            FloatVector f = ((IntVector) ShortVector.fromMemorySegment(H, w, wOffset + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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

    /** The scalar widening used for the last {@code k % L} elements. */
    private static float widen(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** Scalar dot product of elements {@code [from, k)}: the part of a row after the last full vector. */
    private static float tail(MemorySegment w, long w0, MemorySegment x, long x0, int from, int k) {
        float sum = 0;
        for (int e = from; e < k; e++) {
            sum = Math.fma(widen(w.get(SHORT, w0 + 2L * e)), x.get(FLOAT, x0 + 4L * e), sum);
        }
        return sum;
    }

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
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = ((IntVector) ShortVector.fromMemorySegment(H, w, w1 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            u = ((IntVector) ShortVector.fromMemorySegment(H, w, w2 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            u = ((IntVector) ShortVector.fromMemorySegment(H, w, w3 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = u0.fma(v, a0);
            FloatVector u1 = ((IntVector) ShortVector.fromMemorySegment(H, w, w1 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a1 = u1.fma(v, a1);
            FloatVector u2 = ((IntVector) ShortVector.fromMemorySegment(H, w, w2 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a2 = u2.fma(v, a2);
            FloatVector u3 = ((IntVector) ShortVector.fromMemorySegment(H, w, w3 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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
     * apart) measured markedly lower DRAM bandwidth.
     */
    private static float dotRow(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int blocks = k / (4 * LANES) * (4 * LANES);
        int e = 0;
        for (; e < blocks; e += 4 * LANES) {
            FloatVector u0 = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = u0.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a0);
            FloatVector u1 = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * (e + LANES), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a1 = u1.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + LANES), LE), a1);
            FloatVector u2 = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * (e + 2 * LANES), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a2 = u2.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + 2 * LANES), LE), a2);
            FloatVector u3 = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * (e + 3 * LANES), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a3 = u3.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * (e + 3 * LANES), LE), a3);
        }
        int full = k / LANES * LANES;
        for (; e < full; e += LANES) {
            FloatVector u = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = u.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k);
    }

    private static float dot1x1(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a = FloatVector.zero(F);
        int full = k / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            FloatVector u = ((IntVector) ShortVector.fromMemorySegment(H, w, w0 + 2L * e, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a = u.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a);
        }
        return a.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, e, k);
    }
}
