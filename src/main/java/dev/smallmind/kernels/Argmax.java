package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Index of the largest of n floats (greedy sampling over logits), in one pass: every lane keeps its own maximum
 * and the index where it first appeared, then the lanes holding the overall maximum give the smallest index.
 * Ties resolve to the first index, like llama.cpp's greedy sampler. Scalar twin: {@link ArgmaxReference}.
 */
public final class Argmax {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final ByteOrder LE = F32.ORDER;

    private Argmax() {
    }

    /**
     * Finds the largest value.
     *
     * @param x    values (NaN-free)
     * @param xOff byte offset of x[0]
     * @param n    count, >= 1
     * @return the first index of the largest value
     */
    public static int argmax(MemorySegment x, long xOff, int n) {
        Operands.requirePositive(Operand.ARGMAX_LENGTH, n);
        Operands.requireFloats(Operand.X, x, xOff, n);
        FloatVector best = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        IntVector bestIndex = IntVector.zero(I);
        IntVector index = IntVector.zero(I).addIndex(1);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + (long) i * Float.BYTES, LE);
            VectorMask<Float> greater = v.compare(VectorOperators.GT, best);
            best = best.blend(v, greater);
            bestIndex = bestIndex.blend(index, greater.cast(I));
            index = index.add(F.length());
        }
        float max = best.reduceLanes(VectorOperators.MAX);
        VectorMask<Integer> holdsMax = best.compare(VectorOperators.EQ, max).cast(I);
        int result = bestIndex.blend(Integer.MAX_VALUE, holdsMax.not()).reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) {
            float v = x.get(F32.LAYOUT, xOff + 4L * i);
            if (v > max) {
                max = v;
                result = i;
            }
        }
        return result;
    }
}
