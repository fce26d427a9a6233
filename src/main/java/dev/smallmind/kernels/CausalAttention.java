package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Attention of up to {@value #ROWS} query rows of one KV head at once, against keys stored in blocks of one vector
 * of positions ({@link #storeKey}): a prompt's consecutive rows of one head (row r attends to positions
 * {@code [0, firstLen + r)}), or one token's query heads that share a KV head (every row attends to
 * {@code [0, firstLen)}). {@link Attention#attend} serves one query at a time with one horizontal sum
 * per score; here one row's scores for a whole vector of positions come from {@code headDim} FMAs with the
 * query's elements broadcast, and the rows share every key and value load.
 *
 * <p>Arithmetic per row: {@code s[p] = dot(q, K[p]) * scale} summed over {@code d} in order, then
 * {@link Softmax}'s max, exp and normalization (as {@link Attention#attend}), then {@code out = sum_p s[p] * V[p]}
 * in position order, as {@link Attention#attend}. Only the order of the dot product's sum differs from it. Scalar
 * twin: {@link AttentionReference}, row by row.
 */
public final class CausalAttention {
    /** Query rows per call. */
    public static final int ROWS = 4;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final ByteOrder LE = F32.ORDER;

    private CausalAttention() {
    }

    /**
     * @param headDim floats per head
     * @return whether {@link #attendRows} handles this head size (a whole number of vectors)
     */
    public static boolean supports(int headDim) {
        return headDim > 0 && headDim % LANES == 0;
    }

    /**
     * @param positions cache positions
     * @return {@code positions} rounded up to whole vectors: the score row length and the key blocks' span
     */
    public static int paddedPositions(int positions) {
        return (positions + LANES - 1) / LANES * LANES;
    }

    /**
     * @param headDim   floats per head
     * @param positions cache positions
     * @return bytes of the key blocks of one head for that many positions
     */
    public static long keyBlockBytes(int headDim, int positions) {
        return 4L * headDim * paddedPositions(positions);
    }

    /**
     * @param positions cache positions
     * @return bytes of the score scratch of one {@link #attendRows} call
     */
    public static long scoreBytes(int positions) {
        return 4L * ROWS * paddedPositions(positions);
    }

    /**
     * Writes one position's key of one head into its block: element d of position p goes to float
     * {@code (p / L * headDim + d) * L + p % L} (L = vector lanes), so a block of L positions is {@code headDim}
     * consecutive vectors.
     *
     * @param key      the key, headDim floats
     * @param keyOff   its byte offset
     * @param headDim  floats per head (see {@link #supports})
     * @param position cache position
     * @param kt       blocked keys of this head
     * @param ktOff    their byte offset (position 0)
     */
    public static void storeKey(MemorySegment key, long keyOff, int headDim, int position, MemorySegment kt,
                                long ktOff) {
        requireSupported(headDim);
        if (position < 0) {
            throw new IllegalArgumentException("negative cache position " + position);
        }
        long dst = ktOff + 4L * ((long) position / LANES * headDim * LANES + position % LANES);
        Operands.requireFloats("key", key, keyOff, headDim);
        Operands.requireFloats("key block", kt, dst - 4L * (position % LANES), (long) headDim * LANES);
        for (int d = 0; d < headDim; d++) {
            kt.set(F32.LAYOUT, dst + 4L * d * LANES, key.get(F32.LAYOUT, keyOff + 4L * d));
        }
    }

    /**
     * Attention of {@code rows} query rows of one KV head; row r attends to positions
     * {@code [0, firstLen + r * lenStep)}.
     *
     * @param q           query rows
     * @param qOff        byte offset of row 0's element 0
     * @param qRowBytes   bytes between query rows
     * @param rows        1 to {@value #ROWS}
     * @param firstLen    positions row 0 attends to, >= 1
     * @param lenStep     1: consecutive tokens of one head; 0: heads of one token
     * @param kt          blocked keys of this KV head, covering every position attended to
     * @param ktOff       their byte offset
     * @param v           value cache
     * @param vBase       byte offset of V[0][0] of this head
     * @param vRowBytes   bytes between V[p] and V[p + 1]
     * @param headDim     floats per head (see {@link #supports})
     * @param scale       score multiplier, usually 1 / sqrt(headDim)
     * @param scores      scratch of {@link #scoreBytes} bytes for the positions attended to
     * @param scoresOff   its byte offset
     * @param out         result rows; must not overlap the inputs or the scratch
     * @param outOff      byte offset of row 0
     * @param outRowBytes bytes between result rows
     */
    public static void attendRows(MemorySegment q, long qOff, long qRowBytes, int rows, int firstLen, int lenStep,
                                  MemorySegment kt, long ktOff, MemorySegment v, long vBase, long vRowBytes,
                                  int headDim, float scale, MemorySegment scores, long scoresOff,
                                  MemorySegment out, long outOff, long outRowBytes) {
        requireSupported(headDim);
        if (rows < 1 || rows > ROWS) {
            throw new IllegalArgumentException("attention rows must be 1 to " + ROWS + ", got " + rows);
        }
        Operands.requirePositive("attention length", firstLen);
        if (lenStep != 0 && lenStep != 1) {
            throw new IllegalArgumentException("attention length step must be 0 or 1, got " + lenStep);
        }
        int maxLen = firstLen + (rows - 1) * lenStep;
        int stride = paddedPositions(maxLen);
        Operands.requireFloats("q", q, qOff, headDim);
        Operands.requireFloats("q[rows - 1]", q, qOff + (rows - 1) * qRowBytes, headDim);
        Operands.requireFloats("key blocks", kt, ktOff, (long) headDim * stride);
        Operands.requireFloats("V[0]", v, vBase, headDim);
        Operands.requireFloats("V[len - 1]", v, vBase + (maxLen - 1) * vRowBytes, headDim);
        Operands.requireFloats("scores", scores, scoresOff, (long) ROWS * stride);
        Operands.requireFloats("out", out, outOff, headDim);
        Operands.requireFloats("out[rows - 1]", out, outOff + (rows - 1) * outRowBytes, headDim);
        // Rows past `rows` repeat the last one: computed alongside, never normalized on their own. Positions past a
        // row's length, up to the block's end, get scores that are never read (possibly from stale cache rows).
        if (rows == 1) {
            attendOneRow(q, qOff, firstLen, kt, ktOff, v, vBase, vRowBytes, headDim, scale, scores, scoresOff, out,
                    outOff);
            return;
        }
        long q1 = qOff + Math.min(1, rows - 1) * qRowBytes;
        long q2 = qOff + Math.min(2, rows - 1) * qRowBytes;
        long q3 = qOff + Math.min(3, rows - 1) * qRowBytes;
        long rowBytes = 4L * stride;
        scores(q, qOff, q1, q2, q3, kt, ktOff, headDim, maxLen, scale, scores, scoresOff, rowBytes);
        for (int r = 0; r < rows; r++) {
            long row = scoresOff + r * rowBytes;
            int len = firstLen + r * lenStep;
            float max = Softmax.max(scores, row, len);
            double sum = Softmax.expInPlace(scores, row, len, max);
            ElementWise.scale(scores, row, (float) (1.0 / sum), scores, row, len);
            for (int p = len; p < maxLen; p++) {
                scores.set(F32.LAYOUT, row + 4L * p, 0f);
            }
        }
        long s1 = scoresOff + Math.min(1, rows - 1) * rowBytes;
        long s2 = scoresOff + Math.min(2, rows - 1) * rowBytes;
        long s3 = scoresOff + Math.min(3, rows - 1) * rowBytes;
        // A repeated row is stored too, over the last row with the same bits: conditional stores here let C2 hoist
        // their bounds checks on the profile of 4-row prompt steps, and the check of a missing fourth row then
        // failed on the first 3-head decode step (a deoptimization: that step ran interpreted and allocated).
        long o1 = outOff + Math.min(1, rows - 1) * outRowBytes;
        long o2 = outOff + Math.min(2, rows - 1) * outRowBytes;
        long o3 = outOff + Math.min(3, rows - 1) * outRowBytes;
        for (int d = 0; d < headDim; d += LANES) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            long vd = vBase + 4L * d;
            for (int p = 0; p < maxLen; p++) {
                FloatVector vp = FloatVector.fromMemorySegment(F, v, vd + p * vRowBytes, LE);
                long sp = 4L * p;
                a0 = vp.fma(FloatVector.broadcast(F, scores.get(F32.LAYOUT, scoresOff + sp)), a0);
                a1 = vp.fma(FloatVector.broadcast(F, scores.get(F32.LAYOUT, s1 + sp)), a1);
                a2 = vp.fma(FloatVector.broadcast(F, scores.get(F32.LAYOUT, s2 + sp)), a2);
                a3 = vp.fma(FloatVector.broadcast(F, scores.get(F32.LAYOUT, s3 + sp)), a3);
            }
            long od = 4L * d;
            a0.intoMemorySegment(out, outOff + od, LE);
            a1.intoMemorySegment(out, o1 + od, LE);
            a2.intoMemorySegment(out, o2 + od, LE);
            a3.intoMemorySegment(out, o3 + od, LE);
        }
    }

    /**
     * One row (a head that shares its KV head with no other): four blocks of positions per pass over the query, so
     * four FMA chains run side by side; then {@link Attention}'s weighted sum, which walks V row by row.
     */
    private static void attendOneRow(MemorySegment q, long qOff, int len, MemorySegment kt, long ktOff,
                                     MemorySegment v, long vBase, long vRowBytes, int headDim, float scale,
                                     MemorySegment scores, long scoresOff, MemorySegment out, long outOff) {
        long blockBytes = 4L * headDim * LANES;
        int blocks = (len + LANES - 1) / LANES;
        int b = 0;
        for (; b + 4 <= blocks; b += 4) {
            long k0 = ktOff + b * blockBytes;
            long k1 = k0 + blockBytes;
            long k2 = k1 + blockBytes;
            long k3 = k2 + blockBytes;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int d = 0; d < headDim; d++) {
                FloatVector qd = FloatVector.broadcast(F, q.get(F32.LAYOUT, qOff + 4L * d));
                long kd = 4L * d * LANES;
                a0 = qd.fma(FloatVector.fromMemorySegment(F, kt, k0 + kd, LE), a0);
                a1 = qd.fma(FloatVector.fromMemorySegment(F, kt, k1 + kd, LE), a1);
                a2 = qd.fma(FloatVector.fromMemorySegment(F, kt, k2 + kd, LE), a2);
                a3 = qd.fma(FloatVector.fromMemorySegment(F, kt, k3 + kd, LE), a3);
            }
            long s = scoresOff + 4L * b * LANES;
            a0.mul(scale).intoMemorySegment(scores, s, LE);
            a1.mul(scale).intoMemorySegment(scores, s + 4L * LANES, LE);
            a2.mul(scale).intoMemorySegment(scores, s + 8L * LANES, LE);
            a3.mul(scale).intoMemorySegment(scores, s + 12L * LANES, LE);
        }
        for (; b < blocks; b++) {
            long k0 = ktOff + b * blockBytes;
            FloatVector a = FloatVector.zero(F);
            for (int d = 0; d < headDim; d++) {
                a = FloatVector.broadcast(F, q.get(F32.LAYOUT, qOff + 4L * d))
                        .fma(FloatVector.fromMemorySegment(F, kt, k0 + 4L * d * LANES, LE), a);
            }
            a.mul(scale).intoMemorySegment(scores, scoresOff + 4L * b * LANES, LE);
        }
        float max = Softmax.max(scores, scoresOff, len);
        double sum = Softmax.expInPlace(scores, scoresOff, len, max);
        ElementWise.scale(scores, scoresOff, (float) (1.0 / sum), scores, scoresOff, len);
        Attention.weightedSum(v, vBase, vRowBytes, headDim, len, scores, scoresOff, out, outOff);
    }

    /** Scores of four query rows, one vector of positions at a time, into score rows {@code rowBytes} apart. */
    private static void scores(MemorySegment q, long q0, long q1, long q2, long q3, MemorySegment kt, long ktOff,
                               int headDim, int maxLen, float scale, MemorySegment scores, long scoresOff,
                               long rowBytes) {
        long blockBytes = 4L * headDim * LANES;
        for (int p = 0; p < maxLen; p += LANES) {
            long block = ktOff + (long) p / LANES * blockBytes;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int d = 0; d < headDim; d++) {
                FloatVector kd = FloatVector.fromMemorySegment(F, kt, block + 4L * d * LANES, LE);
                long qd = 4L * d;
                a0 = FloatVector.broadcast(F, q.get(F32.LAYOUT, q0 + qd)).fma(kd, a0);
                a1 = FloatVector.broadcast(F, q.get(F32.LAYOUT, q1 + qd)).fma(kd, a1);
                a2 = FloatVector.broadcast(F, q.get(F32.LAYOUT, q2 + qd)).fma(kd, a2);
                a3 = FloatVector.broadcast(F, q.get(F32.LAYOUT, q3 + qd)).fma(kd, a3);
            }
            long s = scoresOff + 4L * p;
            a0.mul(scale).intoMemorySegment(scores, s, LE);
            a1.mul(scale).intoMemorySegment(scores, s + rowBytes, LE);
            a2.mul(scale).intoMemorySegment(scores, s + 2 * rowBytes, LE);
            a3.mul(scale).intoMemorySegment(scores, s + 3 * rowBytes, LE);
        }
    }

    private static void requireSupported(int headDim) {
        if (!supports(headDim)) {
            throw new IllegalArgumentException("blocked attention needs a head size that is a multiple of "
                    + LANES + ", got " + headDim);
        }
    }
}
