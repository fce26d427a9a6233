package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * F32 weights times F32 activations with the Vector API, in two forms.
 *
 * <p>Vectors are the preferred width ({@code F}, 128 to 512 bits); everything below is written in vectors, so the
 * figures in tokens are for 512 bits (16 lanes) and halve at 256 and again at 128. The 512-bit code is the tuned one;
 * {@code static final} switches ({@code MASKED}, {@code SPLIT}) select what a narrower width needs, and C2 folds the
 * branches not taken.
 *
 * <p><b>One token ({@code t = 1}, decode):</b> a memory-bound matrix-vector product, one weight row at a time with
 * four independent accumulators (see {@link #dotRow}); the last step is masked (scalar at 128 bits).
 *
 * <p><b>Several tokens (prefill GEMM):</b> compute bound. {@link #prepare} packs the activations into panels of
 * {@link #PANEL} tokens (four vectors: 64 at 512 bits), stored k-major: for each {@code e < k}, the panel's values
 * {@code x[j][e]} are contiguous. The micro-kernel then keeps {@value #ROWS} weight rows x {@code PANEL} tokens of
 * outputs in 16 vector registers and, per {@code e}, broadcasts one weight of each row and loads four panel
 * vectors: 16 FMAs for 8 loads, no lane reductions; at the end a 4 x 16 register transpose turns each token's
 * four outputs into one masked 4-lane store. (Panels of 48 tokens, 12 FMAs for 7 loads, ran pp128 20-35% slower
 * side by side in one JVM.) A partial last panel of 33 or more tokens takes the full kernel; 17-32 and 1-16
 * tokens take narrower ones. With AVX2's 16 vector registers the 16 accumulators run as two passes of 8
 * ({@code SPLIT}). This is the classic register-blocked SGEMM shape; the
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
     * Weight rows per micro-kernel: splitting rows across workers at multiples of this (the pool's grain) keeps
     * every row in a full block. Any split gives the same bits; this one is the fastest.
     */
    public static final int ROWS = 4;
    /**
     * Tokens per activation panel: four vectors, so 64 with 512-bit vectors, 32 with 256 and 16 with 128. What
     * {@link #preparedBytes} rounds the token count up to.
     */
    public static final int PANEL = 4 * LANES;
    private static final long PANEL_STEP = 4L * PANEL;
    /**
     * Whether masked vector loads and stores run as instructions at this width: AVX and AVX-512 have them; SSE and
     * NEON, the 128-bit cases, do not, and C2 leaves a masked store (and a masked load that may reach past the
     * segment's end) to the Vector API's Java code, which allocates. Without them the transposed outputs are
     * stored whole (one token each at 4 lanes) and the one-token tail is summed in scalar.
     */
    private static final boolean MASKED = LANES > 4;
    /**
     * Whether {@link #panel4x4} runs its 16 accumulators as two passes of 8 over halves of the panel: with AVX2
     * (256 bits on x86), whose 16 vector registers left 12 of the accumulators on the stack. AVX-512 and ARM (NEON,
     * SVE) have 32 registers. Not at 128 bits on x86 either, where C2 has no vector FMA (SSE, or AVX without AVX2):
     * there, with two passes, C1 compiled this method at tier 2 but not at tier 3, and a method left in tier-2 code
     * stays there, boxing every vector (see KernelWarmUp); with one pass both tiers compile it, and C2 takes over.
     */
    private static final boolean SPLIT = LANES == 8 && !"aarch64".equals(System.getProperty("os.arch"));
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
        if (SPLIT) {
            // Tokens 0 to 2 LANES - 1, then the rest: 8 accumulators in registers at a time (the first 8 wait on the
            // stack during the second loop), the weights read twice. The loops count panel bytes, not e: C2 does not
            // unroll a loop of a stride above 32 with AVX2, and unrolled, the loads it hoisted pushed accumulators
            // onto the stack. On Zen 4 at 256 bits (busy host): one pass of 16, 44-48 GFLOPS; two passes counting
            // e, 44-55; these, 57-63. (With unrolling off in C2 they ran at about 80: counting e keeps the weights'
            // bounds checks out of the loop, counting bytes does not, their offsets not being multiples of it.)
            // An int counter: k * PANEL_STEP fits up to k = 2^24.
            int rowEnd = k * (int) PANEL_STEP;
            long we = 0;
            for (int o = 0; o < rowEnd; o += (int) PANEL_STEP, we += 4) {
                long pe = p0 + o;
                FloatVector x0 = FloatVector.fromMemorySegment(F, p, pe, LE);
                FloatVector x1 = FloatVector.fromMemorySegment(F, p, pe + 4 * LANES, LE);
                FloatVector b = FloatVector.broadcast(F, w.get(FLOAT, w0 + we));
                a00 = b.fma(x0, a00);
                a01 = b.fma(x1, a01);
                b = FloatVector.broadcast(F, w.get(FLOAT, w1 + we));
                a10 = b.fma(x0, a10);
                a11 = b.fma(x1, a11);
                b = FloatVector.broadcast(F, w.get(FLOAT, w2 + we));
                a20 = b.fma(x0, a20);
                a21 = b.fma(x1, a21);
                b = FloatVector.broadcast(F, w.get(FLOAT, w3 + we));
                a30 = b.fma(x0, a30);
                a31 = b.fma(x1, a31);
            }
            we = 0;
            for (int o = 0; o < rowEnd; o += (int) PANEL_STEP, we += 4) {
                long pe = p0 + o;
                FloatVector x2 = FloatVector.fromMemorySegment(F, p, pe + 8 * LANES, LE);
                FloatVector x3 = FloatVector.fromMemorySegment(F, p, pe + 12 * LANES, LE);
                FloatVector b = FloatVector.broadcast(F, w.get(FLOAT, w0 + we));
                a02 = b.fma(x2, a02);
                a03 = b.fma(x3, a03);
                b = FloatVector.broadcast(F, w.get(FLOAT, w1 + we));
                a12 = b.fma(x2, a12);
                a13 = b.fma(x3, a13);
                b = FloatVector.broadcast(F, w.get(FLOAT, w2 + we));
                a22 = b.fma(x2, a22);
                a23 = b.fma(x3, a23);
                b = FloatVector.broadcast(F, w.get(FLOAT, w3 + we));
                a32 = b.fma(x2, a32);
                a33 = b.fma(x3, a33);
            }
        } else {
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
