package dev.smallmind.kernels.quant;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * float to Q4_0 blocks, byte for byte as ggml's {@code quantize_row_q4_0_ref}: {@code d = max / -8} where
 * {@code max} is the first value of largest magnitude, {@code q = min(15, trunc(x / d + 8.5))}.
 */
public final class Q4_0Quantizer {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Q4_0Quantizer() {
    }

    /**
     * @param src       {@code n} floats
     * @param srcOffset byte offset of the first float
     * @param dst       destination of {@code n / 32} blocks of 18 bytes
     * @param dstOffset byte offset of the first block
     * @param n         values, a multiple of 32
     * @throws IllegalArgumentException when {@code n} is not a multiple of 32 or a range exceeds its segment
     */
    public static void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n) {
        QuantizerArguments.check(DType.Q4_0, src, srcOffset, dst, dstOffset, n);
        for (int b = 0; b < n / 32; b++) {
            long x = srcOffset + b * 32L * Float.BYTES;
            long y = dstOffset + b * 18L;
            float d = signedMax(src, x) / -8f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, y, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) (src.get(FLOAT, x + j * 4L) * id + 8.5f));
                int hi = Math.min(15, (int) (src.get(FLOAT, x + (16 + j) * 4L) * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, y + 2 + j, (byte) (lo | hi << 4));
            }
        }
    }

    /** The first of the block's 32 values with the largest magnitude, sign kept (ggml's {@code max}). */
    static float signedMax(MemorySegment src, long x) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = src.get(FLOAT, x + j * 4L);
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }
}
