package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/** Plain scalar twins of {@link ElementWise}, one float operation per element, for parity tests. */
public final class ElementWiseReference {
    private ElementWiseReference() {
    }

    /**
     * {@code out[i] = a[i] + b[i]}.
     *
     * @param a      first operand
     * @param aOff   byte offset of a[0]
     * @param b      second operand
     * @param bOff   byte offset of b[0]
     * @param out    result, may alias an input
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void add(MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff,
                           int n) {
        for (int i = 0; i < n; i++) {
            long d = 4L * i;
            out.set(F32.LAYOUT, outOff + d, a.get(F32.LAYOUT, aOff + d) + b.get(F32.LAYOUT, bOff + d));
        }
    }

    /**
     * {@code out[i] = a[i] * b[i]}.
     *
     * @param a      first operand
     * @param aOff   byte offset of a[0]
     * @param b      second operand
     * @param bOff   byte offset of b[0]
     * @param out    result, may alias an input
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void mul(MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff,
                           int n) {
        for (int i = 0; i < n; i++) {
            long d = 4L * i;
            out.set(F32.LAYOUT, outOff + d, a.get(F32.LAYOUT, aOff + d) * b.get(F32.LAYOUT, bOff + d));
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
        for (int i = 0; i < n; i++) {
            long d = 4L * i;
            out.set(F32.LAYOUT, outOff + d, x.get(F32.LAYOUT, xOff + d) * factor);
        }
    }
}
