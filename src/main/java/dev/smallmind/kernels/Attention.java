package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Scaled dot-product attention of one query row of one head against an F32 KV cache:
 * {@code s[p] = dot(q, K[p]) * scale} for {@code p in [0, len)}, {@code s = softmax(s)},
 * {@code out = sum_p s[p] * V[p]}. Causal prefill calls it per token with {@code len = pos + 1}; the graph
 * executor splits the (token, head) pairs across workers, each with its own score scratch.
 *
 * <p>Rows of K and V are {@code headDim} floats at {@code kBase + p * kRowBytes} and {@code vBase + p * vRowBytes}
 * (the caller adds the head's offset inside a cache row). Scores: four positions at a time, each a vector dot
 * product over {@code headDim} reduced once. Softmax: {@link Softmax}'s arithmetic (ggml's). Output: V read row
 * by row, four positions per pass over {@code out}. Scalar twin: {@link AttentionReference}.
 */
public final class Attention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = F32.ORDER;

    private Attention() {
    }

    /**
     * Attention of one query row of one head over positions {@code [0, len)} of the cache.
     *
     * @param q         query row, headDim floats
     * @param qOff      byte offset of q[0]
     * @param k         key cache
     * @param kBase     byte offset of K[0][0] for this head
     * @param kRowBytes bytes between K[p] and K[p + 1]
     * @param v         value cache
     * @param vBase     byte offset of V[0][0] for this head
     * @param vRowBytes bytes between V[p] and V[p + 1]
     * @param headDim   floats per head, >= 1
     * @param len       number of cached positions attended to, >= 1
     * @param scale     score multiplier, usually 1 / sqrt(headDim)
     * @param scores    scratch for len floats (overwritten with the attention weights)
     * @param scoresOff byte offset of the scratch
     * @param out       result, headDim floats; must not overlap q, the caches or the scratch
     * @param outOff    byte offset of out[0]
     */
    public static void attend(MemorySegment q, long qOff, MemorySegment k, long kBase, long kRowBytes,
                              MemorySegment v, long vBase, long vRowBytes, int headDim, int len, float scale,
                              MemorySegment scores, long scoresOff, MemorySegment out, long outOff) {
        check(q, qOff, k, kBase, kRowBytes, v, vBase, vRowBytes, headDim, len, scores, scoresOff, out, outOff);
        scores(q, qOff, k, kBase, kRowBytes, headDim, len, scale, scores, scoresOff);
        float max = Softmax.max(scores, scoresOff, len);
        double sum = Softmax.expInPlace(scores, scoresOff, len, max);
        ElementWise.scale(scores, scoresOff, (float) (1.0 / sum), scores, scoresOff, len);
        weightedSum(v, vBase, vRowBytes, headDim, len, scores, scoresOff, out, outOff);
    }

    private static void check(MemorySegment q, long qOff, MemorySegment k, long kBase, long kRowBytes,
                      MemorySegment v, long vBase, long vRowBytes, int headDim, int len,
                      MemorySegment scores, long scoresOff, MemorySegment out, long outOff) {
        Operands.requirePositive(Operand.HEAD_DIMENSION, headDim);
        Operands.requirePositive(Operand.ATTENTION_LENGTH, len);
        if (kRowBytes < 0 || vRowBytes < 0) {
            throw KernelText.negativeRowStride(kRowBytes, vRowBytes);
        }
        Operands.requireFloats(Operand.Q, q, qOff, headDim);
        Operands.requireFloats(Operand.K_FIRST, k, kBase, headDim);
        Operands.requireFloats(Operand.K_LAST, k, kBase + (len - 1) * kRowBytes, headDim);
        Operands.requireFloats(Operand.V_FIRST, v, vBase, headDim);
        Operands.requireFloats(Operand.V_LAST, v, vBase + (len - 1) * vRowBytes, headDim);
        Operands.requireFloats(Operand.SCORES, scores, scoresOff, len);
        Operands.requireFloats(Operand.OUT, out, outOff, headDim);
    }

    private static void scores(MemorySegment q, long qOff, MemorySegment k, long kBase, long kRowBytes,
                               int headDim, int len, float scale, MemorySegment scores, long scoresOff) {
        int dBound = F.loopBound(headDim);
        int p = 0;
        for (; p + 4 <= len; p += 4) {
            long k0 = kBase + p * kRowBytes;
            long k1 = k0 + kRowBytes;
            long k2 = k1 + kRowBytes;
            long k3 = k2 + kRowBytes;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int d = 0; d < dBound; d += F.length()) {
                long b = 4L * d;
                FloatVector qv = FloatVector.fromMemorySegment(F, q, qOff + b, LE);
                acc0 = FloatVector.fromMemorySegment(F, k, k0 + b, LE).fma(qv, acc0);
                acc1 = FloatVector.fromMemorySegment(F, k, k1 + b, LE).fma(qv, acc1);
                acc2 = FloatVector.fromMemorySegment(F, k, k2 + b, LE).fma(qv, acc2);
                acc3 = FloatVector.fromMemorySegment(F, k, k3 + b, LE).fma(qv, acc3);
            }
            float s0 = acc0.reduceLanes(VectorOperators.ADD);
            float s1 = acc1.reduceLanes(VectorOperators.ADD);
            float s2 = acc2.reduceLanes(VectorOperators.ADD);
            float s3 = acc3.reduceLanes(VectorOperators.ADD);
            for (int d = dBound; d < headDim; d++) {
                float qd = q.get(F32.LAYOUT, qOff + 4L * d);
                s0 += qd * k.get(F32.LAYOUT, k0 + 4L * d);
                s1 += qd * k.get(F32.LAYOUT, k1 + 4L * d);
                s2 += qd * k.get(F32.LAYOUT, k2 + 4L * d);
                s3 += qd * k.get(F32.LAYOUT, k3 + 4L * d);
            }
            long s = scoresOff + 4L * p;
            scores.set(F32.LAYOUT, s, s0 * scale);
            scores.set(F32.LAYOUT, s + 4, s1 * scale);
            scores.set(F32.LAYOUT, s + 8, s2 * scale);
            scores.set(F32.LAYOUT, s + 12, s3 * scale);
        }
        for (; p < len; p++) {
            long kp = kBase + p * kRowBytes;
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0; d < dBound; d += F.length()) {
                long b = 4L * d;
                acc = FloatVector.fromMemorySegment(F, k, kp + b, LE)
                        .fma(FloatVector.fromMemorySegment(F, q, qOff + b, LE), acc);
            }
            float sp = acc.reduceLanes(VectorOperators.ADD);
            for (int d = dBound; d < headDim; d++) {
                sp += q.get(F32.LAYOUT, qOff + 4L * d) * k.get(F32.LAYOUT, kp + 4L * d);
            }
            scores.set(F32.LAYOUT, scoresOff + 4L * p, sp * scale);
        }
    }

    /**
     * out = sum_p s[p] * V[p], walking V row by row (cache rows are often a whole page apart: 8 KV heads of 128
     * floats), four positions per pass over {@code out}, whose chunks stay in L1 between passes.
     */
    private static void weightedSum(MemorySegment v, long vBase, long vRowBytes, int headDim, int len,
                                    MemorySegment scores, long scoresOff, MemorySegment out, long outOff) {
        int dBound = F.loopBound(headDim);
        FloatVector zero = FloatVector.zero(F);
        for (int d = 0; d < dBound; d += F.length()) {
            zero.intoMemorySegment(out, outOff + 4L * d, LE);
        }
        for (int d = dBound; d < headDim; d++) {
            out.set(F32.LAYOUT, outOff + 4L * d, 0f);
        }
        int p = 0;
        for (; p + 4 <= len; p += 4) {
            long r0 = vBase + p * vRowBytes;
            long r1 = r0 + vRowBytes;
            long r2 = r1 + vRowBytes;
            long r3 = r2 + vRowBytes;
            long s = scoresOff + 4L * p;
            float s0 = scores.get(F32.LAYOUT, s);
            float s1 = scores.get(F32.LAYOUT, s + 4);
            float s2 = scores.get(F32.LAYOUT, s + 8);
            float s3 = scores.get(F32.LAYOUT, s + 12);
            FloatVector w0 = FloatVector.broadcast(F, s0);
            FloatVector w1 = FloatVector.broadcast(F, s1);
            FloatVector w2 = FloatVector.broadcast(F, s2);
            FloatVector w3 = FloatVector.broadcast(F, s3);
            for (int d = 0; d < dBound; d += F.length()) {
                long b = 4L * d;
                FloatVector acc = FloatVector.fromMemorySegment(F, out, outOff + b, LE);
                acc = FloatVector.fromMemorySegment(F, v, r0 + b, LE).fma(w0, acc);
                acc = FloatVector.fromMemorySegment(F, v, r1 + b, LE).fma(w1, acc);
                acc = FloatVector.fromMemorySegment(F, v, r2 + b, LE).fma(w2, acc);
                acc = FloatVector.fromMemorySegment(F, v, r3 + b, LE).fma(w3, acc);
                acc.intoMemorySegment(out, outOff + b, LE);
            }
            for (int d = dBound; d < headDim; d++) {
                long b = 4L * d;
                float acc = out.get(F32.LAYOUT, outOff + b);
                acc = Math.fma(s0, v.get(F32.LAYOUT, r0 + b), acc);
                acc = Math.fma(s1, v.get(F32.LAYOUT, r1 + b), acc);
                acc = Math.fma(s2, v.get(F32.LAYOUT, r2 + b), acc);
                acc = Math.fma(s3, v.get(F32.LAYOUT, r3 + b), acc);
                out.set(F32.LAYOUT, outOff + b, acc);
            }
        }
        for (; p < len; p++) {
            long r = vBase + p * vRowBytes;
            float sp = scores.get(F32.LAYOUT, scoresOff + 4L * p);
            FloatVector w = FloatVector.broadcast(F, sp);
            for (int d = 0; d < dBound; d += F.length()) {
                long b = 4L * d;
                FloatVector.fromMemorySegment(F, v, r + b, LE)
                        .fma(w, FloatVector.fromMemorySegment(F, out, outOff + b, LE))
                        .intoMemorySegment(out, outOff + b, LE);
            }
            for (int d = dBound; d < headDim; d++) {
                long b = 4L * d;
                out.set(F32.LAYOUT, outOff + b, Math.fma(sp, v.get(F32.LAYOUT, r + b), out.get(F32.LAYOUT, outOff + b)));
            }
        }
    }
}
