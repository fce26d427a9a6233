package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * {@link CausalAttention}'s loops over an F32 KV cache: the scores of query rows against blocked keys and the
 * weighted sums of value rows. {@link F16CacheAttention} holds the same loops over an F16 cache.
 *
 * <p>The loops are written once per cache width, with the width's load, because C2 compiles a method from one
 * profile: when the loops branched on the width at each load, a JVM that had run sessions of both KV cache types
 * compiled the loads of the F16 branch as allocated vectors (stories260K decoding over an F16 cache after an F32
 * one: 396,800 heap bytes per token, every run; JFR put them at the widening multiply inside the weighted sums).
 */
final class F32CacheAttention {
    /** Bytes per cache element. */
    private static final int EB = 4;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final ByteOrder LE = F32.ORDER;

    private F32CacheAttention() {
    }

    /** {@link #LANES} cache elements at {@code at}. */
    private static FloatVector load(MemorySegment m, long at) {
        return FloatVector.fromMemorySegment(F, m, at, LE);
    }


    /** Scores of four query rows, one vector of positions at a time, into score rows {@code rowBytes} apart. */
    static void scores(MemorySegment q, long q0, long q1, long q2, long q3, MemorySegment kt, long ktOff,
                       int headDim, int maxLen, float scale, MemorySegment scores, long scoresOff,
                       long rowBytes) {
        long blockBytes = (long) EB * headDim * LANES;
        for (int p = 0; p < maxLen; p += LANES) {
            long block = ktOff + (long) p / LANES * blockBytes;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int d = 0; d < headDim; d++) {
                FloatVector kd = load(kt, block + (long) EB * d * LANES);
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

    /** One row's scores over {@code len} positions of the key blocks from {@code ktOff}. */
    static void oneRowScores(MemorySegment q, long qOff, int len, MemorySegment kt, long ktOff, int headDim,
                             float scale, MemorySegment scores, long scoresOff) {
        long blockBytes = (long) EB * headDim * LANES;
        int blocks = (len + LANES - 1) / LANES;
        int last = blocks - 1;
        // Past the last block the pass repeats it, and stores the same bits again: a separate loop for the last one
        // to three blocks ran too rarely for C2 to inline its loads, which then allocated on every call.
        for (int b = 0; b < blocks; b += 4) {
            int b1 = Math.min(b + 1, last);
            int b2 = Math.min(b + 2, last);
            int b3 = Math.min(b + 3, last);
            long k0 = ktOff + b * blockBytes;
            long k1 = ktOff + b1 * blockBytes;
            long k2 = ktOff + b2 * blockBytes;
            long k3 = ktOff + b3 * blockBytes;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int d = 0; d < headDim; d++) {
                FloatVector qd = FloatVector.broadcast(F, q.get(F32.LAYOUT, qOff + 4L * d));
                long kd = (long) EB * d * LANES;
                a0 = qd.fma(load(kt, k0 + kd), a0);
                a1 = qd.fma(load(kt, k1 + kd), a1);
                a2 = qd.fma(load(kt, k2 + kd), a2);
                a3 = qd.fma(load(kt, k3 + kd), a3);
            }
            a0.mul(scale).intoMemorySegment(scores, scoresOff + 4L * b * LANES, LE);
            a1.mul(scale).intoMemorySegment(scores, scoresOff + 4L * b1 * LANES, LE);
            a2.mul(scale).intoMemorySegment(scores, scoresOff + 4L * b2 * LANES, LE);
            a3.mul(scale).intoMemorySegment(scores, scoresOff + 4L * b3 * LANES, LE);
        }
    }

    /**
     * Two vectors of four rows' weighted sums over {@code n} value rows from {@code vd}: the second vector's values
     * {@code second} bytes after the first's, its sums {@code outSecond} bytes after the first's.
     */
    static void weightedPair(MemorySegment scores, long s0, long s1, long s2, long s3, MemorySegment v,
                             long vd, long second, long vRowBytes, int n, MemorySegment out, long o0, long o1,
                             long o2, long o3, long outSecond) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector b0 = a0;
        FloatVector a1 = a0;
        FloatVector b1 = a0;
        FloatVector a2 = a0;
        FloatVector b2 = a0;
        FloatVector a3 = a0;
        FloatVector b3 = a0;
        for (int p = 0; p < n; p++) {
            long row = vd + p * vRowBytes;
            FloatVector va = load(v, row);
            FloatVector vb = load(v, row + second);
            long sp = 4L * p;
            FloatVector w0 = FloatVector.broadcast(F, scores.get(F32.LAYOUT, s0 + sp));
            FloatVector w1 = FloatVector.broadcast(F, scores.get(F32.LAYOUT, s1 + sp));
            FloatVector w2 = FloatVector.broadcast(F, scores.get(F32.LAYOUT, s2 + sp));
            FloatVector w3 = FloatVector.broadcast(F, scores.get(F32.LAYOUT, s3 + sp));
            a0 = w0.fma(va, a0);
            b0 = w0.fma(vb, b0);
            a1 = w1.fma(va, a1);
            b1 = w1.fma(vb, b1);
            a2 = w2.fma(va, a2);
            b2 = w2.fma(vb, b2);
            a3 = w3.fma(va, a3);
            b3 = w3.fma(vb, b3);
        }
        a0.intoMemorySegment(out, o0, LE);
        b0.intoMemorySegment(out, o0 + outSecond, LE);
        a1.intoMemorySegment(out, o1, LE);
        b1.intoMemorySegment(out, o1 + outSecond, LE);
        a2.intoMemorySegment(out, o2, LE);
        b2.intoMemorySegment(out, o2 + outSecond, LE);
        a3.intoMemorySegment(out, o3, LE);
        b3.intoMemorySegment(out, o3 + outSecond, LE);
    }

