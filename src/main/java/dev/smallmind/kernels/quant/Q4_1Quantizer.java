package dev.smallmind.kernels.quant;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * float to Q4_1 blocks, byte for byte as ggml's {@code quantize_row_q4_1_ref}: {@code d = (max - min) / 15},
 * {@code m = min}, {@code q = min(15, trunc((x - min) / d + 0.5))}.
 */
public final class Q4_1Quantizer {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Q4_1Quantizer() {
    }

    /**
     * @param src       {@code n} floats
     * @param srcOffset byte offset of the first float
     * @param dst       destination of {@code n / 32} blocks of 20 bytes
     * @param dstOffset byte offset of the first block
     * @param n         values, a multiple of 32
     * @throws IllegalArgumentException when {@code n} is not a multiple of 32 or a range exceeds its segment
     */
    public static void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n) {
        QuantizerArguments.check(DType.Q4_1, src, srcOffset, dst, dstOffset, n);
        for (int b = 0; b < n / 32; b++) {
            long x = srcOffset + b * 32L * Float.BYTES;
            long y = dstOffset + b * 20L;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = src.get(FLOAT, x + j * 4L);
                min = v < min ? v : min;
                max = v > max ? v : max;
            }
            float d = (max - min) / 15f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, y, Float.floatToFloat16(d));
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, y + 2, Float.floatToFloat16(min));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) ((src.get(FLOAT, x + j * 4L) - min) * id + 0.5f));
                int hi = Math.min(15, (int) ((src.get(FLOAT, x + (16 + j) * 4L) - min) * id + 0.5f));
                dst.set(ValueLayout.JAVA_BYTE, y + 4 + j, (byte) (lo | hi << 4));
            }
        }
    }
}
