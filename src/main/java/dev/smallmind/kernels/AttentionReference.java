package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/** Scalar twin of {@link Attention}: float dot products in index order, {@link SoftmaxReference}, float sums. */
public final class AttentionReference {
    private AttentionReference() {
    }

    /**
     * Same contract as {@link Attention#attend}.
     *
     * @param q         query row, headDim floats
     * @param qOff      byte offset of q[0]
     * @param k         key cache
     * @param kBase     byte offset of K[0][0] for this head
     * @param kRowBytes bytes between K[p] and K[p + 1]
     * @param v         value cache
     * @param vBase     byte offset of V[0][0] for this head
     * @param vRowBytes bytes between V[p] and V[p + 1]
     * @param headDim   floats per head
     * @param len       cached positions attended to
     * @param scale     score multiplier
     * @param scores    scratch for len floats
     * @param scoresOff byte offset of the scratch
     * @param out       result, headDim floats
     * @param outOff    byte offset of out[0]
     */
    public static void attend(MemorySegment q, long qOff, MemorySegment k, long kBase, long kRowBytes,
                              MemorySegment v, long vBase, long vRowBytes, int headDim, int len, float scale,
                              MemorySegment scores, long scoresOff, MemorySegment out, long outOff) {
        for (int p = 0; p < len; p++) {
            float dot = 0f;
            for (int d = 0; d < headDim; d++) {
                dot += q.get(F32.LAYOUT, qOff + 4L * d) * k.get(F32.LAYOUT, kBase + p * kRowBytes + 4L * d);
            }
            scores.set(F32.LAYOUT, scoresOff + 4L * p, dot * scale);
        }
        SoftmaxReference.softmax(scores, scoresOff, len);
        for (int d = 0; d < headDim; d++) {
            float acc = 0f;
            for (int p = 0; p < len; p++) {
                acc += scores.get(F32.LAYOUT, scoresOff + 4L * p) * v.get(F32.LAYOUT, vBase + p * vRowBytes + 4L * d);
            }
            out.set(F32.LAYOUT, outOff + 4L * d, acc);
        }
    }
}
