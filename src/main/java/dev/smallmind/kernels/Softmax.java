package dev.smallmind.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Numerically stable softmax of an F32 row, in place, with ggml's arithmetic: {@code e[i] = exp(x[i] - max)}
 * (ggml's AVX-512 exp on whole blocks of 16, scalar exp on the rest), the sum of the {@code e[i]} in double,
 * then {@code x[i] = e[i] * (float) (1.0 / sum)}. Scalar twin: {@link SoftmaxReference}.
 */
public final class Softmax {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = F32.ORDER;

    static {
        if (F.length() != 2 * D.length()) {
            throw KernelText.softmaxSpecies(F, D);
        }
    }

    private Softmax() {
    }

    /**
     * Replaces {@code x} by softmax(x).
     *
     * @param x    row, overwritten
     * @param xOff byte offset of x[0]
     * @param n    row length, >= 1
     */
    public static void softmax(MemorySegment x, long xOff, int n) {
        Operands.requirePositive(Operand.ROW_LENGTH, n);
        Operands.requireFloats(Operand.X, x, xOff, n);
        float max = max(x, xOff, n);
        double sum = expInPlace(x, xOff, n, max);
        ElementWise.scale(x, xOff, (float) (1.0 / sum), x, xOff, n);
    }

    /** Largest element of a row (NaN-free input). */
    static float max(MemorySegment x, long xOff, int n) {
        // lanewise called here rather than max(): the profile deciding the call is then this method's own, not the
        // one inside the Vector API that every kernel's vectors of every width pass through (see
        // docs/architecture.md, "Speculative types and the Vector API").
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromMemorySegment(F, x, xOff + (long) i * Float.BYTES, LE));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x.get(F32.LAYOUT, xOff + 4L * i));
        }
        return max;
    }

    /** Writes {@code exp(x[i] - max)} over {@code x} and returns their sum, accumulated in double. */
    static double expInPlace(MemorySegment x, long xOff, int n, float max) {
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        int bound = VectorExp.vectorBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(F, x, xOff + d, LE).sub(max).intoMemorySegment(x, xOff + d, LE);
            VectorExp.expInPlace(x, xOff + d);
            FloatVector e = FloatVector.fromMemorySegment(F, x, xOff + d, LE);
            acc0 = acc0.add(e.convertShape(VectorOperators.F2D, D, 0));
            acc1 = acc1.add(e.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            long d = 4L * i;
            float e = VectorExp.scalar(x.get(F32.LAYOUT, xOff + d) - max);
            x.set(F32.LAYOUT, xOff + d, e);
            sum += e;
        }
        return sum;
    }
}
