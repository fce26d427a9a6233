package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.VectorHardware;
import dev.smallmind.tensor.DType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * F32 weights times F32 activations with the Vector API, in two forms, over GGUF rows: the token embedding, the
 * decoded panels of quantized and 16-bit weights, and F32 projections below 512 bits or of row counts that are not
 * whole groups (with 512-bit vectors models multiply their F32 projections with {@link F32InterleavedMatmul}).
 *
 * <p>Vectors are the preferred width ({@code F}, 128 to 512 bits); everything below is written in vectors, so the
 * figures in tokens are for 512 bits (16 lanes) and halve at 256 and again at 128. The 512-bit code is the tuned one;
 * {@code static final} switches ({@code MASKED}, {@code SIX_ROWS}) select what a narrower width needs, and C2 folds
 * the branches not taken.
 *
 * <p><b>One token ({@code t = 1}, decode):</b> a memory-bound matrix-vector product, one weight row at a time with
 * four independent accumulators (see {@link #dotRow}), short rows at 512 bits four at a time ({@link #dot4Rows});
 * the last step is masked (scalar at 128 bits).
 *
 * <p><b>Several tokens (prefill GEMM):</b> compute bound. {@link #prepare} packs the activations into panels of
 * {@link #PANEL} tokens (four vectors: 64 at 512 bits), stored k-major: for each {@code e < k}, the panel's values
 * {@code x[j][e]} are contiguous. The micro-kernel then keeps four weight rows x {@code PANEL} tokens of
 * outputs in 16 vector registers and, per {@code e}, broadcasts one weight of each row and loads four panel
 * vectors: 16 FMAs for 8 loads, no lane reductions; at the end a 4 x 16 register transpose turns each token's
 * four outputs into one masked 4-lane store. (Panels of 48 tokens, 12 FMAs for 7 loads, ran pp128 20-35% slower
 * side by side in one JVM.) A partial last panel of 33 or more tokens takes the full kernel; 17-32 and 1-16
 * tokens take narrower ones. With AVX2's 16 vector registers the kernel is six rows x two vectors instead
 * ({@link #panel6x2}, panels of 16 tokens). This is the classic register-blocked SGEMM shape; the
 * dot-product form (vectors along {@code k}, as for one token) measured about a third slower, mostly from the lane
 * reductions and from weight and activation rows a multiple of 4 KB apart competing for the same L1 sets.
 * Panels are walked in groups of about {@value #TILE_BYTES} bytes, which stay in L2 while every weight-row block
 * of the range passes over them. Each output is one FMA chain over {@code e} in order in one lane, whatever the
 * blocking, so splitting the rows across workers does not change a bit.
 */
public final class F32Matmul implements MatmulKernel {
    /**
     * The preferred float species, clamped to 128-512 bits: 16 tokens per panel vector with AVX-512, 8 with AVX2,
     * 4 with NEON. The 4 x LANES transposes below need at least 4 lanes, and none of their code was measured above
     * 16.
     */
    static final VectorSpecies<Float> F = species(FloatVector.SPECIES_PREFERRED.vectorBitSize());
    private static final int LANES = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /**
     * Whether one token's short rows go four at a time through {@link #dot4Rows}, up to {@link #FOUR_ROW_MAX_K}
     * columns: at 512 bits, where it was measured.
     */
    private static final boolean FOUR_ROW_MATVEC = LANES == 16;
    /**
     * The longest rows {@link #dot4Rows} takes. On a Zen 5 (one thread, rows streamed from DRAM, GB/s of weights)
     * four rows side by side read 13-19 against 10-13 one row at a time at 576 columns, where a row's start and end
     * cost most; from 1536 columns on they read no faster (docs/performance.md, "Session 25").
     */
    private static final int FOUR_ROW_MAX_K = 1024;
    /** Two floats, the outputs of two weight rows for one token, as one store. */
    private static final ValueLayout.OfLong PAIR = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    /**
     * Whether the micro-kernel is {@link #panel6x2}, six weight rows x two vectors of tokens in 12 accumulators: on
     * x86 at 256 bits (AVX2), whose 16 vector registers do not hold {@link #panel4x4}'s 16 accumulators. It is the
     * shape of BLIS's Haswell kernel (6 x 16). Single-thread probe on a Zen 3 (k = 576, 1536 rows, 96 tokens,
     * inner loops only): 88-94 GFLOPS, against 55-68 for four rows x two vectors and about 40 for four x three or
     * three x four (13 or more live vectors: C2 spills). AVX-512 and ARM (NEON, SVE) have 32 registers and keep
     * four rows x four vectors; 128 bits on x86 (SSE, no vector FMA in C2) keeps them too, unmeasured.
     */
    private static final boolean SIX_ROWS = LANES == 8 && !VectorHardware.arm();
    /**
     * Weight rows per micro-kernel, 6 or 4 ({@link #SIX_ROWS}): splitting rows across workers at multiples of this
     * keeps every row in a full block, though any split gives the same bits.
     */
    public static final int ROWS = SIX_ROWS ? 6 : 4;
    /**
     * Tokens per activation panel, what {@link #preparedBytes} rounds the token count up to: four vectors, so 64
     * with 512-bit vectors and 16 with 128; two with {@link #SIX_ROWS}, 16 tokens, one 64-byte line per element.
     */
    public static final int PANEL = (SIX_ROWS ? 2 : 4) * LANES;
    private static final long PANEL_STEP = 4L * PANEL;
    /**
     * Whether masked vector loads and stores run as instructions at this width: AVX and AVX-512 have them; SSE and
     * NEON, the 128-bit cases, do not, and C2 leaves a masked store (and a masked load that may reach past the
     * segment's end) to the Vector API's Java code, which allocates. Without them the transposed outputs are
     * stored whole (one token each at 4 lanes) and the one-token tail is summed in scalar.
     */
    private static final boolean MASKED = LANES > 4;
    // Two-step 4 x LANES transpose: interleave rows pairwise (token pairs), then pairs of pairs (token quads).
    private static final VectorShuffle<Float> PAIR_LO = shuffle(0, 1);
    private static final VectorShuffle<Float> PAIR_HI = shuffle(LANES / 2, 1);
    private static final VectorShuffle<Float> QUAD_LO = shuffle(0, 2);
    private static final VectorShuffle<Float> QUAD_HI = shuffle(LANES / 2, 2);
    private static final VectorMask<Float> ODD = VectorMask.fromLong(F, 0xAAAAL);
    private static final VectorMask<Float> UPPER_PAIRS = VectorMask.fromLong(F, 0xCCCCL);
    /**
     * Tokens per transposed vector: each holds its tokens' four outputs in consecutive quarters of 4 lanes (4
     * tokens at 16 lanes, 2 at 8, 1 at 4).
     */
    private static final int GROUP = LANES / 4;
    // Quarter q of a transposed vector holds one token's four outputs; a store masked to it, placed 16q bytes
    // early, writes exactly those four floats. (Masks past the lane count are empty and unused.)
    private static final VectorMask<Float> QUARTER_0 = VectorMask.fromLong(F, 0x000FL);
    private static final VectorMask<Float> QUARTER_1 = VectorMask.fromLong(F, 0x00F0L);
    private static final VectorMask<Float> QUARTER_2 = VectorMask.fromLong(F, 0x0F00L);
    private static final VectorMask<Float> QUARTER_3 = VectorMask.fromLong(F, 0xF000L);
    /**
     * Per thread, room for {@link #panel6x2}'s 12 accumulators. A thread-local lookup per product allocates
     * nothing once each worker has made its first.
     */
    private static final ThreadLocal<MemorySegment> STAGING =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(12L * 4 * LANES, 64));
    /** Elements of {@code k} packed per pass of {@link #prepare}. */
    static final int PREPARE_CHUNK = 64;
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

    /** @return 0 for one token (read as is), else the panels: {@code t} rounded up to {@link #PANEL} rows */
    @Override
    public long preparedBytes(int t, int k) {
        return t > 1 ? 4L * k * ((t + PANEL - 1) / PANEL * PANEL) : 0;
    }

    /**
     * Packs tokens {@code [from, to)} into their panel lanes. Lanes of the last panel past {@code t} are left as
     * they are: they are computed on but never stored. The copy walks {@code k} in chunks of
     * {@value #PREPARE_CHUNK} elements, token by token within a chunk, so the panel rows being filled (12 KB)
     * stay in L1 while every token of the panel writes its lane into them.
     */
    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        for (int e0 = 0; e0 < k; e0 += PREPARE_CHUNK) {
            int e1 = Math.min(k, e0 + PREPARE_CHUNK);
            for (int j = from; j < to; j++) {
                long src = xOffset + 4L * k * j;
                long dst = prepOffset + 4L * k * (j / PANEL * PANEL) + 4L * (j % PANEL);
                for (int e = e0; e < e1; e++) {
                    prep.set(FLOAT, dst + e * PANEL_STEP, x.get(FLOAT, src + 4L * e));
                }
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

    /**
     * @param bits the preferred vector width
     * @return the float species of that width, clamped to 128-512 bits
     */
    static VectorSpecies<Float> species(int bits) {
        if (bits >= 512) {
            return FloatVector.SPECIES_512;
        }
        return bits >= 256 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;
    }

    /**
     * @return the shuffle that repeats each run of {@code run} lanes from lane {@code from} on twice: lane {@code i}
     *         reads lane {@code from + i / (2 run) * run + i % run} ({@code PAIR_LO} is 0 0 1 1 2 2..., {@code QUAD_LO}
     *         0 1 0 1 2 3 2 3...)
     */
    private static VectorShuffle<Float> shuffle(int from, int run) {
        int[] index = new int[LANES];
        for (int i = 0; i < LANES; i++) {
            index[i] = from + i / (2 * run) * run + i % run;
        }
        return VectorShuffle.fromArray(F, index, 0);
    }

    private static void matvec(MemorySegment w, long wOffset, int k, MemorySegment x, long x0,
                               MemorySegment y, long yOffset, int rowFrom, int rowTo) {
        long rowBytes = 4L * k;
        int i = rowFrom;
        if (FOUR_ROW_MATVEC && k % (4 * LANES) == 0 && k <= FOUR_ROW_MAX_K) {
            for (; i + 4 <= rowTo; i += 4) {
                dot4Rows(w, wOffset + i * rowBytes, rowBytes, x, x0, k, y, yOffset + 4L * i);
            }
        }
        for (; i < rowTo; i++) {
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
            if (SIX_ROWS && rowTo - rowFrom >= 6) {
                MemorySegment staging = STAGING.get();
                // A range that is not a multiple of 6 ends with a block that overlaps the one before it: its rows
                // are computed again to the same bits, where a block of four and single rows ran slower kernels.
                for (; i < rowTo; i += 6) {
                    int block = Math.min(i, rowTo - 6);
                    long wRow = wOffset + block * rowBytes;
                    for (int j = j0; j < j1; j += PANEL) {
                        panel6x2(w, wRow, rowBytes, p, pOffset + j / PANEL * panelBytes, PANEL_STEP, k, staging);
                        storeStaged(staging, y, yOffset + j * yRowBytes + 4L * block, yRowBytes,
                                Math.min(PANEL, j1 - j));
                    }
                }
            }
            for (; i + 4 <= rowTo; i += 4) {
                long wRow = wOffset + i * rowBytes;
                for (int j = j0; j < j1; j += PANEL) {
                    long panel = pOffset + j / PANEL * panelBytes;
                    long yAt = yOffset + j * yRowBytes + 4L * i;
                    int tokens = Math.min(PANEL, j1 - j);
                    if (tokens > 2 * LANES) {
                        panel4x4(w, wRow, rowBytes, p, panel, k, y, yAt, yRowBytes, tokens);
                    } else if (tokens > LANES) {
                        panel4x2(w, wRow, rowBytes, p, panel, k, y, yAt, yRowBytes, tokens);
                    } else {
                        panel4x1(w, wRow, rowBytes, p, panel, k, y, yAt, yRowBytes, tokens);
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

    /**
     * Six weight rows times a panel of two vectors of tokens ({@link #SIX_ROWS}): 12 FMAs per 8 loads. The 12
     * accumulators go to {@code staging} as they are, and {@link #storeStaged} writes them out. Storing from the
     * accumulators directly needed more than AVX2's 16 registers right after the loop (the shuffle constants beside
     * the 12), and C2 then kept one accumulator on the stack inside the loop: 35-40 GFLOPS against 76-78 this way
     * (Zen 3, one thread, k = 576, 1536 rows, 128 tokens). Two methods, not one: at 1822 bytecodes C1's profiling
     * tier could not compile the whole, and a method that stops at tier 2 never reaches C2 (architecture.md).
     *
     * @param step    {@link #PANEL_STEP}, passed in so that C2, compiling this method on its own (it is too big to
     *                inline), does not know it: with the constant it unrolls the loop, the loads it hoists push
     *                accumulators onto the stack, and the loop ran at 39-40 GFLOPS against 88-91 (the same loop
     *                keeping the panel's bounds checks, for want of a constant stride, is not unrolled)
     * @param staging 12 vectors of this thread's own: row r's tokens at {@code 2 r} vectors
     */
    private static void panel6x2(MemorySegment w, long w0, long rowBytes, MemorySegment p, long p0, long step,
                                 int k, MemorySegment staging) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        long w4 = w3 + rowBytes;
        long w5 = w4 + rowBytes;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a40 = a00;
        FloatVector a41 = a00;
        FloatVector a50 = a00;
        FloatVector a51 = a00;
        for (int e = 0; e < k; e++) {
            long pe = p0 + e * step;
            FloatVector x0 = FloatVector.fromMemorySegment(F, p, pe, LE);
            FloatVector x1 = FloatVector.fromMemorySegment(F, p, pe + 4 * LANES, LE);
            FloatVector b = FloatVector.broadcast(F, w.get(FLOAT, w0 + 4L * e));
            a00 = b.fma(x0, a00);
            a01 = b.fma(x1, a01);
            b = FloatVector.broadcast(F, w.get(FLOAT, w1 + 4L * e));
            a10 = b.fma(x0, a10);
            a11 = b.fma(x1, a11);
            b = FloatVector.broadcast(F, w.get(FLOAT, w2 + 4L * e));
            a20 = b.fma(x0, a20);
            a21 = b.fma(x1, a21);
            b = FloatVector.broadcast(F, w.get(FLOAT, w3 + 4L * e));
            a30 = b.fma(x0, a30);
            a31 = b.fma(x1, a31);
            b = FloatVector.broadcast(F, w.get(FLOAT, w4 + 4L * e));
            a40 = b.fma(x0, a40);
            a41 = b.fma(x1, a41);
            b = FloatVector.broadcast(F, w.get(FLOAT, w5 + 4L * e));
            a50 = b.fma(x0, a50);
            a51 = b.fma(x1, a51);
        }
        a00.intoMemorySegment(staging, 0, LE);
        a01.intoMemorySegment(staging, 4 * LANES, LE);
        a10.intoMemorySegment(staging, 8 * LANES, LE);
        a11.intoMemorySegment(staging, 12 * LANES, LE);
        a20.intoMemorySegment(staging, 16 * LANES, LE);
        a21.intoMemorySegment(staging, 20 * LANES, LE);
        a30.intoMemorySegment(staging, 24 * LANES, LE);
        a31.intoMemorySegment(staging, 28 * LANES, LE);
        a40.intoMemorySegment(staging, 32 * LANES, LE);
        a41.intoMemorySegment(staging, 36 * LANES, LE);
        a50.intoMemorySegment(staging, 40 * LANES, LE);
        a51.intoMemorySegment(staging, 44 * LANES, LE);
    }

    /**
     * Writes {@link #panel6x2}'s staged outputs to {@code y}: each pair of rows interleaved per token, one long per
     * token and pair (a partial panel float by float). In a method of its own the loops run as fast as the same
     * code written out (Zen 3, one thread: 71-77 GFLOPS in 9 JVMs of 16, written out 71-76 in 6 of 8; the others
     * met the spread described in performance.md, session 14); inside {@link #panel6x2} they did not (56-72
     * against 76-78).
     */
    private static void storeStaged(MemorySegment staging, MemorySegment y, long y0, long yRowBytes, int tokens) {
        if (tokens < PANEL) {
            for (int l = 0; l < tokens; l++) {
                for (int r = 0; r < 6; r++) {
                    y.set(FLOAT, y0 + l * yRowBytes + 4L * r, staging.get(FLOAT, 8L * LANES * r + 4L * l));
                }
            }
            return;
        }
        for (int r = 0; r < 6; r += 2) {
            for (int v = 0; v < 2; v++) {
                FloatVector even = FloatVector.fromMemorySegment(F, staging, 4L * LANES * (2 * r + v), LE);
                FloatVector odd = FloatVector.fromMemorySegment(F, staging, 4L * LANES * (2 * r + 2 + v), LE);
                LongVector lo = even.rearrange(PAIR_LO).blend(odd.rearrange(PAIR_LO), ODD).reinterpretAsLongs();
                LongVector hi = even.rearrange(PAIR_HI).blend(odd.rearrange(PAIR_HI), ODD).reinterpretAsLongs();
                long yv = y0 + v * LANES * yRowBytes + 4L * r;
                for (int q = 0; q < LANES / 2; q++) {
                    y.set(PAIR, yv + q * yRowBytes, lo.lane(q));
                    y.set(PAIR, yv + (LANES / 2 + q) * yRowBytes, hi.lane(q));
                }
            }
        }
    }

    /**
     * Four weight rows times a panel of more than two vectors of tokens (33 to 64 at 512 bits): 16 FMAs per 8
     * loads. All four panel vectors are computed even for a partial panel (its lanes past {@code tokens} hold
     * whatever the buffer held and are never stored): a 4 x 48 kernel reading three of each panel row's four 64-byte
     * lines ran at about half speed (performance.md, session 5), slower than computing the fourth. Whole vectors of
     * tokens are stored through the register transpose, the vector a partial panel ends in lane by lane.
     */
    private static void panel4x4(MemorySegment w, long w0, long rowBytes, MemorySegment p, long p0, int k,
                                 MemorySegment y, long y0, long yRowBytes, int tokens) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a23 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        FloatVector a33 = a00;
        for (int e = 0; e < k; e++) {
            long pe = p0 + e * PANEL_STEP;
            FloatVector x0 = FloatVector.fromMemorySegment(F, p, pe, LE);
            FloatVector x1 = FloatVector.fromMemorySegment(F, p, pe + 4 * LANES, LE);
            FloatVector x2 = FloatVector.fromMemorySegment(F, p, pe + 8 * LANES, LE);
            FloatVector x3 = FloatVector.fromMemorySegment(F, p, pe + 12 * LANES, LE);
            FloatVector b = FloatVector.broadcast(F, w.get(FLOAT, w0 + 4L * e));
            a00 = b.fma(x0, a00);
            a01 = b.fma(x1, a01);
            a02 = b.fma(x2, a02);
            a03 = b.fma(x3, a03);
            b = FloatVector.broadcast(F, w.get(FLOAT, w1 + 4L * e));
            a10 = b.fma(x0, a10);
            a11 = b.fma(x1, a11);
            a12 = b.fma(x2, a12);
            a13 = b.fma(x3, a13);
            b = FloatVector.broadcast(F, w.get(FLOAT, w2 + 4L * e));
            a20 = b.fma(x0, a20);
            a21 = b.fma(x1, a21);
            a22 = b.fma(x2, a22);
            a23 = b.fma(x3, a23);
            b = FloatVector.broadcast(F, w.get(FLOAT, w3 + 4L * e));
            a30 = b.fma(x0, a30);
            a31 = b.fma(x1, a31);
            a32 = b.fma(x2, a32);
            a33 = b.fma(x3, a33);
        }
        // Transpose in registers: for each token, the four rows' outputs become one 4-lane store, masked to its
        // quarter of the vector (at 4 lanes, the whole vector). Lane-by-lane stores cost as much as the whole k loop
        // when k is 256, and 128-bit reinterpretShape stores made C2 take seconds to compile this method. Kept
        // inline: a helper taking the accumulators is a cold call C2 may not inline, and every vector passed to it
        // is boxed.
        FloatVector lo01;
        FloatVector hi01;
        FloatVector lo23;
        FloatVector hi23;
        FloatVector t0;
        FloatVector t1;
        FloatVector t2;
        FloatVector t3;
        // Tokens 0 to LANES - 1.
        lo01 = a00.rearrange(PAIR_LO).blend(a10.rearrange(PAIR_LO), ODD);
        hi01 = a00.rearrange(PAIR_HI).blend(a10.rearrange(PAIR_HI), ODD);
        lo23 = a20.rearrange(PAIR_LO).blend(a30.rearrange(PAIR_LO), ODD);
        hi23 = a20.rearrange(PAIR_HI).blend(a30.rearrange(PAIR_HI), ODD);
        t0 = lo01.rearrange(QUAD_LO).blend(lo23.rearrange(QUAD_LO), UPPER_PAIRS);
        t1 = lo01.rearrange(QUAD_HI).blend(lo23.rearrange(QUAD_HI), UPPER_PAIRS);
        t2 = hi01.rearrange(QUAD_LO).blend(hi23.rearrange(QUAD_LO), UPPER_PAIRS);
        t3 = hi01.rearrange(QUAD_HI).blend(hi23.rearrange(QUAD_HI), UPPER_PAIRS);
        if (MASKED) {
            t0.intoMemorySegment(y, y0, LE, QUARTER_0);
            t0.intoMemorySegment(y, y0 + yRowBytes - 16, LE, QUARTER_1);
            if (GROUP == 4) {
                t0.intoMemorySegment(y, y0 + 2 * yRowBytes - 32, LE, QUARTER_2);
                t0.intoMemorySegment(y, y0 + 3 * yRowBytes - 48, LE, QUARTER_3);
            }
            t1.intoMemorySegment(y, y0 + GROUP * yRowBytes, LE, QUARTER_0);
            t1.intoMemorySegment(y, y0 + (GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
            if (GROUP == 4) {
                t1.intoMemorySegment(y, y0 + (GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                t1.intoMemorySegment(y, y0 + (GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
            }
            t2.intoMemorySegment(y, y0 + 2 * GROUP * yRowBytes, LE, QUARTER_0);
            t2.intoMemorySegment(y, y0 + (2 * GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
            if (GROUP == 4) {
                t2.intoMemorySegment(y, y0 + (2 * GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                t2.intoMemorySegment(y, y0 + (2 * GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
            }
            t3.intoMemorySegment(y, y0 + 3 * GROUP * yRowBytes, LE, QUARTER_0);
            t3.intoMemorySegment(y, y0 + (3 * GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
            if (GROUP == 4) {
                t3.intoMemorySegment(y, y0 + (3 * GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                t3.intoMemorySegment(y, y0 + (3 * GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
            }
        } else {
            t0.intoMemorySegment(y, y0, LE);
            t1.intoMemorySegment(y, y0 + GROUP * yRowBytes, LE);
            t2.intoMemorySegment(y, y0 + 2 * GROUP * yRowBytes, LE);
            t3.intoMemorySegment(y, y0 + 3 * GROUP * yRowBytes, LE);
        }
        // Tokens LANES to 2 LANES - 1.
        lo01 = a01.rearrange(PAIR_LO).blend(a11.rearrange(PAIR_LO), ODD);
        hi01 = a01.rearrange(PAIR_HI).blend(a11.rearrange(PAIR_HI), ODD);
        lo23 = a21.rearrange(PAIR_LO).blend(a31.rearrange(PAIR_LO), ODD);
        hi23 = a21.rearrange(PAIR_HI).blend(a31.rearrange(PAIR_HI), ODD);
        t0 = lo01.rearrange(QUAD_LO).blend(lo23.rearrange(QUAD_LO), UPPER_PAIRS);
        t1 = lo01.rearrange(QUAD_HI).blend(lo23.rearrange(QUAD_HI), UPPER_PAIRS);
        t2 = hi01.rearrange(QUAD_LO).blend(hi23.rearrange(QUAD_LO), UPPER_PAIRS);
        t3 = hi01.rearrange(QUAD_HI).blend(hi23.rearrange(QUAD_HI), UPPER_PAIRS);
        if (MASKED) {
            t0.intoMemorySegment(y, y0 + LANES * yRowBytes, LE, QUARTER_0);
            t0.intoMemorySegment(y, y0 + (LANES + 1) * yRowBytes - 16, LE, QUARTER_1);
            if (GROUP == 4) {
                t0.intoMemorySegment(y, y0 + (LANES + 2) * yRowBytes - 32, LE, QUARTER_2);
                t0.intoMemorySegment(y, y0 + (LANES + 3) * yRowBytes - 48, LE, QUARTER_3);
            }
            t1.intoMemorySegment(y, y0 + (LANES + GROUP) * yRowBytes, LE, QUARTER_0);
            t1.intoMemorySegment(y, y0 + (LANES + GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
            if (GROUP == 4) {
                t1.intoMemorySegment(y, y0 + (LANES + GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                t1.intoMemorySegment(y, y0 + (LANES + GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
            }
            t2.intoMemorySegment(y, y0 + (LANES + 2 * GROUP) * yRowBytes, LE, QUARTER_0);
            t2.intoMemorySegment(y, y0 + (LANES + 2 * GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
            if (GROUP == 4) {
                t2.intoMemorySegment(y, y0 + (LANES + 2 * GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                t2.intoMemorySegment(y, y0 + (LANES + 2 * GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
            }
            t3.intoMemorySegment(y, y0 + (LANES + 3 * GROUP) * yRowBytes, LE, QUARTER_0);
            t3.intoMemorySegment(y, y0 + (LANES + 3 * GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
            if (GROUP == 4) {
                t3.intoMemorySegment(y, y0 + (LANES + 3 * GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                t3.intoMemorySegment(y, y0 + (LANES + 3 * GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
            }
        } else {
            t0.intoMemorySegment(y, y0 + LANES * yRowBytes, LE);
            t1.intoMemorySegment(y, y0 + (LANES + GROUP) * yRowBytes, LE);
            t2.intoMemorySegment(y, y0 + (LANES + 2 * GROUP) * yRowBytes, LE);
            t3.intoMemorySegment(y, y0 + (LANES + 3 * GROUP) * yRowBytes, LE);
        }
        // Tokens 2 LANES to 3 LANES - 1.
        if (tokens >= 3 * LANES) {
            lo01 = a02.rearrange(PAIR_LO).blend(a12.rearrange(PAIR_LO), ODD);
            hi01 = a02.rearrange(PAIR_HI).blend(a12.rearrange(PAIR_HI), ODD);
            lo23 = a22.rearrange(PAIR_LO).blend(a32.rearrange(PAIR_LO), ODD);
            hi23 = a22.rearrange(PAIR_HI).blend(a32.rearrange(PAIR_HI), ODD);
            t0 = lo01.rearrange(QUAD_LO).blend(lo23.rearrange(QUAD_LO), UPPER_PAIRS);
            t1 = lo01.rearrange(QUAD_HI).blend(lo23.rearrange(QUAD_HI), UPPER_PAIRS);
            t2 = hi01.rearrange(QUAD_LO).blend(hi23.rearrange(QUAD_LO), UPPER_PAIRS);
            t3 = hi01.rearrange(QUAD_HI).blend(hi23.rearrange(QUAD_HI), UPPER_PAIRS);
            if (MASKED) {
                t0.intoMemorySegment(y, y0 + 2 * LANES * yRowBytes, LE, QUARTER_0);
                t0.intoMemorySegment(y, y0 + (2 * LANES + 1) * yRowBytes - 16, LE, QUARTER_1);
                if (GROUP == 4) {
                    t0.intoMemorySegment(y, y0 + (2 * LANES + 2) * yRowBytes - 32, LE, QUARTER_2);
                    t0.intoMemorySegment(y, y0 + (2 * LANES + 3) * yRowBytes - 48, LE, QUARTER_3);
                }
                t1.intoMemorySegment(y, y0 + (2 * LANES + GROUP) * yRowBytes, LE, QUARTER_0);
                t1.intoMemorySegment(y, y0 + (2 * LANES + GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
                if (GROUP == 4) {
                    t1.intoMemorySegment(y, y0 + (2 * LANES + GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                    t1.intoMemorySegment(y, y0 + (2 * LANES + GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
                }
                t2.intoMemorySegment(y, y0 + (2 * LANES + 2 * GROUP) * yRowBytes, LE, QUARTER_0);
                t2.intoMemorySegment(y, y0 + (2 * LANES + 2 * GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
                if (GROUP == 4) {
                    t2.intoMemorySegment(y, y0 + (2 * LANES + 2 * GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                    t2.intoMemorySegment(y, y0 + (2 * LANES + 2 * GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
                }
                t3.intoMemorySegment(y, y0 + (2 * LANES + 3 * GROUP) * yRowBytes, LE, QUARTER_0);
                t3.intoMemorySegment(y, y0 + (2 * LANES + 3 * GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
                if (GROUP == 4) {
                    t3.intoMemorySegment(y, y0 + (2 * LANES + 3 * GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                    t3.intoMemorySegment(y, y0 + (2 * LANES + 3 * GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
                }
            } else {
                t0.intoMemorySegment(y, y0 + 2 * LANES * yRowBytes, LE);
                t1.intoMemorySegment(y, y0 + (2 * LANES + GROUP) * yRowBytes, LE);
                t2.intoMemorySegment(y, y0 + (2 * LANES + 2 * GROUP) * yRowBytes, LE);
                t3.intoMemorySegment(y, y0 + (2 * LANES + 3 * GROUP) * yRowBytes, LE);
            }
        } else {
            for (int l = 0; l < tokens - 2 * LANES; l++) {
                long r = y0 + (2 * LANES + l) * yRowBytes;
                y.set(FLOAT, r, a02.lane(l));
                y.set(FLOAT, r + 4, a12.lane(l));
                y.set(FLOAT, r + 8, a22.lane(l));
                y.set(FLOAT, r + 12, a32.lane(l));
            }
            return;
        }
        // Tokens 3 LANES to PANEL - 1.
        if (tokens == PANEL) {
            lo01 = a03.rearrange(PAIR_LO).blend(a13.rearrange(PAIR_LO), ODD);
            hi01 = a03.rearrange(PAIR_HI).blend(a13.rearrange(PAIR_HI), ODD);
            lo23 = a23.rearrange(PAIR_LO).blend(a33.rearrange(PAIR_LO), ODD);
            hi23 = a23.rearrange(PAIR_HI).blend(a33.rearrange(PAIR_HI), ODD);
            t0 = lo01.rearrange(QUAD_LO).blend(lo23.rearrange(QUAD_LO), UPPER_PAIRS);
            t1 = lo01.rearrange(QUAD_HI).blend(lo23.rearrange(QUAD_HI), UPPER_PAIRS);
            t2 = hi01.rearrange(QUAD_LO).blend(hi23.rearrange(QUAD_LO), UPPER_PAIRS);
            t3 = hi01.rearrange(QUAD_HI).blend(hi23.rearrange(QUAD_HI), UPPER_PAIRS);
            if (MASKED) {
                t0.intoMemorySegment(y, y0 + 3 * LANES * yRowBytes, LE, QUARTER_0);
                t0.intoMemorySegment(y, y0 + (3 * LANES + 1) * yRowBytes - 16, LE, QUARTER_1);
                if (GROUP == 4) {
                    t0.intoMemorySegment(y, y0 + (3 * LANES + 2) * yRowBytes - 32, LE, QUARTER_2);
                    t0.intoMemorySegment(y, y0 + (3 * LANES + 3) * yRowBytes - 48, LE, QUARTER_3);
                }
                t1.intoMemorySegment(y, y0 + (3 * LANES + GROUP) * yRowBytes, LE, QUARTER_0);
                t1.intoMemorySegment(y, y0 + (3 * LANES + GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
                if (GROUP == 4) {
                    t1.intoMemorySegment(y, y0 + (3 * LANES + GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                    t1.intoMemorySegment(y, y0 + (3 * LANES + GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
                }
                t2.intoMemorySegment(y, y0 + (3 * LANES + 2 * GROUP) * yRowBytes, LE, QUARTER_0);
                t2.intoMemorySegment(y, y0 + (3 * LANES + 2 * GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
                if (GROUP == 4) {
                    t2.intoMemorySegment(y, y0 + (3 * LANES + 2 * GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                    t2.intoMemorySegment(y, y0 + (3 * LANES + 2 * GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
                }
                t3.intoMemorySegment(y, y0 + (3 * LANES + 3 * GROUP) * yRowBytes, LE, QUARTER_0);
                t3.intoMemorySegment(y, y0 + (3 * LANES + 3 * GROUP + 1) * yRowBytes - 16, LE, QUARTER_1);
                if (GROUP == 4) {
                    t3.intoMemorySegment(y, y0 + (3 * LANES + 3 * GROUP + 2) * yRowBytes - 32, LE, QUARTER_2);
                    t3.intoMemorySegment(y, y0 + (3 * LANES + 3 * GROUP + 3) * yRowBytes - 48, LE, QUARTER_3);
                }
            } else {
                t0.intoMemorySegment(y, y0 + 3 * LANES * yRowBytes, LE);
                t1.intoMemorySegment(y, y0 + (3 * LANES + GROUP) * yRowBytes, LE);
                t2.intoMemorySegment(y, y0 + (3 * LANES + 2 * GROUP) * yRowBytes, LE);
                t3.intoMemorySegment(y, y0 + (3 * LANES + 3 * GROUP) * yRowBytes, LE);
            }
        } else {
            for (int l = 0; l < tokens - 3 * LANES; l++) {
                long r = y0 + (3 * LANES + l) * yRowBytes;
                y.set(FLOAT, r, a03.lane(l));
                y.set(FLOAT, r + 4, a13.lane(l));
                y.set(FLOAT, r + 8, a23.lane(l));
                y.set(FLOAT, r + 12, a33.lane(l));
            }
        }
    }

    /**
     * Four weight rows times a partial panel of 17 to 32 tokens: 8 FMAs per 6 loads, where two calls of
     * {@link #panel4x1} take 8 per 10. Loading the panel row's two other lines as well, to keep the hardware
     * prefetcher on, made it slower (the panels are in L2, whose bandwidth it then spends).
     */
    private static void panel4x2(MemorySegment w, long w0, long rowBytes, MemorySegment p, long p0, int k,
                                 MemorySegment y, long y0, long yRowBytes, int tokens) {
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        for (int e = 0; e < k; e++) {
            long pe = p0 + e * PANEL_STEP;
            FloatVector x0 = FloatVector.fromMemorySegment(F, p, pe, LE);
            FloatVector x1 = FloatVector.fromMemorySegment(F, p, pe + 4 * LANES, LE);
            FloatVector b = FloatVector.broadcast(F, w.get(FLOAT, w0 + 4L * e));
            a00 = b.fma(x0, a00);
            a01 = b.fma(x1, a01);
            b = FloatVector.broadcast(F, w.get(FLOAT, w1 + 4L * e));
            a10 = b.fma(x0, a10);
            a11 = b.fma(x1, a11);
            b = FloatVector.broadcast(F, w.get(FLOAT, w2 + 4L * e));
            a20 = b.fma(x0, a20);
            a21 = b.fma(x1, a21);
            b = FloatVector.broadcast(F, w.get(FLOAT, w3 + 4L * e));
            a30 = b.fma(x0, a30);
            a31 = b.fma(x1, a31);
        }
        for (int l = 0; l < LANES; l++) {
            long r = y0 + l * yRowBytes;
            y.set(FLOAT, r, a00.lane(l));
            y.set(FLOAT, r + 4, a10.lane(l));
            y.set(FLOAT, r + 8, a20.lane(l));
            y.set(FLOAT, r + 12, a30.lane(l));
        }
        for (int l = 0; l < tokens - LANES; l++) {
            long r = y0 + (LANES + l) * yRowBytes;
            y.set(FLOAT, r, a01.lane(l));
            y.set(FLOAT, r + 4, a11.lane(l));
            y.set(FLOAT, r + 8, a21.lane(l));
            y.set(FLOAT, r + 12, a31.lane(l));
        }
    }

    /** Four weight rows times a partial panel of 1 to 16 tokens. */
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
            long pe = p0 + e * PANEL_STEP;
            FloatVector x = FloatVector.fromMemorySegment(F, p, pe, LE);
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
     * Four weight rows {@code rowBytes} apart against one activation row, {@code k} a multiple of {@code 4 L}: each row
     * has {@link #dotRow}'s four accumulators and sums them as it does, so a row's bits do not depend on which of the
     * two took it (rows split across workers anywhere give the same results). Each activation vector is loaded once
     * for the four rows.
     */
    private static void dot4Rows(MemorySegment w, long w0, long rowBytes, MemorySegment x, long x0, int k,
                                 MemorySegment y, long y0) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector c2 = a0;
        FloatVector c3 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        FloatVector d2 = a0;
        FloatVector d3 = a0;
        long w1 = w0 + rowBytes;
        long w2 = w1 + rowBytes;
        long w3 = w2 + rowBytes;
        long bytes = 4L * k;
        for (long b = 0; b < bytes; b += 16 * LANES) {
            FloatVector x0v = FloatVector.fromMemorySegment(F, x, x0 + b, LE);
            FloatVector x1v = FloatVector.fromMemorySegment(F, x, x0 + b + 4 * LANES, LE);
            FloatVector x2v = FloatVector.fromMemorySegment(F, x, x0 + b + 8 * LANES, LE);
            FloatVector x3v = FloatVector.fromMemorySegment(F, x, x0 + b + 12 * LANES, LE);
            a0 = FloatVector.fromMemorySegment(F, w, w0 + b, LE).fma(x0v, a0);
            a1 = FloatVector.fromMemorySegment(F, w, w0 + b + 4 * LANES, LE).fma(x1v, a1);
            a2 = FloatVector.fromMemorySegment(F, w, w0 + b + 8 * LANES, LE).fma(x2v, a2);
            a3 = FloatVector.fromMemorySegment(F, w, w0 + b + 12 * LANES, LE).fma(x3v, a3);
            b0 = FloatVector.fromMemorySegment(F, w, w1 + b, LE).fma(x0v, b0);
            b1 = FloatVector.fromMemorySegment(F, w, w1 + b + 4 * LANES, LE).fma(x1v, b1);
            b2 = FloatVector.fromMemorySegment(F, w, w1 + b + 8 * LANES, LE).fma(x2v, b2);
            b3 = FloatVector.fromMemorySegment(F, w, w1 + b + 12 * LANES, LE).fma(x3v, b3);
            c0 = FloatVector.fromMemorySegment(F, w, w2 + b, LE).fma(x0v, c0);
            c1 = FloatVector.fromMemorySegment(F, w, w2 + b + 4 * LANES, LE).fma(x1v, c1);
            c2 = FloatVector.fromMemorySegment(F, w, w2 + b + 8 * LANES, LE).fma(x2v, c2);
            c3 = FloatVector.fromMemorySegment(F, w, w2 + b + 12 * LANES, LE).fma(x3v, c3);
            d0 = FloatVector.fromMemorySegment(F, w, w3 + b, LE).fma(x0v, d0);
            d1 = FloatVector.fromMemorySegment(F, w, w3 + b + 4 * LANES, LE).fma(x1v, d1);
            d2 = FloatVector.fromMemorySegment(F, w, w3 + b + 8 * LANES, LE).fma(x2v, d2);
            d3 = FloatVector.fromMemorySegment(F, w, w3 + b + 12 * LANES, LE).fma(x3v, d3);
        }
        y.set(FLOAT, y0, a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + 4, b0.add(b1).add(b2.add(b3)).reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + 8, c0.add(c1).add(c2.add(c3)).reduceLanes(VectorOperators.ADD));
        y.set(FLOAT, y0 + 12, d0.add(d1).add(d2.add(d3)).reduceLanes(VectorOperators.ADD));
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
            if (MASKED) {
                VectorMask<Float> m = F.indexInRange(b / 4, k);
                a1 = FloatVector.fromMemorySegment(F, w, w0 + b, LE, m)
                        .fma(FloatVector.fromMemorySegment(F, x, x0 + b, LE, m), a1);
            } else {
                // Written to keep the tail's values dead after this block, as in the masked form: what a method
                // keeps live at its safepoints is decided on the bytecode, before the branch folds.
                float s = a1.lane(0);
                for (; b < bytes; b += 4) {
                    s = Math.fma(w.get(FLOAT, w0 + b), x.get(FLOAT, x0 + b), s);
                }
                a1 = a1.withLane(0, s);
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
