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
 * F32 weights times F32 activations with the Vector API, in two forms.
 *
 * <p><b>One token ({@code t = 1}, decode):</b> a memory-bound matrix-vector product, one weight row at a time with
 * four independent accumulators (see {@link #dotRow}); the last step is masked.
 *
 * <p><b>Several tokens (prefill GEMM):</b> compute bound. {@link #prepare} packs the activations into panels of
 * {@value #PANEL} tokens, stored k-major: for each {@code e < k}, the {@value #PANEL} values {@code x[j][e]} of the
 * panel's tokens are contiguous. The micro-kernel then keeps {@value #ROWS} weight rows x {@value #PANEL} tokens
 * of outputs in 12 vector registers and, per {@code e}, broadcasts one weight of each row and loads three panel
 * vectors: 12 FMAs for 7 loads, no lane reductions. This is the classic register-blocked SGEMM shape; the
 * dot-product form (vectors along {@code k}, as for one token) measured about a third slower, mostly from the lane
 * reductions and from weight and activation rows a multiple of 4 KB apart competing for the same L1 sets.
 * Panels are walked in groups of about {@value #TILE_BYTES} bytes, which stay in L2 while every weight-row block
 * of the range passes over them. Each output is one FMA chain over {@code e} in order in one lane, whatever the
 * blocking, so splitting the rows across workers does not change a bit.
 */
public final class F32Matmul implements MatmulKernel {
    /** 512-bit vectors: 16 tokens per panel vector. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final int LANES = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /**
     * Weight rows per micro-kernel: splitting rows across workers at multiples of this (the pool's grain) keeps
     * every row in a full block. Any split gives the same bits; this one is the fastest.
     */
    public static final int ROWS = 4;
    /** Tokens per activation panel: three vectors. */
    static final int PANEL = 3 * LANES;
    private static final long PANEL_STEP = 4L * PANEL;
    /** Target size of one group of panels kept in L2. */
    static final int TILE_BYTES = 256 * 1024;

    @Override
    public DType weightType() {
        return DType.F32;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        MemorySegment.copy(w, wOffset, dst, dstOffset, 4L * n);
    }

    /** @return 0 for one token (read as is), else the panels: {@code t} rounded up to {@value #PANEL} rows */
    @Override
    public long preparedBytes(int t, int k) {
        return t > 1 ? 4L * k * ((t + PANEL - 1) / PANEL * PANEL) : 0;
    }

    /**
     * Packs tokens {@code [from, to)} into their panel lanes. Lanes of the last panel past {@code t} are left as
     * they are: they are computed on but never stored.
     */
    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        for (int j = from; j < to; j++) {
            long src = xOffset + 4L * k * j;
            long dst = prepOffset + 4L * k * (j / PANEL * PANEL) + 4L * (j % PANEL);
            for (int e = 0; e < k; e++) {
                prep.set(FLOAT, dst + e * PANEL_STEP, x.get(FLOAT, src + 4L * e));
            }
        }
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        if (t == 1) {
            matvec(w, wOffset, k, act, actOffset, y, yOffset, rowFrom, rowTo);
        } else {
            gemm(w, wOffset, k, act, actOffset, t, y, yOffset, yStride, rowFrom, rowTo);
        }
    }

    /**
     * @param k activation row length in floats
     * @return tokens per group of panels: whole panels that fit in {@link #TILE_BYTES}, at least one
     */
    static int tileTokens(int k) {
        long panels = TILE_BYTES / Math.max(1L, PANEL_STEP * k);
        return (int) Math.max(1, panels) * PANEL;
    }

    private static void matvec(MemorySegment w, long wOffset, int k, MemorySegment x, long x0,
                               MemorySegment y, long yOffset, int rowFrom, int rowTo) {
        long rowBytes = 4L * k;
        for (int i = rowFrom; i < rowTo; i++) {
            y.set(FLOAT, yOffset + 4L * i, dotRow(w, wOffset + i * rowBytes, x, x0, k));
        }
    }

    private static void gemm(MemorySegment w, long wOffset, int k, MemorySegment p, long pOffset, int t,
                             MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long rowBytes = 4L * k;
        long panelBytes = PANEL_STEP * k;
        long yRowBytes = 4L * yStride;
        int tile = tileTokens(k);
        for (int j0 = 0; j0 < t; j0 += tile) {
            int j1 = Math.min(t, j0 + tile);
            int i = rowFrom;
            for (; i + ROWS <= rowTo; i += ROWS) {
                long wRow = wOffset + i * rowBytes;
                for (int j = j0; j < j1; j += PANEL) {
                    long panel = pOffset + j / PANEL * panelBytes;
                    long yAt = yOffset + j * yRowBytes + 4L * i;
                    int tokens = Math.min(PANEL, j1 - j);
                    if (tokens == PANEL) {
                        panel4x3(w, wRow, rowBytes, p, panel, k, y, yAt, yRowBytes);
                    } else {
                        for (int s = 0; s < tokens; s += LANES) {
                            panel4x1(w, wRow, rowBytes, p, panel + 4L * s, k, y, yAt + s * yRowBytes, yRowBytes,
                                    Math.min(LANES, tokens - s));
                        }
                    }
                }
            }
            for (; i < rowTo; i++) {
                long wRow = wOffset + i * rowBytes;
                for (int j = j0; j < j1; j += PANEL) {
                    long panel = pOffset + j / PANEL * panelBytes;
                    long yAt = yOffset + j * yRowBytes + 4L * i;
                    int tokens = Math.min(PANEL, j1 - j);
                    for (int s = 0; s < tokens; s += LANES) {
                        panel1x1(w, wRow, p, panel + 4L * s, k, y, yAt + s * yRowBytes, yRowBytes,
                                Math.min(LANES, tokens - s));
                    }
                }
            }
        }
    }

    /** Four weight rows times one full panel of {@value #PANEL} tokens. */
    private static void panel4x3(MemorySegment w, long w0, long rowBytes, MemorySegment p, long p0, int k,
                                 MemorySegment y, long y0, long yRowBytes) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
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
        for (int e = 0; e < k; e++) {
            long pe = p0 + e * PANEL_STEP;
            FloatVector x0 = FloatVector.fromMemorySegment(F, p, pe, LE);
            FloatVector x1 = FloatVector.fromMemorySegment(F, p, pe + 4 * LANES, LE);
            FloatVector x2 = FloatVector.fromMemorySegment(F, p, pe + 8 * LANES, LE);
            FloatVector b = FloatVector.broadcast(F, w.get(FLOAT, w0 + 4L * e));
            a00 = b.fma(x0, a00);
            a01 = b.fma(x1, a01);
            a02 = b.fma(x2, a02);
            b = FloatVector.broadcast(F, w.get(FLOAT, w1 + 4L * e));
            a10 = b.fma(x0, a10);
            a11 = b.fma(x1, a11);
            a12 = b.fma(x2, a12);
            b = FloatVector.broadcast(F, w.get(FLOAT, w2 + 4L * e));
            a20 = b.fma(x0, a20);
            a21 = b.fma(x1, a21);
            a22 = b.fma(x2, a22);
            b = FloatVector.broadcast(F, w.get(FLOAT, w3 + 4L * e));
            a30 = b.fma(x0, a30);
            a31 = b.fma(x1, a31);
            a32 = b.fma(x2, a32);
        }
        // Outputs are stored lane by lane, down the token rows of y, inside this method: a helper taking the
        // accumulators as arguments is a cold call C2 may not inline, and every vector passed to it is boxed.
        for (int l = 0; l < LANES; l++) {
            long r0 = y0 + l * yRowBytes;
            long r1 = r0 + LANES * yRowBytes;
            long r2 = r1 + LANES * yRowBytes;
            y.set(FLOAT, r0, a00.lane(l));
            y.set(FLOAT, r0 + 4, a10.lane(l));
            y.set(FLOAT, r0 + 8, a20.lane(l));
            y.set(FLOAT, r0 + 12, a30.lane(l));
            y.set(FLOAT, r1, a01.lane(l));
            y.set(FLOAT, r1 + 4, a11.lane(l));
            y.set(FLOAT, r1 + 8, a21.lane(l));
            y.set(FLOAT, r1 + 12, a31.lane(l));
            y.set(FLOAT, r2, a02.lane(l));
            y.set(FLOAT, r2 + 4, a12.lane(l));
            y.set(FLOAT, r2 + 8, a22.lane(l));
            y.set(FLOAT, r2 + 12, a32.lane(l));
        }
    }

    /** Four weight rows times one 16-token slice of the last, partial panel. */
    private static void panel4x1(MemorySegment w, long w0, long rowBytes, MemorySegment p, long p0, int k,
                                 MemorySegment y, long y0, long yRowBytes, int tokens) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int e = 0; e < k; e++) {
            FloatVector x = FloatVector.fromMemorySegment(F, p, p0 + e * PANEL_STEP, LE);
            a0 = FloatVector.broadcast(F, w.get(FLOAT, w0 + 4L * e)).fma(x, a0);
            a1 = FloatVector.broadcast(F, w.get(FLOAT, w1 + 4L * e)).fma(x, a1);
            a2 = FloatVector.broadcast(F, w.get(FLOAT, w2 + 4L * e)).fma(x, a2);
            a3 = FloatVector.broadcast(F, w.get(FLOAT, w3 + 4L * e)).fma(x, a3);
        }
        for (int l = 0; l < tokens; l++) {
            long r = y0 + l * yRowBytes;
            y.set(FLOAT, r, a0.lane(l));
            y.set(FLOAT, r + 4, a1.lane(l));
            y.set(FLOAT, r + 8, a2.lane(l));
            y.set(FLOAT, r + 12, a3.lane(l));
        }
    }

    /** One weight row times a 16-token slice of a panel (rows left over after the blocks of four). */
    private static void panel1x1(MemorySegment w, long w0, MemorySegment p, long p0, int k,
                                 MemorySegment y, long y0, long yRowBytes, int tokens) {
        FloatVector a = FloatVector.zero(F);
        for (int e = 0; e < k; e++) {
            a = FloatVector.broadcast(F, w.get(FLOAT, w0 + 4L * e))
                    .fma(FloatVector.fromMemorySegment(F, p, p0 + e * PANEL_STEP, LE), a);
        }
        for (int l = 0; l < tokens; l++) {
            y.set(FLOAT, y0 + l * yRowBytes, a.lane(l));
        }
    }

    /**
     * One weight row against one activation row: four accumulators over 256-byte steps, so one row streams two
     * whole cache line pairs per iteration. Walking four rows side by side instead (four streams a multiple of
     * 4 KB apart) measured half the DRAM bandwidth.
     */
    private static float dotRow(MemorySegment w, long w0, MemorySegment x, long x0, int k) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int bytes = 4 * k;
        int blocks = k / (4 * LANES) * (16 * LANES);
        int b = 0;
        for (; b < blocks; b += 16 * LANES) {
            a0 = FloatVector.fromMemorySegment(F, w, w0 + b, LE)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + b, LE), a0);
            a1 = FloatVector.fromMemorySegment(F, w, w0 + b + 4 * LANES, LE)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + b + 4 * LANES, LE), a1);
            a2 = FloatVector.fromMemorySegment(F, w, w0 + b + 8 * LANES, LE)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + b + 8 * LANES, LE), a2);
            a3 = FloatVector.fromMemorySegment(F, w, w0 + b + 12 * LANES, LE)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + b + 12 * LANES, LE), a3);
        }
        int full = k / LANES * (4 * LANES);
        for (; b < full; b += 4 * LANES) {
            a0 = FloatVector.fromMemorySegment(F, w, w0 + b, LE)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + b, LE), a0);
        }
        if (b < bytes) {
            VectorMask<Float> m = F.indexInRange(b / 4, k);
            a1 = FloatVector.fromMemorySegment(F, w, w0 + b, LE, m)
                    .fma(FloatVector.fromMemorySegment(F, x, x0 + b, LE, m), a1);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
