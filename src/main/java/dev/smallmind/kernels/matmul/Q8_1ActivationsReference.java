package dev.smallmind.kernels.matmul;

import java.lang.foreign.MemorySegment;

/** Scalar twin of {@link Q8_1Activations}: same rounding, same prepared layout, byte for byte. */
public final class Q8_1ActivationsReference {
    private Q8_1ActivationsReference() {
    }

    /**
     * Quantizes activation rows {@code [from, to)} into the {@link Q8_1Activations} layout.
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
        Q8_0ActivationsReference.quantize(x, xOffset, k, from, to, prep, prepOffset,
                Q8_1Activations.rowBytes(k), Q8_1Activations.sumsOffset(k));
    }
}
