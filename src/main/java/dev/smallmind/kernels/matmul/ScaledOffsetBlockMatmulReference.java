package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar reference arithmetic shared by the 32-value formats with a scale and a minimum
 * ({@code x = d * q + m}: Q4_1, Q5_1): activations rounded to Q8_1 as ggml does, then per block
 * {@code d * sum(q * x')} accumulated, plus {@code m * s} accumulated apart, in plain loops. Subclasses say where
 * the block's quants are.
 */
abstract class ScaledOffsetBlockMatmulReference implements MatmulKernel {
    private static final int QK = 32;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private final DType type;
    private final int blockBytes;

    /**
     * @param type the weight type, a 32-value block format
     */
    ScaledOffsetBlockMatmulReference(DType type) {
        this.type = type;
        this.blockBytes = type.blockBytes();
    }

    @Override
    public final DType weightType() {
        return type;
    }

    @Override
    public final void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            long wb = wOffset + (long) b * blockBytes;
            float d = Float.float16ToFloat(w.get(SHORT, wb));
            float m = Float.float16ToFloat(w.get(SHORT, wb + 2));
            for (int j = 0; j < QK; j++) {
                dst.set(FLOAT, dstOffset + ((long) b * QK + j) * Float.BYTES, quant(w, wb, j) * d + m);
            }
        }
    }

    @Override
    public final long preparedBytes(int t, int k) {
        return t * Q8_1Activations.rowBytes(k);
    }

    @Override
    public final void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_1ActivationsReference.quantize(x, xOffset, k, from, to, prep, prepOffset);
    }

    @Override
    public final void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long rowBytes = (long) (k / QK) * blockBytes;
        long actRowBytes = Q8_1Activations.rowBytes(k);
        long sums = Q8_1Activations.sumsOffset(k);
        for (int i = rowFrom; i < rowTo; i++) {
            for (int j = 0; j < t; j++) {
                long wr = wOffset + i * rowBytes;
                long ar = actOffset + j * actRowBytes;
                float acc = 0f;
                float minimums = 0f;
                for (int b = 0; b < k / QK; b++) {
                    long wb = wr + (long) b * blockBytes;
                    float p = 0f;
                    for (int e = 0; e < QK; e++) {
                        p += quant(w, wb, e) * act.get(FLOAT, ar + ((long) b * QK + e) * Float.BYTES);
                    }
                    acc += p * Float.float16ToFloat(w.get(SHORT, wb));
                    minimums += Float.float16ToFloat(w.get(SHORT, wb + 2)) * act.get(FLOAT, ar + sums + b * 4L);
                }
                y.set(FLOAT, yOffset + ((long) j * yStride + i) * Float.BYTES, acc + minimums);
            }
        }
    }

    /**
     * @param w  weights
     * @param wb byte offset of the block
     * @param e  element index in the block, 0 to 31
     * @return the element's integer quant as the format defines it
     */
    abstract int quant(MemorySegment w, long wb, int e);
}
