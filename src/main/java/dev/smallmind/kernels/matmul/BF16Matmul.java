package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * BF16 weights times F32 activations with the Vector API. A bfloat16 is the upper half of a float32, so widening
 * is a 16-bit shift, exact for every pattern.
 *
 * <p>Activations stay F32 (llama.cpp rounds them to BF16 for its BF16 dot product; keeping them is closer to the
 * exact product and skips a conversion pass). The loop structure and the order of every sum are those of
 * {@link F32Matmul} and {@link F16Matmul}; the loops are repeated per weight type so that each kernel's weight
 * load inlines into its own loops.
 */
public final class BF16Matmul implements MatmulKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final int LANES = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public DType weightType() {
        return DType.BF16;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int full = n / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            load(w, wOffset + 2L * e).intoMemorySegment(dst, dstOffset + 4L * e, LE);
        }
        if (e < n) {
            load(w, wOffset + 2L * e, H.indexInRange(e, n))
                    .intoMemorySegment(dst, dstOffset + 4L * e, LE, F.indexInRange(e, n));
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return 0;
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long wRowBytes = 2L * k;
        long xRowBytes = 4L * k;
        long yRowBytes = 4L * yStride;
        int tile = F32Matmul.tileTokens(k);
        for (int j0 = 0; j0 < t; j0 += tile) {
            int j1 = Math.min(t, j0 + tile);
            int i = rowFrom;
            for (; i + F32Matmul.ROWS <= rowTo; i += F32Matmul.ROWS) {
                long wRow = wOffset + i * wRowBytes;
                int j = j0;
                for (; j + F32Matmul.TOKENS <= j1; j += F32Matmul.TOKENS) {
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
                for (; j + F32Matmul.TOKENS <= j1; j += F32Matmul.TOKENS) {
                    dot1x3(w, wRow, act, actOffset + j * xRowBytes, xRowBytes, k, y, yOffset + j * yRowBytes + 4L * i,
                            yRowBytes);
                }
                for (; j < j1; j++) {
                    y.set(FLOAT, yOffset + j * yRowBytes + 4L * i, dot1x1(w, wRow, act, actOffset + j * xRowBytes, k));
                }
            }
        }
    }

    /** Widens 16 bfloat16 values to floats, exactly. */
    static FloatVector toFloats(ShortVector h) {
        return ((IntVector) h.convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    private static FloatVector load(MemorySegment w, long offset) {
        return toFloats(ShortVector.fromMemorySegment(H, w, offset, LE));
    }

    private static FloatVector load(MemorySegment w, long offset, VectorMask<Short> m) {
        return toFloats(ShortVector.fromMemorySegment(H, w, offset, LE, m));
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
            FloatVector u = load(w, w0 + 2L * e);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = load(w, w1 + 2L * e);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            u = load(w, w2 + 2L * e);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            u = load(w, w3 + 2L * e);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
        }
        if (e < k) {
            VectorMask<Float> m = F.indexInRange(e, k);
            VectorMask<Short> mh = H.indexInRange(e, k);
            FloatVector v0 = FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE, m);
            FloatVector v1 = FloatVector.fromMemorySegment(F, x, x1 + 4L * e, LE, m);
            FloatVector v2 = FloatVector.fromMemorySegment(F, x, x2 + 4L * e, LE, m);
            FloatVector u = load(w, w0 + 2L * e, mh);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = load(w, w1 + 2L * e, mh);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            u = load(w, w2 + 2L * e, mh);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            u = load(w, w3 + 2L * e, mh);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
        }
        store4(y, y0, a00, a10, a20, a30);
        store4(y, y0 + yRowBytes, a01, a11, a21, a31);
        store4(y, y0 + 2 * yRowBytes, a02, a12, a22, a32);
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
        if (e < k) {
            VectorMask<Short> mh = H.indexInRange(e, k);
            FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE, F.indexInRange(e, k));
            a0 = load(w, w0 + 2L * e, mh).fma(v, a0);
            a1 = load(w, w1 + 2L * e, mh).fma(v, a1);
            a2 = load(w, w2 + 2L * e, mh).fma(v, a2);
            a3 = load(w, w3 + 2L * e, mh).fma(v, a3);
        }
        store4(y, y0, a0, a1, a2, a3);
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
        if (e < k) {
            VectorMask<Float> m = F.indexInRange(e, k);
            FloatVector u = load(w, w0 + 2L * e, H.indexInRange(e, k));
            a0 = u.fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE, m), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, x, x1 + 4L * e, LE, m), a1);
            a2 = u.fma(FloatVector.fromMemorySegment(F, x, x2 + 4L * e, LE, m), a2);
        }
        y.set(FLOAT, y0, a0.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + yRowBytes, a1.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + 2 * yRowBytes, a2.reduceLanes(VectorOperators.ADD));
    }

    private static float dot1x1(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a = FloatVector.zero(F);
        int full = k / LANES * LANES;
        int e = 0;
        for (; e < full; e += LANES) {
            a = load(w, w0 + 2L * e).fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE), a);
        }
        if (e < k) {
            a = load(w, w0 + 2L * e, H.indexInRange(e, k))
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * e, LE, F.indexInRange(e, k)), a);
        }
        return a.reduceLanes(VectorOperators.ADD);
    }

    private static void store4(MemorySegment y, long y0, FloatVector a0, FloatVector a1, FloatVector a2,
                               FloatVector a3) {
        y.set(FLOAT, y0, a0.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + 4, a1.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + 8, a2.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + 12, a3.reduceLanes(VectorOperators.ADD));
    }
}
