package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Element-wise arithmetic on F32 rows: {@code out[i] = a[i] op b[i]}. Operands are (segment, byte offset) pairs;
 * {@code out} may be the very same memory as an input (same segment and offset) but must not partly overlap it.
 * Each result is one IEEE float operation, so the results equal {@link ElementWiseReference} and ggml bit for bit.
 */
public final class ElementWise {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = F32.ORDER;

    private ElementWise() {
    }

    /**
     * {@code out[i] = a[i] + b[i]}.
     *
     * @param a      first operand
     * @param aOff   byte offset of a[0]
     * @param b      second operand
     * @param bOff   byte offset of b[0]
     * @param out    result, may alias {@code a} or {@code b}
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void add(MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff,
                           int n) {
        checkBinary(a, aOff, b, bOff, out, outOff, n);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(F, a, aOff + d, LE);
            FloatVector y = FloatVector.fromMemorySegment(F, b, bOff + d, LE);
            x.add(y).intoMemorySegment(out, outOff + d, LE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            long d = (long) i * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(F, a, aOff + d, LE, m);
            FloatVector y = FloatVector.fromMemorySegment(F, b, bOff + d, LE, m);
            x.add(y).intoMemorySegment(out, outOff + d, LE, m);
        }
    }

    /**
     * {@code out[i] = a[i] * b[i]}.
     *
     * @param a      first operand
     * @param aOff   byte offset of a[0]
     * @param b      second operand
     * @param bOff   byte offset of b[0]
     * @param out    result, may alias {@code a} or {@code b}
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void mul(MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff,
                           int n) {
        checkBinary(a, aOff, b, bOff, out, outOff, n);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(F, a, aOff + d, LE);
            FloatVector y = FloatVector.fromMemorySegment(F, b, bOff + d, LE);
            x.mul(y).intoMemorySegment(out, outOff + d, LE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            long d = (long) i * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(F, a, aOff + d, LE, m);
            FloatVector y = FloatVector.fromMemorySegment(F, b, bOff + d, LE, m);
            x.mul(y).intoMemorySegment(out, outOff + d, LE, m);
        }
    }

    /**
     * {@code out[i] = x[i] * factor}.
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param factor multiplier
     * @param out    result, may alias {@code x}
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void scale(MemorySegment x, long xOff, float factor, MemorySegment out, long outOff, int n) {
        Operands.requireFloats(Operand.X, x, xOff, n);
        Operands.requireFloats(Operand.OUT, out, outOff, n);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(F, x, xOff + d, LE).mul(factor).intoMemorySegment(out, outOff + d, LE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            long d = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(F, x, xOff + d, LE, m).mul(factor)
                    .intoMemorySegment(out, outOff + d, LE, m);
        }
    }

    private static void checkBinary(MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff,
                            int n) {
        Operands.requireFloats(Operand.A, a, aOff, n);
        Operands.requireFloats(Operand.B, b, bOff, n);
        Operands.requireFloats(Operand.OUT, out, outOff, n);
    }
}
