package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/** Scalar twin of {@link Argmax}. */
public final class ArgmaxReference {
    private ArgmaxReference() {
    }

    /**
     * Finds the largest value by a scalar scan.
     *
     * @param x    values (NaN-free)
     * @param xOff byte offset of x[0]
     * @param n    count, >= 1
     * @return the first index of the largest value
     */
    public static int argmax(MemorySegment x, long xOff, int n) {
        int best = 0;
        float max = x.get(F32.LAYOUT, xOff);
        for (int i = 1; i < n; i++) {
            float v = x.get(F32.LAYOUT, xOff + 4L * i);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }
}
