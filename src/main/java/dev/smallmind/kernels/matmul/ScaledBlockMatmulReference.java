package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar reference arithmetic shared by the 32-value formats with one scale ({@code x = d * q}: Q8_0, Q4_0,
 * Q5_0): activations rounded to Q8_0 as ggml does, then per block a float sum of quant times prepared activation,
 * scaled by {@code d}, in plain loops. Subclasses say where the block's quants are.
 */
abstract class ScaledBlockMatmulReference implements MatmulKernel {
    private static final int QK = 32;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private final DType type;
    private final int blockBytes;

    /**
     * @param type the weight type, a 32-value block format
     */
    ScaledBlockMatmulReference(DType type) {
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
            for (int j = 0; j < QK; j++) {
                dst.set(FLOAT, dstOffset + ((long) b * QK + j) * Float.BYTES, quant(w, wb, j) * d);
            }
        }
    }

    @Override
    public final long preparedBytes(int t, int k) {
        return t * Q8_0Activations.rowBytes(k);
    }

    @Override
    public final void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_0ActivationsReference.quantize(x, xOffset, k, from, to, prep, prepOffset);
    }

    @Override
    public final void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long rowBytes = (long) (k / QK) * blockBytes;
        long actRowBytes = Q8_0Activations.rowBytes(k);
        for (int i = rowFrom; i < rowTo; i++) {
            for (int j = 0; j < t; j++) {
                long wr = wOffset + i * rowBytes;
                long ar = actOffset + j * actRowBytes;
                float acc = 0f;
                for (int b = 0; b < k / QK; b++) {
                    long wb = wr + (long) b * blockBytes;
                    float p = 0f;
                    for (int e = 0; e < QK; e++) {
                        p += quant(w, wb, e) * act.get(FLOAT, ar + ((long) b * QK + e) * Float.BYTES);
                    }
                    acc += p * Float.float16ToFloat(w.get(SHORT, wb));
                }
                y.set(FLOAT, yOffset + ((long) j * yStride + i) * Float.BYTES, acc);
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