    /**
     * One row's weighted sum over {@code n} value rows from {@code vd} into {@code headDim} floats at {@code o}: four
     * vectors of the head at a time (four FMA chains). Past the head's last vector a pass repeats it and stores the
     * same bits again, as {@link #oneRowScores} does with key blocks: with a loop of its own for the last one to three
     * vectors (a head of 48 floats at 256 bits), C2 compiled that loop's cache load as a call, past the node count
     * after which it inlines only the Vector API's own methods, and the vector the call returned was allocated on
     * every step (480 KB per token on the small preset; docs/architecture.md, "No vector crosses a call").
     */
    static void weightedRow(MemorySegment scores, long s, MemorySegment v, long vd, long vRowBytes,
                            int headDim, int n, MemorySegment out, long o) {
        int last = headDim / LANES - 1;
        long e = (long) EB * LANES;
        for (int c = 0; c <= last; c += 4) {
            int k1 = Math.min(c + 1, last) - c;
            int k2 = Math.min(c + 2, last) - c;
            int k3 = Math.min(c + 3, last) - c;
            long x1 = e * k1;
            long x2 = e * k2;
            long x3 = e * k3;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            long vo = vd + e * c;
            for (int p = 0; p < n; p++) {
                long row = vo + p * vRowBytes;
                FloatVector w = FloatVector.broadcast(F, scores.get(F32.LAYOUT, s + 4L * p));
                a0 = w.fma(load(v, row), a0);
                a1 = w.fma(load(v, row + x1), a1);
                a2 = w.fma(load(v, row + x2), a2);
                a3 = w.fma(load(v, row + x3), a3);
            }
            long od = o + 4L * LANES * c;
            a0.intoMemorySegment(out, od, LE);
            a1.intoMemorySegment(out, od + 4L * LANES * k1, LE);
            a2.intoMemorySegment(out, od + 4L * LANES * k2, LE);
            a3.intoMemorySegment(out, od + 4L * LANES * k3, LE);
        }
    }
}
