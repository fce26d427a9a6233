package dev.smallmind.kernels.quant;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * F32 to Q5_K, byte for byte as ggml's {@code quantize_row_q5_K_ref}: the Q4_K method ({@link Q4_KQuantizer})
 * with 32 levels and a sweep of 16 candidate scales, then the fifth bits packed apart from the low nibbles.
 */
public final class Q5_KQuantizer {
    private static final int QK = 256;
    private static final int BLOCK = DType.Q5_K.blockBytes();

    private Q5_KQuantizer() {
    }

    /**
     * @param src       F32 values
     * @param srcOffset byte offset of the first value
     * @param dst       destination of {@code k / 256} Q5_K super-blocks
     * @param dstOffset byte offset of the first super-block
     * @param k         value count, a multiple of 256
     * @throws IllegalArgumentException when {@code k} is not a multiple of 256 or a segment is too small
     */
    public static void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int k) {
        Q4_KQuantizer.checkSizes("Q5_K", src, srcOffset, dst, dstOffset, k, BLOCK);
        float[] x = new float[QK];
        int[] q = new int[QK];
        float[] scales = new float[8];
        float[] mins = new float[8];
        for (int b = 0; b < k / QK; b++) {
            MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED, srcOffset + 4L * b * QK, x, 0, QK);
            long blk = dstOffset + (long) b * BLOCK;
            Q4_KQuantizer.quantizeScales(x, 31, -0.5f, 0.1f, 15, q, scales, mins, dst, blk);
            for (int l = 0; l < 32; l++) {
                int high = 0;
                for (int c = 0; c < 4; c++) {
                    int lo = q[64 * c + l];
                    int hi = q[64 * c + 32 + l];
                    high |= (lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1);
                    dst.set(ValueLayout.JAVA_BYTE, blk + 48 + 32 * c + l, (byte) ((lo & 0xF) | (hi & 0xF) << 4));
                }
                dst.set(ValueLayout.JAVA_BYTE, blk + 16 + l, (byte) high);
            }
        }
    }
}
