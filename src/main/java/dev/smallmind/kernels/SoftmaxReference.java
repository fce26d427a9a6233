package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/** Scalar twin of {@link Softmax}: max, {@code expf(x - max)} summed in double, multiply by the inverse sum. */
public final class SoftmaxReference {
    private SoftmaxReference() {
    }

    /**
     * @param x    row, overwritten by its softmax
     * @param xOff byte offset of x[0]
     * @param n    row length, >= 1
     */
    public static void softmax(MemorySegment x, long xOff, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x.get(F32.LAYOUT, xOff + 4L * i));
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x.get(F32.LAYOUT, xOff + 4L * i) - max);
            x.set(F32.LAYOUT, xOff + 4L * i, e);
            sum += e;
        }
        float inverse = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x.set(F32.LAYOUT, xOff + 4L * i, x.get(F32.LAYOUT, xOff + 4L * i) * inverse);
        }
    }
}
