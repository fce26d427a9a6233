package dev.smallmind.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Row normalizations with ggml's arithmetic: RMSNorm (Llama, Qwen2, Phi-3) and LayerNorm (GPT-2, Phi-2).
 *
 * <p>Sums run in double like ggml's {@code ggml_float}: every float term is widened and added in double, so the
 * order of additions (per-lane here, sequential in ggml) changes the double sum only around 1e-16 relative and the
 * float statistics derived from it agree with ggml's except in vanishingly rare rounding ties. The remaining
 * steps are the same float operations in the same order as ggml: RMSNorm {@code scale = 1/sqrtf(mean + eps)},
 * {@code out = (x * scale) * w}; LayerNorm {@code mean = (float) sum / n}, {@code v = x - mean},
 * {@code var = (float) (sum(v*v) / n)}, {@code out = ((v * scale) * w) + b}. Scalar twins: {@link NormsReference}.
 */
public final class Norms {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats loaded for widening: as many lanes as {@link #D}, so one load converts to one double vector. */
    private static final VectorSpecies<Float> FD =
            VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final ByteOrder LE = F32.ORDER;

    private Norms() {
    }

    /**
     * RMSNorm: {@code out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]}.
     *
     * @param x      input row
     * @param xOff   byte offset of x[0]
     * @param w      weight (gamma), n floats
     * @param wOff   byte offset of w[0]
     * @param out    result, may alias {@code x}
     * @param outOff byte offset of out[0]
     * @param n      row length, >= 1
     * @param eps    added to the mean square
     */
    public static void rmsNorm(MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment out,
                               long outOff, int n, float eps) {
        Operands.requirePositive(Operand.ROW_LENGTH, n);
        Operands.requireFloats(Operand.X, x, xOff, n);
        Operands.requireFloats(Operand.WEIGHT, w, wOff, n);
        Operands.requireFloats(Operand.OUT, out, outOff, n);
        float mean = (float) (sumOfSquares(x, xOff, n, 0f) / n);
        float scale = 1f / (float) Math.sqrt(mean + eps);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + d, LE);
            FloatVector g = FloatVector.fromMemorySegment(F, w, wOff + d, LE);
            v.mul(scale).mul(g).intoMemorySegment(out, outOff + d, LE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            long d = (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + d, LE, m);
            FloatVector g = FloatVector.fromMemorySegment(F, w, wOff + d, LE, m);
            v.mul(scale).mul(g).intoMemorySegment(out, outOff + d, LE, m);
        }
    }

    /**
     * LayerNorm: {@code out[i] = (x[i] - mean) / sqrt(var + eps) * weight[i] + bias[i]}.
     *
     * @param x      input row
     * @param xOff   byte offset of x[0]
     * @param w      weight (gamma), n floats
     * @param wOff   byte offset of w[0]
     * @param b      bias (beta), n floats
     * @param bOff   byte offset of b[0]
     * @param out    result, may alias {@code x}
     * @param outOff byte offset of out[0]
     * @param n      row length, >= 1
     * @param eps    added to the variance
     */
    public static void layerNorm(MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment b,
                                 long bOff, MemorySegment out, long outOff, int n, float eps) {
        Operands.requirePositive(Operand.ROW_LENGTH, n);
        Operands.requireFloats(Operand.X, x, xOff, n);
        Operands.requireFloats(Operand.WEIGHT, w, wOff, n);
        Operands.requireFloats(Operand.BIAS, b, bOff, n);
        Operands.requireFloats(Operand.OUT, out, outOff, n);
        float mean = (float) sum(x, xOff, n) / n;
        float variance = (float) (sumOfSquares(x, xOff, n, mean) / n);
        float scale = 1f / (float) Math.sqrt(variance + eps);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + d, LE).sub(mean);
            FloatVector g = FloatVector.fromMemorySegment(F, w, wOff + d, LE);
            FloatVector c = FloatVector.fromMemorySegment(F, b, bOff + d, LE);
            v.mul(scale).mul(g).add(c).intoMemorySegment(out, outOff + d, LE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            long d = (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + d, LE, m).sub(mean);
            FloatVector g = FloatVector.fromMemorySegment(F, w, wOff + d, LE, m);
            FloatVector c = FloatVector.fromMemorySegment(F, b, bOff + d, LE, m);
            v.mul(scale).mul(g).add(c).intoMemorySegment(out, outOff + d, LE, m);
        }
    }

    /** Sum of x[i] widened to double. */
    private static double sum(MemorySegment x, long xOff, int n) {
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        int step = FD.length();
        int bound = n - n % (2 * step);
        int i = 0;
        for (; i < bound; i += 2 * step) {
            long d = (long) i * Float.BYTES;
            acc0 = acc0.add(widen(FloatVector.fromMemorySegment(FD, x, xOff + d, LE)));
            acc1 = acc1.add(widen(FloatVector.fromMemorySegment(FD, x, xOff + d + 4L * step, LE)));
        }
        double s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += x.get(F32.LAYOUT, xOff + 4L * i);
        }
        return s;
    }

    /** Sum of the float squares (x[i] - center)^2, each widened to double before adding. */
    private static double sumOfSquares(MemorySegment x, long xOff, int n, float center) {
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        int step = FD.length();
        int bound = n - n % (2 * step);
        int i = 0;
        for (; i < bound; i += 2 * step) {
            long d = (long) i * Float.BYTES;
            FloatVector v0 = FloatVector.fromMemorySegment(FD, x, xOff + d, LE).sub(center);
            FloatVector v1 = FloatVector.fromMemorySegment(FD, x, xOff + d + 4L * step, LE).sub(center);
            acc0 = acc0.add(widen(v0.mul(v0)));
            acc1 = acc1.add(widen(v1.mul(v1)));
        }
        double s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float v = x.get(F32.LAYOUT, xOff + 4L * i) - center;
            s += v * v;
        }
        return s;
    }

    private static DoubleVector widen(FloatVector v) {
        return (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
    }
}
