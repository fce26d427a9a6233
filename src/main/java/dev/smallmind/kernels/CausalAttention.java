package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Attention of up to {@value #ROWS} query rows of one KV head at once, against keys stored in blocks of one vector
 * of positions ({@link #storeKey}): a prompt's consecutive rows of one head (row r attends to positions
 * {@code [0, firstLen + r)}, {@link #attendRows}), or one token's query heads that share a KV head, over a range of
 * positions ({@link #attendPart}). {@link Attention#attend} serves one query at a time with one horizontal sum
 * per score; here one row's scores for a whole vector of positions come from {@code headDim} FMAs with the
 * query's elements broadcast, and the rows share every key and value load.
 *
 * <p>Arithmetic per row: {@code s[p] = dot(q, K[p]) * scale} summed over {@code d} in order, then
 * {@link Softmax}'s max, exp and normalization (as {@link Attention#attend}), then {@code out = sum_p s[p] * V[p]}
 * in position order, as {@link Attention#attend}. Only the order of the dot product's sum differs from it. Decode
 * steps attend in parts over ranges of positions ({@link #attendPart}, {@link #combine}): there the normalization
 * comes after the weighted sum, once per part. Scalar twin: {@link AttentionReference}, row by row.
 *
 * <p>Keys and values are F16 or F32, as the cache was made ({@code eb}: bytes per element, {@link #storeKey},
 * {@link #storeValues}); the loops that read the cache are written once per width, {@link F16CacheAttention} (which
 * widens F16 to floats as it loads) and {@link F32CacheAttention}, so that sessions of both types can run in one JVM
 * without allocating. Every product and sum stays F32. Decode at depth reads the whole cache every token, from DRAM,
 * and half the bytes took 0.6-0.8x the time. A value beyond F16's range (65504) is refused at store, naming it,
 * rather than kept as an infinity.
 */
public final class CausalAttention {
    /** Query rows per call. */
    public static final int ROWS = 4;
    /** Bytes of an F16 cache element. */
    public static final int HALF_BYTES = 2;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final float HALF_MAX = 65504f;
    private static final ByteOrder LE = F32.ORDER;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

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
     * @param eb        bytes per element: {@link #HALF_BYTES} (F16) or 4 (F32)
     * @return bytes of the key blocks of one head for that many positions
     */
    public static long keyBlockBytes(int headDim, int positions, int eb) {
        return (long) eb * headDim * paddedPositions(positions);
    }

    /**
     * @param positions cache positions
     * @return bytes of the score scratch of one {@link #attendRows} call
     */
    public static long scoreBytes(int positions) {
        return 4L * ROWS * paddedPositions(positions);
    }

    /**
     * Writes one position's key of one head into its block, as F16: element d of position p goes to element
     * {@code (p / L * headDim + d) * L + p % L} (L = vector lanes), so a block of L positions is {@code headDim}
     * consecutive vectors' worth.
     *
     * @param key      the key, headDim floats
     * @param keyOff   its byte offset
     * @param headDim  floats per head (see {@link #supports})
     * @param position cache position
     * @param kt       blocked keys of this head
     * @param ktOff    their byte offset (position 0)
     * @param eb       bytes per cache element: {@link #HALF_BYTES} (F16) or 4 (F32)
     * @throws IllegalArgumentException when an F16 element is beyond F16's range (or not a number)
     */
    public static void storeKey(MemorySegment key, long keyOff, int headDim, int position, MemorySegment kt,
                                long ktOff, int eb) {
        requireSupported(headDim);
        if (position < 0) {
            throw KernelText.negativePosition(position);
        }
        long dst = ktOff + (long) eb * ((long) position / LANES * headDim * LANES + position % LANES);
        Operands.requireFloats(Operand.KEY, key, keyOff, headDim);
        Operands.requireElements(Operand.KEY_BLOCK, kt, dst - (long) eb * (position % LANES),
                (long) headDim * LANES, eb);
        for (int d = 0; d < headDim; d++) {
            float x = key.get(F32.LAYOUT, keyOff + 4L * d);
            long at = dst + (long) eb * d * LANES;
            if (eb == HALF_BYTES) {
                kt.set(F16, at, half(Operand.KEY, x, d, position));
            } else {
                kt.set(F32.LAYOUT, at, x);
            }
        }
    }

    /**
     * Writes {@code n} values of one position as F16.
     *
     * @param x        the values, floats
     * @param xOff     their byte offset
     * @param n        how many
     * @param position cache position (for the message)
     * @param v        value cache
     * @param vOff     byte offset of the first value
     * @param eb       bytes per cache element: {@link #HALF_BYTES} (F16) or 4 (F32)
     * @throws IllegalArgumentException when an F16 element is beyond F16's range (or not a number)
     */
    public static void storeValues(MemorySegment x, long xOff, int n, int position, MemorySegment v, long vOff, int eb) {
        Operands.requireFloats(Operand.VALUES, x, xOff, n);
        Operands.requireElements(Operand.VALUE_ROW, v, vOff, n, eb);
        if (eb != HALF_BYTES) {
            MemorySegment.copy(x, xOff, v, vOff, 4L * n);
            return;
        }
        for (int i = 0; i < n; i++) {
            v.set(F16, vOff + (long) eb * i, half(Operand.VALUE, x.get(F32.LAYOUT, xOff + 4L * i), i, position));
        }
    }

    private static short half(Operand what, float x, int element, int position) {
        if (!(Math.abs(x) <= HALF_MAX)) {
            throw KernelText.beyondHalf(what, x, element, position);
        }
        return Float.floatToFloat16(x);
    }

    /**
     * Attention of {@code rows} consecutive tokens' query rows of one head; row r attends to positions
     * {@code [0, firstLen + r)}.
     *
     * @param q           query rows
     * @param qOff        byte offset of row 0's element 0
     * @param qRowBytes   bytes between query rows
     * @param rows        1 to {@value #ROWS}
     * @param firstLen    positions row 0 attends to, >= 1
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
     * @param eb          bytes per cache element: {@link #HALF_BYTES} (F16) or 4 (F32)
     */
    public static void attendRows(MemorySegment q, long qOff, long qRowBytes, int rows, int firstLen,
                                  MemorySegment kt, long ktOff, MemorySegment v, long vBase, long vRowBytes,
                                  int headDim, float scale, MemorySegment scores, long scoresOff,
                                  MemorySegment out, long outOff, long outRowBytes, int eb) {
        requireSupported(headDim);
        if (rows < 1 || rows > ROWS) {
            throw KernelText.attentionRows(rows, ROWS);
        }
        Operands.requirePositive(Operand.ATTENTION_LENGTH, firstLen);
        int maxLen = firstLen + rows - 1;
        int stride = paddedPositions(maxLen);
        Operands.requireFloats(Operand.Q, q, qOff, headDim);
        Operands.requireFloats(Operand.Q_LAST_ROW, q, qOff + (rows - 1) * qRowBytes, headDim);
        Operands.requireElements(Operand.KEY_BLOCKS, kt, ktOff, (long) headDim * stride, eb);
        Operands.requireElements(Operand.V_FIRST, v, vBase, headDim, eb);
        Operands.requireElements(Operand.V_LAST, v, vBase + (maxLen - 1) * vRowBytes, headDim, eb);
        Operands.requireFloats(Operand.SCORES, scores, scoresOff, (long) ROWS * stride);
        Operands.requireFloats(Operand.OUT, out, outOff, headDim);
        Operands.requireFloats(Operand.OUT_LAST_ROW, out, outOff + (rows - 1) * outRowBytes, headDim);
        // Rows past `rows` repeat the last one: computed alongside, never normalized on their own. Positions past a
        // row's length, up to the block's end, get scores that are never read (possibly from stale cache rows).
        if (rows == 1) {
            attendOneRow(q, qOff, firstLen, kt, ktOff, v, vBase, vRowBytes, headDim, scale, scores, scoresOff, out,
                    outOff, eb);
            return;
        }
        long q1 = qOff + Math.min(1, rows - 1) * qRowBytes;
        long q2 = qOff + Math.min(2, rows - 1) * qRowBytes;
        long q3 = qOff + Math.min(3, rows - 1) * qRowBytes;
        long rowBytes = 4L * stride;
        scores(q, qOff, q1, q2, q3, kt, ktOff, headDim, maxLen, scale, scores, scoresOff, rowBytes, eb);
        for (int r = 0; r < rows; r++) {
            long row = scoresOff + r * rowBytes;
            int len = firstLen + r;
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
        // their bounds checks on the profile of 4-row calls, and the check of a missing fourth row then failed on
        // the first call with fewer rows (a deoptimization: that step ran interpreted and allocated).
        long o1 = outOff + Math.min(1, rows - 1) * outRowBytes;
        long o2 = outOff + Math.min(2, rows - 1) * outRowBytes;
        long o3 = outOff + Math.min(3, rows - 1) * outRowBytes;
        weightedSums(scores, scoresOff, s1, s2, s3, v, vBase, vRowBytes, headDim, maxLen, out, outOff, o1, o2, o3, eb);
    }

    /**
     * @param headDim floats per head
     * @return bytes of one row's part ({@link #attendPart}): the unnormalized output, then the row's largest score
     *         and its sum of exponentials, padded to a whole vector
     */
    public static long partBytes(int headDim) {
        return 4L * (headDim + LANES);
    }

    /**
     * One token's query rows sharing a KV head, over positions {@code [from, to)} only, left unnormalized: per row
     * the largest score {@code m}, {@code l = sum_p exp(s[p] - m)} and {@code o = sum_p exp(s[p] - m) V[p]}. Parts
     * over disjoint position ranges, computed by different workers, make the whole row's attention through
     * {@link #combine}: decode splits a long context this way, since one token's few KV heads are otherwise all the
     * work there is to share, and each worker then streams its own share of the cache.
     *
     * <p>The weighted sum keeps two vectors of {@code headDim} per row in registers (eight chains of FMAs) and
     * reads each value row once per pair of vectors.
     *
     * @param q          query rows
     * @param qOff       byte offset of row 0's element 0
     * @param qRowBytes  bytes between query rows
     * @param rows       1 to {@value #ROWS}
     * @param from       first position, a multiple of the vector length
     * @param to         one past the last position; {@code to <= from} is an empty part ({@code l = 0})
     * @param kt         blocked keys of this KV head, covering positions {@code [from, to)}
     * @param ktOff      their byte offset (position 0)
     * @param v          value cache
     * @param vBase      byte offset of V[0][0] of this head
     * @param vRowBytes  bytes between V[p] and V[p + 1]
     * @param headDim    floats per head (see {@link #supports})
     * @param scale      score multiplier
     * @param scores     scratch of {@link #scoreBytes}{@code (to - from)} bytes
     * @param scoresOff  its byte offset
     * @param part       where the parts go: row r's {@code o} at {@code partOff + r * partBytes(headDim)}, then
     *                   {@code m} and {@code l}
     * @param partOff    byte offset of row 0's part
     * @param eb         bytes per cache element: {@link #HALF_BYTES} (F16) or 4 (F32)
     */
    public static void attendPart(MemorySegment q, long qOff, long qRowBytes, int rows, int from, int to,
                                  MemorySegment kt, long ktOff, MemorySegment v, long vBase, long vRowBytes,
                                  int headDim, float scale, MemorySegment scores, long scoresOff,
                                  MemorySegment part, long partOff, int eb) {
        requireSupported(headDim);
        if (rows < 1 || rows > ROWS) {
            throw KernelText.attentionRows(rows, ROWS);
        }
        if (from < 0 || from % LANES != 0) {
            throw KernelText.partStart(from, LANES);
        }
        long pb = partBytes(headDim);
        Operands.requireFloats(Operand.PART, part, partOff, (rows - 1) * pb / 4 + headDim + 2);
        if (to <= from) {
            for (int r = 0; r < rows; r++) {
                long sums = partOff + r * pb + 4L * headDim;
                part.set(F32.LAYOUT, sums, Float.NEGATIVE_INFINITY);
                part.set(F32.LAYOUT, sums + 4, 0f);
            }
            return;
        }
        int n = to - from;
        long rowBytes = 4L * paddedPositions(n);
        long blocks = ktOff + (long) from / LANES * headDim * LANES * eb;
        Operands.requireFloats(Operand.Q, q, qOff, headDim);
        Operands.requireFloats(Operand.Q_LAST_ROW, q, qOff + (rows - 1) * qRowBytes, headDim);
        Operands.requireElements(Operand.KEY_BLOCKS, kt, blocks, (long) headDim * paddedPositions(n), eb);
        Operands.requireElements(Operand.V_FROM, v, vBase + from * vRowBytes, headDim, eb);
        Operands.requireElements(Operand.V_TO_LAST, v, vBase + (to - 1) * vRowBytes, headDim, eb);
        Operands.requireFloats(Operand.SCORES, scores, scoresOff, ROWS * rowBytes / 4);
        if (rows == 1) {
            // A head with a KV head of its own: four key blocks per pass instead of three repeated rows.
            oneRowScores(q, qOff, n, kt, blocks, headDim, scale, scores, scoresOff, eb);
            float max = Softmax.max(scores, scoresOff, n);
            double sum = Softmax.expInPlace(scores, scoresOff, n, max);
            part.set(F32.LAYOUT, partOff + 4L * headDim, max);
            part.set(F32.LAYOUT, partOff + 4L * headDim + 4, (float) sum);
            weightedRow(scores, scoresOff, v, vBase + from * vRowBytes, vRowBytes, headDim, n, part, partOff, eb);
            return;
        }
        long q1 = qOff + Math.min(1, rows - 1) * qRowBytes;
        long q2 = qOff + Math.min(2, rows - 1) * qRowBytes;
        long q3 = qOff + Math.min(3, rows - 1) * qRowBytes;
        scores(q, qOff, q1, q2, q3, kt, blocks, headDim, n, scale, scores, scoresOff, rowBytes, eb);
        for (int r = 0; r < rows; r++) {
            long row = scoresOff + r * rowBytes;
            float max = Softmax.max(scores, row, n);
            double sum = Softmax.expInPlace(scores, row, n, max);
            long sums = partOff + r * pb + 4L * headDim;
            part.set(F32.LAYOUT, sums, max);
            part.set(F32.LAYOUT, sums + 4, (float) sum);
        }
        long s1 = scoresOff + Math.min(1, rows - 1) * rowBytes;
        long s2 = scoresOff + Math.min(2, rows - 1) * rowBytes;
        long s3 = scoresOff + Math.min(3, rows - 1) * rowBytes;
        long o1 = partOff + Math.min(1, rows - 1) * pb;
        long o2 = partOff + Math.min(2, rows - 1) * pb;
        long o3 = partOff + Math.min(3, rows - 1) * pb;
        weightedSums(scores, scoresOff, s1, s2, s3, v, vBase + from * vRowBytes, vRowBytes, headDim, n, part, partOff,
                o1, o2, o3, eb);
    }

    /**
     * Four rows' weighted sums over {@code n} value rows from {@code vd}, {@code headDim} floats each into
     * {@code o0..o3}: two vectors of the head at a time, so eight FMA chains run side by side. With an odd number of
     * vectors the last pass takes the last vector twice and stores the same bits twice (see {@link #weightedRow}).
     */
    private static void weightedSums(MemorySegment scores, long s0, long s1, long s2, long s3, MemorySegment v,
                                     long vd, long vRowBytes, int headDim, int n, MemorySegment out, long o0, long o1,
                                     long o2, long o3, int eb) {
        int last = headDim / LANES - 1;
        for (int c = 0; c <= last; c += 2) {
            long vo = vd + (long) eb * LANES * c;
            long od = 4L * LANES * c;
            int next = Math.min(c + 1, last) - c;
            weightedPair(scores, s0, s1, s2, s3, v, vo, (long) eb * LANES * next, vRowBytes, n, out, o0 + od, o1 + od,
                    o2 + od, o3 + od, 4L * LANES * next, eb);
        }
    }

    /**
     * The loop of the cache's width: {@link F16CacheAttention#weightedRow} or {@link F32CacheAttention#weightedRow}.
     */
    private static void weightedRow(MemorySegment scores, long s, MemorySegment v, long vd, long vRowBytes,
                                    int headDim, int n, MemorySegment out, long o, int eb) {
        if (eb == HALF_BYTES) {
            F16CacheAttention.weightedRow(scores, s, v, vd, vRowBytes, headDim, n, out, o);
        } else {
            F32CacheAttention.weightedRow(scores, s, v, vd, vRowBytes, headDim, n, out, o);
        }
    }

    /**
     * The loop of the cache's width: {@link F16CacheAttention#weightedPair} or {@link F32CacheAttention#weightedPair}.
     */
    private static void weightedPair(MemorySegment scores, long s0, long s1, long s2, long s3, MemorySegment v,
                                     long vd, long second, long vRowBytes, int n, MemorySegment out, long o0, long o1,
                                     long o2, long o3, long outSecond, int eb) {
        if (eb == HALF_BYTES) {
            F16CacheAttention.weightedPair(scores, s0, s1, s2, s3, v, vd, second, vRowBytes, n, out, o0, o1, o2, o3,
                    outSecond);
        } else {
            F32CacheAttention.weightedPair(scores, s0, s1, s2, s3, v, vd, second, vRowBytes, n, out, o0, o1, o2, o3,
                    outSecond);
        }
    }

    /**
     * One row's attention from its parts ({@link #attendPart}): {@code out = sum_c exp(m_c - M) o_c / sum_c
     * exp(m_c - M) l_c}, {@code M} the largest {@code m_c}; empty parts are skipped. Each part's {@code m} is
     * overwritten with its weight.
     *
     * @param part       the row's first part
     * @param partOff    its byte offset
     * @param partStride bytes between the row's consecutive parts
     * @param parts      number of parts, at least one of them not empty
     * @param headDim    floats per head (see {@link #supports})
     * @param out        result row
     * @param outOff     its byte offset
     */
    public static void combine(MemorySegment part, long partOff, long partStride, int parts, int headDim,
                               MemorySegment out, long outOff) {
        requireSupported(headDim);
        Operands.requirePositive(Operand.PARTS, parts);
        Operands.requireFloats(Operand.PARTS, part, partOff, ((parts - 1) * partStride + partBytes(headDim)) / 4);
        Operands.requireFloats(Operand.OUT, out, outOff, headDim);
        long sums = partOff + 4L * headDim;
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < parts; c++) {
            if (part.get(F32.LAYOUT, sums + c * partStride + 4) != 0f) {
                max = Math.max(max, part.get(F32.LAYOUT, sums + c * partStride));
            }
        }
        if (max == Float.NEGATIVE_INFINITY) {
            throw KernelText.emptyParts(parts);
        }
        double total = 0;
        for (int c = 0; c < parts; c++) {
            long at = sums + c * partStride;
            float l = part.get(F32.LAYOUT, at + 4);
            float weight = l == 0f ? 0f : (float) Math.exp(part.get(F32.LAYOUT, at) - max);
            part.set(F32.LAYOUT, at, weight);
            total += (double) weight * l;
        }
        float norm = (float) (1.0 / total);
        for (int d = 0; d < headDim; d += LANES) {
            FloatVector acc = FloatVector.zero(F);
            for (int c = 0; c < parts; c++) {
                long at = partOff + c * partStride;
                float weight = part.get(F32.LAYOUT, sums + c * partStride);
                // Skips only parts without positions (their output was never written). A part whose weight
                // underflowed to 0, as at long contexts, is multiplied like the others: a branch on the weight,
                // never taken in the warm-up, sent C2 back to the interpreter mid-generation (about 1 MB of boxed
                // vectors over 3,000 tokens of stories260K).
                if (part.get(F32.LAYOUT, sums + c * partStride + 4) != 0f) {
                    acc = FloatVector.fromMemorySegment(F, part, at + 4L * d, LE)
                            .fma(FloatVector.broadcast(F, weight), acc);
                }
            }
            acc.mul(norm).intoMemorySegment(out, outOff + 4L * d, LE);
        }
    }

    /**
     * One row (a head that shares its KV head with no other): four blocks of positions per pass over the query, so
     * four FMA chains run side by side; then the weighted sum over V row by row, four vectors of the head at once.
     */
    private static void attendOneRow(MemorySegment q, long qOff, int len, MemorySegment kt, long ktOff,
                                     MemorySegment v, long vBase, long vRowBytes, int headDim, float scale,
                                     MemorySegment scores, long scoresOff, MemorySegment out, long outOff, int eb) {
        oneRowScores(q, qOff, len, kt, ktOff, headDim, scale, scores, scoresOff, eb);
        float max = Softmax.max(scores, scoresOff, len);
        double sum = Softmax.expInPlace(scores, scoresOff, len, max);
        ElementWise.scale(scores, scoresOff, (float) (1.0 / sum), scores, scoresOff, len);
        weightedRow(scores, scoresOff, v, vBase, vRowBytes, headDim, len, out, outOff, eb);
    }

    /**
     * The loop of the cache's width: {@link F16CacheAttention#oneRowScores} or {@link F32CacheAttention#oneRowScores}.
     */
    private static void oneRowScores(MemorySegment q, long qOff, int len, MemorySegment kt, long ktOff, int headDim,
                                     float scale, MemorySegment scores, long scoresOff, int eb) {
        if (eb == HALF_BYTES) {
            F16CacheAttention.oneRowScores(q, qOff, len, kt, ktOff, headDim, scale, scores, scoresOff);
        } else {
            F32CacheAttention.oneRowScores(q, qOff, len, kt, ktOff, headDim, scale, scores, scoresOff);
        }
    }

    /**
     * The loop of the cache's width: {@link F16CacheAttention#scores} or {@link F32CacheAttention#scores}.
     */
    private static void scores(MemorySegment q, long q0, long q1, long q2, long q3, MemorySegment kt, long ktOff,
                               int headDim, int maxLen, float scale, MemorySegment scores, long scoresOff,
                               long rowBytes, int eb) {
        if (eb == HALF_BYTES) {
            F16CacheAttention.scores(q, q0, q1, q2, q3, kt, ktOff, headDim, maxLen, scale, scores, scoresOff, rowBytes);
        } else {
            F32CacheAttention.scores(q, q0, q1, q2, q3, kt, ktOff, headDim, maxLen, scale, scores, scoresOff, rowBytes);
        }
    }

    private static void requireSupported(int headDim) {
        if (!supports(headDim)) {
            throw KernelText.blockedHeadSize(headDim, LANES);
        }
    }
}
