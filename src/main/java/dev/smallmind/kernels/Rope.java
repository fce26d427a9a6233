package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Rotary position embedding of one token's row of heads, from a {@link RopeTable}. Each result is
 * {@code x[a] * cos - x[b] * sin} or {@code x[a] * sin + x[b] * cos}, the same two products and one addition as
 * ggml (no fused multiply-add), so results equal {@link RopeReference} bit for bit. Dimensions from
 * {@code ropeDim} to {@code headDim} are copied unchanged (partial rotary embedding, Phi-2).
 */
public final class Rope {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = F32.ORDER;
    /** Lane i takes lane i ^ 1: each element meets its partner of an adjacent pair. */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, i -> i ^ 1);

    private Rope() {
    }

    /**
     * Rotates the first {@code table.ropeDim()} dimensions of each of {@code heads} heads at position {@code pos}.
     *
     * @param table   rotations for the model
     * @param x       input row: heads * headDim floats
     * @param xOff    byte offset of x[0]
     * @param out     result, may be the same memory as {@code x} (in place)
     * @param outOff  byte offset of out[0]
     * @param heads   number of heads in the row
     * @param headDim floats per head, >= ropeDim
     * @param pos     token position, in {@code [0, table.maxPos())}
     */
    public static void rotate(RopeTable table, MemorySegment x, long xOff, MemorySegment out, long outOff,
                              int heads, int headDim, int pos) {
        int ropeDim = table.ropeDim();
        if (pos < 0 || pos >= table.maxPos()) {
            throw KernelText.ropePosition(pos, table.maxPos());
        }
        if (headDim < ropeDim || heads < 0) {
            throw KernelText.ropeDimensions(heads, headDim, ropeDim);
        }
        long count = (long) heads * headDim;
        Operands.requireFloats(Operand.X, x, xOff, count);
        Operands.requireFloats(Operand.OUT, out, outOff, count);
        MemorySegment t = table.segment();
        long cos = table.cosOffset(pos);
        long sin = table.sinOffset(pos);
        boolean inPlace = x == out && xOff == outOff;
        for (int h = 0; h < heads; h++) {
            long xh = xOff + 4L * h * headDim;
            long oh = outOff + 4L * h * headDim;
            if (table.pairing() == RopePairing.NORMAL) {
                rotateAdjacent(t, cos, sin, x, xh, out, oh, ropeDim);
            } else {
                rotateHalves(t, cos, sin, x, xh, out, oh, ropeDim);
            }
            if (!inPlace && headDim > ropeDim) {
                MemorySegment.copy(x, xh + 4L * ropeDim, out, oh + 4L * ropeDim, 4L * (headDim - ropeDim));
            }
        }
    }

    private static void rotateAdjacent(MemorySegment t, long cos, long sin, MemorySegment x, long xh,
                                       MemorySegment out, long oh, int ropeDim) {
        int bound = F.loopBound(ropeDim);
        int j = 0;
        for (; j < bound; j += F.length()) {
            long d = 4L * j;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xh + d, LE);
            FloatVector c = FloatVector.fromMemorySegment(F, t, cos + d, LE);
            FloatVector s = FloatVector.fromMemorySegment(F, t, sin + d, LE);
            v.mul(c).add(v.rearrange(SWAP_PAIRS).mul(s)).intoMemorySegment(out, oh + d, LE);
        }
        for (; j < ropeDim; j += 2) {
            rotatePair(t, cos, sin, x, xh, out, oh, j, j + 1);
        }
    }

    private static void rotateHalves(MemorySegment t, long cos, long sin, MemorySegment x, long xh,
                                     MemorySegment out, long oh, int ropeDim) {
        int half = ropeDim / 2;
        long hd = 4L * half;
        int bound = F.loopBound(half);
        int j = 0;
        for (; j < bound; j += F.length()) {
            long d = 4L * j;
            FloatVector lo = FloatVector.fromMemorySegment(F, x, xh + d, LE);
            FloatVector hi = FloatVector.fromMemorySegment(F, x, xh + hd + d, LE);
            FloatVector cLo = FloatVector.fromMemorySegment(F, t, cos + d, LE);
            FloatVector sLo = FloatVector.fromMemorySegment(F, t, sin + d, LE);
            FloatVector cHi = FloatVector.fromMemorySegment(F, t, cos + hd + d, LE);
            FloatVector sHi = FloatVector.fromMemorySegment(F, t, sin + hd + d, LE);
            lo.mul(cLo).add(hi.mul(sLo)).intoMemorySegment(out, oh + d, LE);
            hi.mul(cHi).add(lo.mul(sHi)).intoMemorySegment(out, oh + hd + d, LE);
        }
        for (; j < half; j++) {
            rotatePair(t, cos, sin, x, xh, out, oh, j, j + half);
        }
    }

    private static void rotatePair(MemorySegment t, long cos, long sin, MemorySegment x, long xh,
                                   MemorySegment out, long oh, int a, int b) {
        float xa = x.get(F32.LAYOUT, xh + 4L * a);
        float xb = x.get(F32.LAYOUT, xh + 4L * b);
        out.set(F32.LAYOUT, oh + 4L * a, xa * t.get(F32.LAYOUT, cos + 4L * a) + xb * t.get(F32.LAYOUT, sin + 4L * a));
        out.set(F32.LAYOUT, oh + 4L * b, xb * t.get(F32.LAYOUT, cos + 4L * b) + xa * t.get(F32.LAYOUT, sin + 4L * b));
    }
}
