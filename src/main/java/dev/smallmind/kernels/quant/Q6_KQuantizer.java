package dev.smallmind.kernels.quant;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * F32 to Q6_K, byte for byte as ggml's {@code quantize_row_q6_K_ref} (what llama-quantize writes without an
 * importance matrix). Per sub-block of 16 a symmetric scale is fitted ({@link #fitScale}, ggml's
 * {@code make_qx_quants} with weights x^2); the 16 scales become int8 against the one of largest magnitude
 * ({@code d = max_scale / -128}, fp16), and every value is re-quantized against the rounded scales to -32..31.
 * Float operations follow ggml's order so the rounding is the same. Not a hot path.
 */
public final class Q6_KQuantizer {
    private static final int QK = 256;
    private static final int BLOCK = DType.Q6_K.blockBytes();
    /** ggml's GROUP_MAX_EPS: below it a group counts as all zeros. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private Q6_KQuantizer() {
    }

    /**
     * @param src       F32 values
     * @param srcOffset byte offset of the first value
     * @param dst       destination of {@code k / 256} Q6_K super-blocks
     * @param dstOffset byte offset of the first super-block
     * @param k         value count, a multiple of 256
     * @throws IllegalArgumentException when {@code k} is not a multiple of 256 or a segment is too small
     */
    public static void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int k) {
        Q4_KQuantizer.checkSizes("Q6_K", src, srcOffset, dst, dstOffset, k, BLOCK);
        float[] x = new float[QK];
        int[] levels = new int[QK];
        float[] scales = new float[16];
        for (int b = 0; b < k / QK; b++) {
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED, srcOffset + 4L * b * QK, x, 0, QK);
            long blk = dstOffset + (long) b * BLOCK;
            quantizeBlock(x, levels, scales, dst, blk);
        }
    }

    private static void quantizeBlock(float[] x, int[] levels, float[] scales, MemorySegment dst, long blk) {
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int s = 0; s < 16; s++) {
            scales[s] = fitScale(x, 16 * s, 32, levels);
            float abs = Math.abs(scales[s]);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scales[s];
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int i = 0; i < BLOCK; i++) {
                dst.set(ValueLayout.JAVA_BYTE, blk + i, (byte) 0);
            }
            return;
        }
        float iscale = -128.f / maxScale;
        short dHalf = Float.floatToFloat16(1 / iscale);
        dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 208, dHalf);
        for (int s = 0; s < 16; s++) {
            int sc = (byte) Math.min(127, Q8_KQuantizer.nearestInt(iscale * scales[s]));
            dst.set(ValueLayout.JAVA_BYTE, blk + 192 + s, (byte) sc);
            float d = Float.float16ToFloat(dHalf) * sc;
            if (d == 0) {
                continue;
            }
            for (int l = 0; l < 16; l++) {
                int q = Q8_KQuantizer.nearestInt(x[16 * s + l] / d);
                levels[16 * s + l] = Math.max(-32, Math.min(31, q)) + 32;
            }
        }
        for (int n = 0; n < 2; n++) {
            for (int l = 0; l < 32; l++) {
                int q1 = levels[128 * n + l];
                int q2 = levels[128 * n + 32 + l];
                int q3 = levels[128 * n + 64 + l];
                int q4 = levels[128 * n + 96 + l];
                dst.set(ValueLayout.JAVA_BYTE, blk + 64 * n + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                dst.set(ValueLayout.JAVA_BYTE, blk + 64 * n + 32 + l, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                dst.set(ValueLayout.JAVA_BYTE, blk + 128 + 32 * n + l,
                        (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
            }
        }
    }

    /**
     * ggml's {@code make_qx_quants} for 16 values with weights x^2: fits {@code x ~ scale * (L - nmax)}, trying
     * the inverse scale {@code -nmax / max} and 18 neighbours {@code -(nmax + 0.1 i) / max}, and keeps the one that
     * maximizes {@code sumlx^2 / suml2}.
     *
     * @param levels receives the levels (0 to {@code 2 nmax - 1}) at {@code off}
     * @return the scale
     */
    static float fitScale(float[] x, int off, int nmax, int[] levels) {
        int n = 16;
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[off + i]);
            if (ax > amax) {
                amax = ax;
                max = x[off + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[off + i] = 0;
            }
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, Q8_KQuantizer.nearestInt(iscale * v)));
            levels[off + i] = l + nmax;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[off + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, Q8_KQuantizer.nearestInt(iscale * v)));
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = Math.max(-nmax, Math.min(nmax - 1, Q8_KQuantizer.nearestInt(iscale * x[off + i])));
                    levels[off + i] = nmax + l;
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }
}
