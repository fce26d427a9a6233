package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Test-side float64 evaluation of ggml's block dot product for the legacy quant types, decoding the blocks on its
 * own (independent of the kernels): per block {@code d * sum(q * x')}, plus {@code m * s} for the types with a
 * minimum, where {@code x'} are the prepared (Q8-rounded) activations and {@code s} their stored block sum.
 */
final class Float64Dot {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Float64Dot() {
    }

    /**
     * @return {dot, sum of the magnitudes of every term} (the second scales a rounding-error bound)
     */
    static double[] dot(DType type, MemorySegment w, long wr, int k, MemorySegment prep, long ar) {
        double dot = 0;
        double mag = 0;
        for (int b = 0; b < k / 32; b++) {
            long wb = wr + (long) b * type.blockBytes();
            double d = f16(w, wb);
            double blockDot = 0;
            double blockMag = 0;
            for (int e = 0; e < 32; e++) {
                double xq = prep.get(FLOAT, ar + (b * 32L + e) * 4);
                double term = quant(type, w, wb, e) * xq;
                blockDot += term;
                blockMag += Math.abs(term);
            }
            dot += d * blockDot;
            mag += Math.abs(d) * blockMag;
            if (type == DType.Q4_1 || type == DType.Q5_1) {
                double m = f16(w, wb + 2);
                double s = prep.get(FLOAT, ar + Q8_1Activations.sumsOffset(k) + b * 4L);
                dot += m * s;
                mag += Math.abs(m * s);
            }
        }
        return new double[]{dot, mag};
    }

    static double f16(MemorySegment w, long at) {
        return Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
    }

    /** The integer quant of element {@code e}, offset included ({@code q - 8}, {@code q - 16}) where ggml has one. */
    static int quant(DType type, MemorySegment w, long wb, int e) {
        return switch (type) {
            case Q8_0 -> w.get(ValueLayout.JAVA_BYTE, wb + 2 + e);
            case Q4_0 -> nibble(w, wb + 2, e) - 8;
            case Q4_1 -> nibble(w, wb + 4, e);
            case Q5_0 -> (nibble(w, wb + 6, e) | highBit(w, wb + 2, e)) - 16;
            case Q5_1 -> nibble(w, wb + 8, e) | highBit(w, wb + 4, e);
            default -> throw new IllegalArgumentException("not a legacy quant type: " + type);
        };
    }

    private static int nibble(MemorySegment w, long qs, int e) {
        int packed = w.get(ValueLayout.JAVA_BYTE, qs + (e & 15)) & 0xFF;
        return e < 16 ? packed & 0xF : packed >>> 4;
    }

    private static int highBit(MemorySegment w, long qh, int e) {
        int bits = w.get(ValueLayout.JAVA_INT_UNALIGNED, qh);
        return ((bits >>> e) & 1) << 4;
    }
}
