package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of {@link Rope} without a table: computes ggml's angles directly (float {@code theta} starting at
 * {@code pos}, multiplied by {@code powf(base, -2/ropeDim)} per pair) and rotates each pair as
 * {@code (x0 cos - x1 sin, x0 sin + x1 cos)}.
 */
public final class RopeReference {
    private RopeReference() {
    }

    /**
     * Rotates the first {@code ropeDim} dimensions of each head, computing the angles on the way.
     *
     * @param pairing  which dimensions rotate together
     * @param ropeDim  rotated dimensions per head, even
     * @param freqBase base frequency
     * @param x        input row, heads * headDim floats
     * @param xOff     byte offset of x[0]
     * @param out      result, may be the same memory as {@code x}
     * @param outOff   byte offset of out[0]
     * @param heads    heads in the row
     * @param headDim  floats per head, >= ropeDim
     * @param pos      token position
     */
    public static void rotate(RopePairing pairing, int ropeDim, float freqBase, MemorySegment x, long xOff,
                              MemorySegment out, long outOff, int heads, int headDim, int pos) {
        float thetaScale = (float) Math.pow(freqBase, -2.0f / ropeDim);
        int half = ropeDim / 2;
        for (int h = 0; h < heads; h++) {
            long xh = xOff + 4L * h * headDim;
            long oh = outOff + 4L * h * headDim;
            float theta = pos;
            for (int i = 0; i < half; i++) {
                float c = (float) Math.cos(theta);
                float s = (float) Math.sin(theta);
                long a = 4L * (pairing == RopePairing.NORMAL ? 2 * i : i);
                long b = 4L * (pairing == RopePairing.NORMAL ? 2 * i + 1 : i + half);
                float x0 = x.get(F32.LAYOUT, xh + a);
                float x1 = x.get(F32.LAYOUT, xh + b);
                out.set(F32.LAYOUT, oh + a, x0 * c - x1 * s);
                out.set(F32.LAYOUT, oh + b, x0 * s + x1 * c);
                theta *= thetaScale;
            }
            for (int j = ropeDim; j < headDim; j++) {
                out.set(F32.LAYOUT, oh + 4L * j, x.get(F32.LAYOUT, xh + 4L * j));
            }
        }
    }
}
