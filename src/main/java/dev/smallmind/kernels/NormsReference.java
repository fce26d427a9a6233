package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/** Scalar twins of {@link Norms}: ggml's loops literally, sums in double in index order. */
public final class NormsReference {
    private NormsReference() {
    }

    /**
     * RMSNorm, ggml's loop.
     *
     * @param x      input row
     * @param xOff   byte offset of x[0]
     * @param w      weight, n floats
     * @param wOff   byte offset of w[0]
     * @param out    result
     * @param outOff byte offset of out[0]
     * @param n      row length
     * @param eps    added to the mean square
     */
    public static void rmsNorm(MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment out,
                               long outOff, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x.get(F32.LAYOUT, xOff + 4L * i);
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) {
            float v = x.get(F32.LAYOUT, xOff + 4L * i);
            out.set(F32.LAYOUT, outOff + 4L * i, v * scale * w.get(F32.LAYOUT, wOff + 4L * i));
        }
    }

    /**
     * LayerNorm, ggml's loops.
     *
     * @param x      input row
     * @param xOff   byte offset of x[0]
     * @param w      weight, n floats
     * @param wOff   byte offset of w[0]
     * @param b      bias, n floats
     * @param bOff   byte offset of b[0]
     * @param out    result
     * @param outOff byte offset of out[0]
     * @param n      row length
     * @param eps    added to the variance
     */
    public static void layerNorm(MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment b,
                                 long bOff, MemorySegment out, long outOff, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x.get(F32.LAYOUT, xOff + 4L * i);
        }
        float mean = (float) sum / n;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            float v = x.get(F32.LAYOUT, xOff + 4L * i) - mean;
            squares += v * v;
        }
        float variance = (float) (squares / n);
        float scale = 1f / (float) Math.sqrt(variance + eps);
        for (int i = 0; i < n; i++) {
            float v = x.get(F32.LAYOUT, xOff + 4L * i) - mean;
            float y = v * scale * w.get(F32.LAYOUT, wOff + 4L * i) + b.get(F32.LAYOUT, bOff + 4L * i);
            out.set(F32.LAYOUT, outOff + 4L * i, y);
        }
    }
}
