package dev.smallmind.kernels.quant;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * float to Q8_0 blocks, byte for byte as ggml's {@code quantize_row_q8_0_ref} (what llama-quantize and GGUF
 * writers use): {@code d = amax / 127}, {@code q = roundf(x / d)} with ties away from zero. (The activation
 * rounding before a dot product differs in its ties and reciprocal: see the kernels' {@code Q8_0Activations}.)
 */
public final class Q8_0Quantizer {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Q8_0Quantizer() {
    }

    /**
     * @param src       {@code n} floats
     * @param srcOffset byte offset of the first float
     * @param dst       destination of {@code n / 32} blocks of 34 bytes
     * @param dstOffset byte offset of the first block
     * @param n         values, a multiple of 32
     * @throws IllegalArgumentException when {@code n} is not a multiple of 32 or a range exceeds its segment
     */
    public static void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n) {
        QuantizerArguments.check(DType.Q8_0, src, srcOffset, dst, dstOffset, n);
        for (int b = 0; b < n / 32; b++) {
            long x = srcOffset + b * 32L * Float.BYTES;
            long y = dstOffset + b * 34L;
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(src.get(FLOAT, x + j * 4L)));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, y, Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                dst.set(ValueLayout.JAVA_BYTE, y + 2 + j, (byte) roundHalfAway(src.get(FLOAT, x + j * 4L) * id));
            }
        }
    }

    /** C's {@code roundf}: nearest integer, ties away from zero (in double, so {@code v + 0.5} cannot round up). */
    static int roundHalfAway(float v) {
        int r = (int) Math.floor(Math.abs((double) v) + 0.5);
        return v < 0 ? -r : r;
    }
}
