package dev.smallmind.kernels.quant;

import dev.smallmind.kernels.matmul.KQuantScales;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * F32 to Q4_K, byte for byte as ggml's {@code quantize_row_q4_K_ref} (what llama-quantize writes without an
 * importance matrix). Per sub-block of 32 it fits a scale and a min by weighted least squares over a sweep of
 * candidate scales ({@link #fitScaleAndMin}, ggml's {@code make_qkx2_quants}); the eight scales and mins are then
 * quantized to 6 bits against the super-block's largest ({@code d = max_scale / 63}, {@code dmin = max_min / 63},
 * both fp16), and every value is re-quantized against the rounded scales. Float operations follow ggml's order so
 * the rounding is the same. Not a hot path: it allocates small scratch arrays.
 */
public final class Q4_KQuantizer {
    private static final int QK = 256;
    private static final int BLOCK = DType.Q4_K.blockBytes();

    private Q4_KQuantizer() {
    }

    /**
     * @param src       F32 values
     * @param srcOffset byte offset of the first value
     * @param dst       destination of {@code k / 256} Q4_K super-blocks
     * @param dstOffset byte offset of the first super-block
     * @param k         value count, a multiple of 256
     * @throws IllegalArgumentException when {@code k} is not a multiple of 256 or a segment is too small
     */
    public static void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int k) {
        checkSizes("Q4_K", src, srcOffset, dst, dstOffset, k, BLOCK);
        float[] x = new float[QK];
        int[] levels = new int[QK];
        float[] scales = new float[8];
        float[] mins = new float[8];
        for (int b = 0; b < k / QK; b++) {
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED, srcOffset + 4L * b * QK, x, 0, QK);
            long blk = dstOffset + (long) b * BLOCK;
            quantizeScales(x, 15, -1f, 0.1f, 20, levels, scales, mins, dst, blk);
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    int packed = levels[64 * c + l] | (levels[64 * c + 32 + l] << 4);
                    dst.set(ValueLayout.JAVA_BYTE, blk + 16 + 32 * c + l, (byte) packed);
                }
            }
        }
    }

    /**
     * The part Q4_K and Q5_K share: fits the eight sub-blocks, writes fp16 d and dmin at {@code blk} and the
     * packed 6-bit scales and mins at {@code blk + 4}, and leaves the final levels (0 to {@code nmax}) in
     * {@code levels}.
     */
    static void quantizeScales(float[] x, int nmax, float rmin, float rdelta, int nstep, int[] levels,
                               float[] scales, float[] mins, MemorySegment dst, long blk) {
        float[] weights = new float[32];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[32 * j + l] * x[32 * j + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[32 * j + l]);
            }
            scales[j] = fitScaleAndMin(x, 32 * j, weights, nmax, levels, mins, j, rmin, rdelta, nstep);
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int[] ls = new int[8];
        int[] lm = new int[8];
        for (int j = 0; j < 8; j++) {
            ls[j] = Math.min(63, Q8_KQuantizer.nearestInt(invScale * scales[j]) & 0xFF);
            lm[j] = Math.min(63, Q8_KQuantizer.nearestInt(invMin * mins[j]) & 0xFF);
        }
        KQuantScales.pack(ls, lm, dst, blk + 4);
        short dHalf = Float.floatToFloat16(maxScale / 63.f);
        short dminHalf = Float.floatToFloat16(maxMin / 63.f);
        dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk, dHalf);
        dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 2, dminHalf);
        for (int j = 0; j < 8; j++) {
            float d = Float.float16ToFloat(dHalf) * ls[j];
            if (d == 0) {
                continue;
            }
            float dm = Float.float16ToFloat(dminHalf) * lm[j];
            for (int l = 0; l < 32; l++) {
                int q = Q8_KQuantizer.nearestInt((x[32 * j + l] + dm) / d);
                levels[32 * j + l] = Math.max(0, Math.min(nmax, q));
            }
        }
    }

    /**
     * ggml's {@code make_qkx2_quants} without the MAD option: fits {@code x ~ scale * L - theMin} over 32 values
     * starting at {@code off}, trying {@code nstep + 1} candidate inverse scales, and keeps the candidate with the
     * least weighted squared error.
     *
     * @param levels receives the levels (0 to {@code nmax}) at {@code off}
     * @param mins   receives {@code -min} (>= 0) at {@code minIndex}
     * @return the scale
     */
    static float fitScaleAndMin(float[] x, int off, float[] weights, int nmax, int[] levels, float[] mins,
                                int minIndex, float rmin, float rdelta, int nstep) {
        int n = 32;
        float min = x[off];
        float max = x[off];
        float sumW = weights[0];
        float sumX = sumW * x[off];
        for (int i = 1; i < n; i++) {
            float v = x[off + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[off + i] = 0;
            }
            mins[minIndex] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, Q8_KQuantizer.nearestInt(iscale * (x[off + i] - min))));
            levels[off + i] = l;
            float diff = scale * l + min - x[off + i];
            bestError += weights[i] * (diff * diff);
        }
        int[] aux = new int[n];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, Q8_KQuantizer.nearestInt(iscale * (x[off + i] - min))));
                aux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[off + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[off + i];
                    error += weights[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, off, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[minIndex] = -min;
        return scale;
    }

    static void checkSizes(String type, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int k,
                           int blockBytes) {
        if (k < 0 || k % QK != 0) {
            throw new IllegalArgumentException(type + ": row length " + k + " is not a multiple of " + QK);
        }
        long need = (long) k / QK * blockBytes;
        if (srcOffset < 0 || srcOffset + 4L * k > src.byteSize()) {
            throw new IllegalArgumentException(type + ": source needs bytes [" + srcOffset + ", "
                    + (srcOffset + 4L * k) + ") but has " + src.byteSize());
        }
        if (dstOffset < 0 || dstOffset + need > dst.byteSize()) {
            throw new IllegalArgumentException(type + ": destination needs bytes [" + dstOffset + ", "
                    + (dstOffset + need) + ") but has " + dst.byteSize());
        }
    }
}
