package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * F32 weights rearranged at load into groups of {@link #GROUP} rows stored column by column: column {@code e} of a
 * group is one vector, lane {@code r} holding row {@code r}'s weight. A group takes the bytes its rows took.
 *
 * <p>Why: one token's product over GGUF rows ({@link F32Matmul}) starts and ends a loop and reduces a vector across
 * lanes for every row, and at the rows of 288 to 1536 columns that models of up to a billion parameters have, those
 * starts cost as much as the streaming: on a Zen 5, one thread, 576-column rows from DRAM, 13.6-23 GB/s of weights
 * where this layout reads 29-31 (docs/performance.md, "Session 27"). Here a token broadcasts each activation once
 * per four groups and multiplies it into 64 rows' accumulators, one lane per row, so a loop starts once per 64 rows
 * and nothing is reduced across lanes.
 *
 * <p>Several tokens multiply the groups as they are too ({@link #gemm}), a token's 16 rows to a vector, so the layout
 * costs prompts nothing (the decoded-panel path, a transpose back into rows per step, made medium F32 prompts
 * 12-39% slower). Every output, one token or many, is one FMA chain over the columns in
 * order, from zero, in one lane: the sum the F32 GEMM over GGUF rows forms ({@link F32Matmul}), to the bit.
 *
 * <p>Only at 512 bits ({@link #supported}), where it was measured; elsewhere models keep {@link F32Matmul}.
 */
public final class F32InterleavedMatmul implements MatmulKernel, InterleavedWeights {
    /** Rows per group: the float lanes of one 512-bit vector. */
    public static final int GROUP = 16;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Groups one pass of {@link #fourGroups} multiplies. */
    private static final int GROUPS_PER_PASS = 4;
    private static final long COLUMN_BYTES = 4L * GROUP;
    /** Groups per tile of {@link #gemm}. */
    private static final int GROUPS_PER_TILE = 3;
    /** Tokens per tile of {@link #gemm}: a panel holds a whole number of tiles. */
    private static final int TOKENS = 8;
    /** Bytes between one column's panel of tokens and the next. */
    private static final long PANEL_STEP = 4L * F32Matmul.PANEL;
    /** Where the token panels come from: {@link F32Matmul}'s packing. */
    private static final F32Matmul PANELS = new F32Matmul();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /** @return whether this JVM's preferred vectors are the 512 bits the kernel is written and measured for */
    public static boolean supported() {
        return F.length() == GROUP;
    }

    @Override
    public DType weightType() {
        return DType.F32;
    }

    @Override
    public int groupRows() {
        return GROUP;
    }

    /**
     * Rearranges whole groups of GGUF rows, a group at a time through heap arrays (segment accessors would run
     * interpreted for most of a model's load, as {@link GroupPacking} found).
     *
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@link #GROUP} or a group of rows does
     *                                  not fit one Java array
     */
    @Override
    public void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset) {
        if (rows % GROUP != 0) {
            throw MatmulText.notWholeGroups(rows, GROUP);
        }
        if ((long) GROUP * k > Integer.MAX_VALUE - 8) {
            throw MatmulText.rowsTooLong(DType.F32, k, 4L * k, GROUP);
        }
        float[] in = new float[GROUP * k];
        float[] out = new float[in.length];
        long groupBytes = 4L * in.length;
        for (int g = 0; g < rows / GROUP; g++) {
            MemorySegment.copy(src, FLOAT, srcOffset + g * groupBytes, in, 0, in.length);
            for (int r = 0; r < GROUP; r++) {
                for (int e = 0; e < k; e++) {
                    out[e * GROUP + r] = in[r * k + e];
                }
            }
            MemorySegment.copy(out, 0, dst, FLOAT, dstOffset + g * groupBytes, out.length);
        }
    }

    /** Interleaved rows cannot be read one at a time from a row offset; {@link #decodeRows} reads them. */
    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        throw MatmulText.rowNotDecodable(DType.F32, GROUP);
    }

    /**
     * Rows float by float: nothing in a step decodes these rows (many-token steps multiply the groups as they are,
     * {@link #gemm}), so this is the plain form.
     */
    @Override
    public void decodeRows(MemorySegment w, long wOffset, int k, int rowFrom, int rowTo, MemorySegment dst,
                           long dstOffset) {
        long groupBytes = COLUMN_BYTES * k;
        for (int r = rowFrom; r < rowTo; r++) {
            long lane = wOffset + r / GROUP * groupBytes + 4L * (r % GROUP);
            long out = dstOffset + 4L * k * (r - rowFrom);
            for (int e = 0; e < k; e++) {
                dst.set(FLOAT, out + 4L * e, w.get(FLOAT, lane + e * COLUMN_BYTES));
            }
        }
    }

    /** @return 0 for one token (read as is), else {@link F32Matmul}'s token panels */
    @Override
    public long preparedBytes(int t, int k) {
        return PANELS.preparedBytes(t, k);
    }

    /** Packs tokens into {@link F32Matmul}'s panels: for each column, {@link F32Matmul#PANEL} tokens side by side. */
    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        PANELS.prepare(x, xOffset, k, from, to, prep, prepOffset);
    }

    /**
     * One token passes over the groups four at a time; several tokens, prepared into panels, go through
     * {@link #gemm}.
     *
     * @param rowFrom first weight row, a multiple of {@link #GROUP}
     * @param rowTo   one past the last weight row, a multiple of {@link #GROUP}
     */
    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long groupBytes = COLUMN_BYTES * k;
        int groupFrom = rowFrom / GROUP;
        int groupTo = rowTo / GROUP;
        if (t > 1) {
            gemm(w, wOffset, groupBytes, k, act, actOffset, t, y, yOffset, 4L * yStride, groupFrom, groupTo);
            return;
        }
        int g = groupFrom;
        for (; g + GROUPS_PER_PASS <= groupTo; g += GROUPS_PER_PASS) {
            fourGroups(w, wOffset + g * groupBytes, groupBytes, k, act, actOffset, y, yOffset + 4L * GROUP * g);
        }
        for (; g < groupTo; g++) {
            oneGroup(w, wOffset + g * groupBytes, k, act, actOffset, y, yOffset + 4L * GROUP * g);
        }
    }

    /**
     * Several tokens: tiles of three groups x {@value #TOKENS} tokens of a panel ({@link #threeGroups}), each token's
     * 48 outputs in three accumulators of its own, stored as they are, 16 rows of one token to a vector (no
     * transposes, which {@link F32Matmul}'s tiles need); the one or two groups a range has left over go one at a time.
     * Tokens are walked in runs of panels that stay in L2 ({@link F32Matmul#tileTokens}) while every tile of groups
     * passes over them; a tile's groups stay in L1 or L2 across the run's tokens. One Zen 5 thread, 128 tokens:
     * 167-175 GFLOPS at 576 x 1536 and 1536 x 576 where two groups x 8 tokens ran 134-151 and four x 4 147-150, and
     * {@link F32Matmul} over the GGUF rows 133-165 (docs/performance.md, "Session 27").
     */
    private static void gemm(MemorySegment w, long wOffset, long groupBytes, int k, MemorySegment p, long pOffset,
                             int t, MemorySegment y, long yOffset, long yRowBytes, int groupFrom, int groupTo) {
        long panelBytes = PANEL_STEP * k;
        int run = F32Matmul.tileTokens(k);
        for (int j0 = 0; j0 < t; j0 += run) {
            int j1 = Math.min(t, j0 + run);
            int g = groupFrom;
            for (; g + GROUPS_PER_TILE <= groupTo; g += GROUPS_PER_TILE) {
                long wg = wOffset + g * groupBytes;
                for (int j = j0; j < j1; j += TOKENS) {
                    long pj = pOffset + j / F32Matmul.PANEL * panelBytes + 4L * (j % F32Matmul.PANEL);
                    threeGroups(w, wg, groupBytes, k, p, pj, y, yOffset + j * yRowBytes + 4L * GROUP * g, yRowBytes,
                            Math.min(TOKENS, j1 - j));
                }
            }
            for (; g < groupTo; g++) {
                long wg = wOffset + g * groupBytes;
                for (int j = j0; j < j1; j += TOKENS) {
                    long pj = pOffset + j / F32Matmul.PANEL * panelBytes + 4L * (j % F32Matmul.PANEL);
                    oneGroupTokens(w, wg, k, p, pj, y, yOffset + j * yRowBytes + 4L * GROUP * g, yRowBytes,
                            Math.min(TOKENS, j1 - j));
                }
            }
        }
    }

    /**
     * Four consecutive groups, one accumulator each: per column one broadcast activation and four loads and FMAs.
     * Four chains hide the FMA latency; on one Zen 5 thread over DRAM this read 23-29 GB/s where two groups of two
     * chains read 20-30 and one group of four 21-26 (576 x 1536, 288 x 768 and 1536 x 576 matrices).
     */
    private static void fourGroups(MemorySegment w, long first, long groupBytes, int k, MemorySegment x, long x0,
                                   MemorySegment y, long yo) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int e = 0; e < k; e++) {
            FloatVector xe = FloatVector.broadcast(F, x.get(FLOAT, x0 + 4L * e));
            long we = first + e * COLUMN_BYTES;
            a0 = FloatVector.fromMemorySegment(F, w, we, LE).fma(xe, a0);
            a1 = FloatVector.fromMemorySegment(F, w, we + groupBytes, LE).fma(xe, a1);
            a2 = FloatVector.fromMemorySegment(F, w, we + 2 * groupBytes, LE).fma(xe, a2);
            a3 = FloatVector.fromMemorySegment(F, w, we + 3 * groupBytes, LE).fma(xe, a3);
        }
        a0.intoMemorySegment(y, yo, LE);
        a1.intoMemorySegment(y, yo + COLUMN_BYTES, LE);
        a2.intoMemorySegment(y, yo + 2 * COLUMN_BYTES, LE);
        a3.intoMemorySegment(y, yo + 3 * COLUMN_BYTES, LE);
    }

    /** The last one to three groups of a range: one chain, bound by the FMA latency, a few groups a call. */
    private static void oneGroup(MemorySegment w, long group, int k, MemorySegment x, long x0, MemorySegment y,
                                 long yo) {
        FloatVector a = FloatVector.zero(F);
        for (int e = 0; e < k; e++) {
            a = FloatVector.fromMemorySegment(F, w, group + e * COLUMN_BYTES, LE)
                    .fma(FloatVector.broadcast(F, x.get(FLOAT, x0 + 4L * e)), a);
        }
        a.intoMemorySegment(y, yo, LE);
    }

    /**
     * Three groups x {@value #TOKENS} tokens of a panel: per column three weight vectors, eight broadcast activations
     * and 24 FMAs into 24 accumulators. Lanes of a partial panel past {@code tokens} are computed and not stored.
     *
     * @param p0 byte offset of the first token's lane in its panel, column 0
     * @param y0 byte offset of the first token's output for the first group's row 0
     */
    private static void threeGroups(MemorySegment w, long w0, long groupBytes, int k, MemorySegment p, long p0,
                                    MemorySegment y, long y0, long yRowBytes, int tokens) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        FloatVector b4 = a0;
        FloatVector b5 = a0;
        FloatVector b6 = a0;
        FloatVector b7 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector c2 = a0;
        FloatVector c3 = a0;
        FloatVector c4 = a0;
        FloatVector c5 = a0;
        FloatVector c6 = a0;
        FloatVector c7 = a0;
        for (int e = 0; e < k; e++) {
            long we = w0 + e * COLUMN_BYTES;
            long pe = p0 + e * PANEL_STEP;
            FloatVector va = FloatVector.fromMemorySegment(F, w, we, LE);
            FloatVector vb = FloatVector.fromMemorySegment(F, w, we + groupBytes, LE);
            FloatVector vc = FloatVector.fromMemorySegment(F, w, we + 2 * groupBytes, LE);
            FloatVector x;
            x = FloatVector.broadcast(F, p.get(FLOAT, pe));
            a0 = va.fma(x, a0);
            b0 = vb.fma(x, b0);
            c0 = vc.fma(x, c0);
            x = FloatVector.broadcast(F, p.get(FLOAT, pe + 4));
            a1 = va.fma(x, a1);
            b1 = vb.fma(x, b1);
            c1 = vc.fma(x, c1);
            x = FloatVector.broadcast(F, p.get(FLOAT, pe + 8));
            a2 = va.fma(x, a2);
            b2 = vb.fma(x, b2);
            c2 = vc.fma(x, c2);
            x = FloatVector.broadcast(F, p.get(FLOAT, pe + 12));
            a3 = va.fma(x, a3);
            b3 = vb.fma(x, b3);
            c3 = vc.fma(x, c3);
            x = FloatVector.broadcast(F, p.get(FLOAT, pe + 16));
            a4 = va.fma(x, a4);
            b4 = vb.fma(x, b4);
            c4 = vc.fma(x, c4);
            x = FloatVector.broadcast(F, p.get(FLOAT, pe + 20));
            a5 = va.fma(x, a5);
            b5 = vb.fma(x, b5);
            c5 = vc.fma(x, c5);
            x = FloatVector.broadcast(F, p.get(FLOAT, pe + 24));
            a6 = va.fma(x, a6);
            b6 = vb.fma(x, b6);
            c6 = vc.fma(x, c6);
            x = FloatVector.broadcast(F, p.get(FLOAT, pe + 28));
            a7 = va.fma(x, a7);
            b7 = vb.fma(x, b7);
            c7 = vc.fma(x, c7);
        }
        a0.intoMemorySegment(y, y0, LE);
        b0.intoMemorySegment(y, y0 + COLUMN_BYTES, LE);
        c0.intoMemorySegment(y, y0 + 2 * COLUMN_BYTES, LE);
        if (tokens > 1) {
            a1.intoMemorySegment(y, y0 + 1 * yRowBytes, LE);
            b1.intoMemorySegment(y, y0 + 1 * yRowBytes + COLUMN_BYTES, LE);
            c1.intoMemorySegment(y, y0 + 1 * yRowBytes + 2 * COLUMN_BYTES, LE);
        }
        if (tokens > 2) {
            a2.intoMemorySegment(y, y0 + 2 * yRowBytes, LE);
            b2.intoMemorySegment(y, y0 + 2 * yRowBytes + COLUMN_BYTES, LE);
            c2.intoMemorySegment(y, y0 + 2 * yRowBytes + 2 * COLUMN_BYTES, LE);
        }
        if (tokens > 3) {
            a3.intoMemorySegment(y, y0 + 3 * yRowBytes, LE);
            b3.intoMemorySegment(y, y0 + 3 * yRowBytes + COLUMN_BYTES, LE);
            c3.intoMemorySegment(y, y0 + 3 * yRowBytes + 2 * COLUMN_BYTES, LE);
        }
        if (tokens > 4) {
            a4.intoMemorySegment(y, y0 + 4 * yRowBytes, LE);
            b4.intoMemorySegment(y, y0 + 4 * yRowBytes + COLUMN_BYTES, LE);
            c4.intoMemorySegment(y, y0 + 4 * yRowBytes + 2 * COLUMN_BYTES, LE);
        }
        if (tokens > 5) {
            a5.intoMemorySegment(y, y0 + 5 * yRowBytes, LE);
            b5.intoMemorySegment(y, y0 + 5 * yRowBytes + COLUMN_BYTES, LE);
            c5.intoMemorySegment(y, y0 + 5 * yRowBytes + 2 * COLUMN_BYTES, LE);
        }
        if (tokens > 6) {
            a6.intoMemorySegment(y, y0 + 6 * yRowBytes, LE);
            b6.intoMemorySegment(y, y0 + 6 * yRowBytes + COLUMN_BYTES, LE);
            c6.intoMemorySegment(y, y0 + 6 * yRowBytes + 2 * COLUMN_BYTES, LE);
        }
        if (tokens > 7) {
            a7.intoMemorySegment(y, y0 + 7 * yRowBytes, LE);
            b7.intoMemorySegment(y, y0 + 7 * yRowBytes + COLUMN_BYTES, LE);
            c7.intoMemorySegment(y, y0 + 7 * yRowBytes + 2 * COLUMN_BYTES, LE);
        }
    }

    /** One of the last one or two groups of a range: {@link #threeGroups} with one. */
    private static void oneGroupTokens(MemorySegment w, long w0, int k, MemorySegment p, long p0, MemorySegment y,
                                       long y0, long yRowBytes, int tokens) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        for (int e = 0; e < k; e++) {
            long pe = p0 + e * PANEL_STEP;
            FloatVector v = FloatVector.fromMemorySegment(F, w, w0 + e * COLUMN_BYTES, LE);
            a0 = v.fma(FloatVector.broadcast(F, p.get(FLOAT, pe + 0)), a0);
            a1 = v.fma(FloatVector.broadcast(F, p.get(FLOAT, pe + 4)), a1);
            a2 = v.fma(FloatVector.broadcast(F, p.get(FLOAT, pe + 8)), a2);
            a3 = v.fma(FloatVector.broadcast(F, p.get(FLOAT, pe + 12)), a3);
            a4 = v.fma(FloatVector.broadcast(F, p.get(FLOAT, pe + 16)), a4);
            a5 = v.fma(FloatVector.broadcast(F, p.get(FLOAT, pe + 20)), a5);
            a6 = v.fma(FloatVector.broadcast(F, p.get(FLOAT, pe + 24)), a6);
            a7 = v.fma(FloatVector.broadcast(F, p.get(FLOAT, pe + 28)), a7);
        }
        a0.intoMemorySegment(y, y0, LE);
        if (tokens > 1) {
            a1.intoMemorySegment(y, y0 + 1 * yRowBytes, LE);
        }
        if (tokens > 2) {
            a2.intoMemorySegment(y, y0 + 2 * yRowBytes, LE);
        }
        if (tokens > 3) {
            a3.intoMemorySegment(y, y0 + 3 * yRowBytes, LE);
        }
        if (tokens > 4) {
            a4.intoMemorySegment(y, y0 + 4 * yRowBytes, LE);
        }
        if (tokens > 5) {
            a5.intoMemorySegment(y, y0 + 5 * yRowBytes, LE);
        }
        if (tokens > 6) {
            a6.intoMemorySegment(y, y0 + 6 * yRowBytes, LE);
        }
        if (tokens > 7) {
            a7.intoMemorySegment(y, y0 + 7 * yRowBytes, LE);
        }
    }
}
