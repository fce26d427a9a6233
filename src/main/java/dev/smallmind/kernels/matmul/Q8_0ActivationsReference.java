package dev.smallmind.kernels.matmul;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar twin of {@link Q8_0Activations}: same rounding, same prepared layout, byte for byte. */
public final class Q8_0ActivationsReference {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Q8_0ActivationsReference() {
    }

    /**
     * Quantizes activation rows {@code [from, to)} into the {@link Q8_0Activations} layout.
     *
     * @param x          F32 activations, rows of {@code k}
     * @param xOffset    byte offset of row 0
     * @param k          row length, a multiple of 32
     * @param from       first row
     * @param to         one past the last row
     * @param prep       destination
     * @param prepOffset byte offset of prepared row 0
     */
    public static void quantize(MemorySegment x, long xOffset, int k, int from, int to,
                                MemorySegment prep, long prepOffset) {
        quantize(x, xOffset, k, from, to, prep, prepOffset, Q8_0Activations.rowBytes(k), -1);
    }

    static void quantize(MemorySegment x, long xOffset, int k, int from, int to,
                         MemorySegment prep, long prepOffset, long rowBytes, long sumsOffset) {
        int block = Q8_0Activations.BLOCK;
        for (int r = from; r < to; r++) {
            long src = xOffset + (long) r * k * Float.BYTES;
            long dst = prepOffset + r * rowBytes;
            for (int b = 0; b < k / block; b++) {
                float amax = 0f;
                for (int j = 0; j < block; j++) {
                    amax = Math.max(amax, Math.abs(x.get(FLOAT, src + (b * block + j) * 4L)));
                }
                float d = amax / 127f;
                float id = amax != 0f ? 127f / amax : 0f;
                float dh = Float.float16ToFloat(Float.floatToFloat16(d));
                int sum = 0;
                for (int j = 0; j < block; j++) {
                    int q = (int) Math.rint(x.get(FLOAT, src + (b * block + j) * 4L) * id);
                    prep.set(FLOAT, dst + (b * block + j) * 4L, q * dh);
                    sum += q;
                }
                if (sumsOffset >= 0) {
                    prep.set(FLOAT, dst + sumsOffset + b * 4L, Float.float16ToFloat(Float.floatToFloat16(d * sum)));
                }
            }
        }
    }
}
