package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * F32 weights times F32 activations with the Vector API.
 *
 * <p>Every output {@code y[j][i]} is one vector accumulator running over {@code k} in steps of one vector (the last
 * step masked), reduced across lanes at the end. All blockings below keep exactly that order, so an output does
 * not depend on how the rows are split across workers, on {@code t}, or on which micro-kernel computed it.
 *
 * <p>Blocking: a micro-kernel takes {@value #ROWS} weight rows times {@value #TOKENS} activation rows (12
 * accumulators in registers, 7 loads per 12 FMAs). Activation rows are walked in tiles of about
 * {@value #TILE_BYTES} bytes so that a tile stays in L2 while every weight-row block of the range passes over it;
 * the weight block itself is reused from L1 across the tile. With {@code t = 1} the same code is a matrix-vector
 * product over four weight rows at a time (four independent accumulator chains, one weight stream each).
 */
public final class F32Matmul implements MatmulKernel {
    /** 512-bit vectors measured faster than 256-bit on this kernel (see bench/GemmBench). */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final int LANES = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Weight rows per micro-kernel. */
    static final int ROWS = 4;
    /** Activation rows per micro-kernel. */
    static final int TOKENS = 3;
    /** Target size of one tile of activation rows: well inside L2, leaving room for the weight stream. */
    static final int TILE_BYTES = 256 * 1024;

    @Override
    public DType weightType() {
        return DType.F32;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        MemorySegment.copy(w, wOffset, dst, dstOffset, 4L * n);
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
        long rowBytes = 4L * k;
        long yRowBytes = 4L * yStride;
        int tile = tileTokens(k);
        for (int j0 = 0; j0 < t; j0 += tile) {
            int j1 = Math.min(t, j0 + tile);
            int i = rowFrom;
            for (; i + ROWS <= rowTo; i += ROWS) {
                long wRow = wOffset + i * rowBytes;
                int j = j0;
                for (; j + TOKENS <= j1; j += TOKENS) {
                    dot4x3(w, wRow, rowBytes, act, actOffset + j * rowBytes, k, y, yOffset + j * yRowBytes + 4L * i,
                            yRowBytes);
                }
                for (; j < j1; j++) {
                    dot4x1(w, wRow, rowBytes, act, actOffset + j * rowBytes, k, y, yOffset + j * yRowBytes + 4L * i);
                }
            }
            for (; i < rowTo; i++) {
                long wRow = wOffset + i * rowBytes;
                int j = j0;
                for (; j + TOKENS <= j1; j += TOKENS) {
                    dot1x3(w, wRow, act, actOffset + j * rowBytes, rowBytes, k, y, yOffset + j * yRowBytes + 4L * i,
                            yRowBytes);
                }
                for (; j < j1; j++) {
                    y.set(FLOAT, yOffset + j * yRowBytes + 4L * i, dot1x1(w, wRow, act, actOffset + j * rowBytes, k));
                }
            }
        }
    }

    /** Activation rows per tile: a multiple of {@link #TOKENS} whose rows fit in {@link #TILE_BYTES}. */
    static int tileTokens(int k) {
        long rows = TILE_BYTES / Math.max(1L, 4L * k);
        return (int) Math.max(TOKENS, rows / TOKENS * TOKENS);
    }

    private static void dot4x3(MemorySegment w, long w0, long rowBytes, MemorySegment x, long x0, int k,
                               MemorySegment y, long y0, long yRowBytes) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        long x1 = x0 + rowBytes;
        long x2 = x1 + rowBytes;
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
        int full = k / LANES * LANES * 4;
        int b = 0;
        for (; b < full; b += 4 * LANES) {
            FloatVector v0 = FloatVector.fromMemorySegment(F, x, x0 + b, LE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, x, x1 + b, LE);
            FloatVector v2 = FloatVector.fromMemorySegment(F, x, x2 + b, LE);
            FloatVector u = FloatVector.fromMemorySegment(F, w, w0 + b, LE);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = FloatVector.fromMemorySegment(F, w, w1 + b, LE);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            u = FloatVector.fromMemorySegment(F, w, w2 + b, LE);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            u = FloatVector.fromMemorySegment(F, w, w3 + b, LE);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
        }
        if (b < 4 * k) {
            VectorMask<Float> m = F.indexInRange(b / 4, k);
            FloatVector v0 = FloatVector.fromMemorySegment(F, x, x0 + b, LE, m);
            FloatVector v1 = FloatVector.fromMemorySegment(F, x, x1 + b, LE, m);
            FloatVector v2 = FloatVector.fromMemorySegment(F, x, x2 + b, LE, m);
            FloatVector u = FloatVector.fromMemorySegment(F, w, w0 + b, LE, m);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            u = FloatVector.fromMemorySegment(F, w, w1 + b, LE, m);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            u = FloatVector.fromMemorySegment(F, w, w2 + b, LE, m);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            u = FloatVector.fromMemorySegment(F, w, w3 + b, LE, m);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
        }
        store4(y, y0, a00, a10, a20, a30);
        store4(y, y0 + yRowBytes, a01, a11, a21, a31);
        store4(y, y0 + 2 * yRowBytes, a02, a12, a22, a32);
    }

    private static void dot4x1(MemorySegment w, long w0, long rowBytes, MemorySegment x, long x0, int k,
                               MemorySegment y, long y0) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int full = k / LANES * LANES * 4;
        int b = 0;
        for (; b < full; b += 4 * LANES) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + b, LE);
            a0 = FloatVector.fromMemorySegment(F, w, w0 + b, LE).fma(v, a0);
            a1 = FloatVector.fromMemorySegment(F, w, w1 + b, LE).fma(v, a1);
            a2 = FloatVector.fromMemorySegment(F, w, w2 + b, LE).fma(v, a2);
            a3 = FloatVector.fromMemorySegment(F, w, w3 + b, LE).fma(v, a3);
        }
        if (b < 4 * k) {
            VectorMask<Float> m = F.indexInRange(b / 4, k);
            FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + b, LE, m);
            a0 = FloatVector.fromMemorySegment(F, w, w0 + b, LE, m).fma(v, a0);
            a1 = FloatVector.fromMemorySegment(F, w, w1 + b, LE, m).fma(v, a1);
            a2 = FloatVector.fromMemorySegment(F, w, w2 + b, LE, m).fma(v, a2);
            a3 = FloatVector.fromMemorySegment(F, w, w3 + b, LE, m).fma(v, a3);
        }
        store4(y, y0, a0, a1, a2, a3);
    }

    private static void dot1x3(MemorySegment w, long w0, MemorySegment x, long x0, long rowBytes, int k,
                               MemorySegment y, long y0, long yRowBytes) {
        long x1 = x0 + rowBytes;
        long x2 = x1 + rowBytes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        int full = k / LANES * LANES * 4;
        int b = 0;
        for (; b < full; b += 4 * LANES) {
            FloatVector u = FloatVector.fromMemorySegment(F, w, w0 + b, LE);
            a0 = u.fma(FloatVector.fromMemorySegment(F, x, x0 + b, LE), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, x, x1 + b, LE), a1);
            a2 = u.fma(FloatVector.fromMemorySegment(F, x, x2 + b, LE), a2);
        }
        if (b < 4 * k) {
            VectorMask<Float> m = F.indexInRange(b / 4, k);
            FloatVector u = FloatVector.fromMemorySegment(F, w, w0 + b, LE, m);
            a0 = u.fma(FloatVector.fromMemorySegment(F, x, x0 + b, LE, m), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, x, x1 + b, LE, m), a1);
            a2 = u.fma(FloatVector.fromMemorySegment(F, x, x2 + b, LE, m), a2);
        }
        y.set(FLOAT, y0, a0.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + yRowBytes, a1.reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + 2 * yRowBytes, a2.reduceLanes(VectorOperators.ADD));
    }

    private static float dot1x1(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a = FloatVector.zero(F);
        int full = k / LANES * LANES * 4;
        int b = 0;
        for (; b < full; b += 4 * LANES) {
            a = FloatVector.fromMemorySegment(F, w, w0 + b, LE).fma(FloatVector.fromMemorySegment(F, x, x0 + b, LE), a);
        }
        if (b < 4 * k) {
            VectorMask<Float> m = F.indexInRange(b / 4, k);
            a = FloatVector.fromMemorySegment(F, w, w0 + b, LE, m)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + b, LE, m), a);
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
