package dev.smallmind.kernels.quant;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * float to Q5_0 blocks, byte for byte as ggml's {@code quantize_row_q5_0_ref}: {@code d = max / -16} where
 * {@code max} is the first value of largest magnitude, {@code q = min(31, trunc(x / d + 16.5))}, low nibbles
 * packed like Q4_0 and the fifth bits in {@code qh}.
 */
public final class Q5_0Quantizer {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Q5_0Quantizer() {
    }

    /**
     * @param src       {@code n} floats
     * @param srcOffset byte offset of the first float
     * @param dst       destination of {@code n / 32} blocks of 22 bytes
     * @param dstOffset byte offset of the first block
     * @param n         values, a multiple of 32
     * @throws IllegalArgumentException when {@code n} is not a multiple of 32 or a range exceeds its segment
     */
    public static void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n) {
        QuantizerArguments.check(DType.Q5_0, src, srcOffset, dst, dstOffset, n);
        for (int b = 0; b < n / 32; b++) {
            long x = srcOffset + b * 32L * Float.BYTES;
            long y = dstOffset + b * 22L;
            float d = Q4_0Quantizer.signedMax(src, x) / -16f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, y, Float.floatToFloat16(d));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(31, (int) (src.get(FLOAT, x + j * 4L) * id + 16.5f));
                int hi = Math.min(31, (int) (src.get(FLOAT, x + (16 + j) * 4L) * id + 16.5f));
                dst.set(ValueLayout.JAVA_BYTE, y + 6 + j, (byte) ((lo & 0xF) | (hi & 0xF) << 4));
                qh |= (lo >>> 4 & 1) << j | (hi >>> 4 & 1) << (16 + j);
            }
            dst.set(ValueLayout.JAVA_INT_UNALIGNED, y + 2, qh);
        }
    }
}
