package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar twin of {@link Q4_0Matmul}: the same activation rounding and the same arithmetic (per block a float sum
 * of quant times prepared activation, scaled by {@code d}), in plain loops.
 */
public final class Q4_0MatmulReference implements MatmulKernel {
    private static final int QK = 32;
    private static final int BLOCK_BYTES = 18;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public DType weightType() {
        return DType.Q4_0;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT, wb));
            for (int j = 0; j < QK; j++) {
                dst.set(FLOAT, dstOffset + ((long) b * QK + j) * Float.BYTES, quant(w, wb, j) * d);
            }
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return t * Q8_0Activations.rowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_0ActivationsReference.quantize(x, xOffset, k, from, to, prep, prepOffset);
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long rowBytes = (long) (k / QK) * BLOCK_BYTES;
        long actRowBytes = Q8_0Activations.rowBytes(k);
        for (int i = rowFrom; i < rowTo; i++) {
            for (int j = 0; j < t; j++) {
                long wr = wOffset + i * rowBytes;
                long ar = actOffset + j * actRowBytes;
                float acc = 0f;
                for (int b = 0; b < k / QK; b++) {
                    long wb = wr + (long) b * BLOCK_BYTES;
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

    /** Element {@code e} of the block at {@code wb}, as the signed integer {@code q - 8}. */
    private static int quant(MemorySegment w, long wb, int e) {
        int packed = w.get(ValueLayout.JAVA_BYTE, wb + 2 + (e & 15)) & 0xFF;
        return (e < 16 ? packed & 0xF : packed >>> 4) - 8;
    }
}
