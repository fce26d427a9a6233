package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar twin of {@link Q5_1Matmul}: the same activation rounding and the same arithmetic (per block
 * {@code d * sum(q * x')} accumulated, plus {@code m * s} accumulated apart), in plain loops.
 */
public final class Q5_1MatmulReference implements MatmulKernel {
    private static final int QK = 32;
    private static final int BLOCK_BYTES = 24;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public DType weightType() {
        return DType.Q5_1;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT, wb));
            float m = Float.float16ToFloat(w.get(SHORT, wb + 2));
            for (int j = 0; j < QK; j++) {
                dst.set(FLOAT, dstOffset + ((long) b * QK + j) * Float.BYTES, quant(w, wb, j) * d + m);
            }
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return t * Q8_1Activations.rowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_1ActivationsReference.quantize(x, xOffset, k, from, to, prep, prepOffset);
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        long rowBytes = (long) (k / QK) * BLOCK_BYTES;
        long actRowBytes = Q8_1Activations.rowBytes(k);
        long sums = Q8_1Activations.sumsOffset(k);
        for (int i = rowFrom; i < rowTo; i++) {
            for (int j = 0; j < t; j++) {
                long wr = wOffset + i * rowBytes;
                long ar = actOffset + j * actRowBytes;
                float acc = 0f;
                float minimums = 0f;
                for (int b = 0; b < k / QK; b++) {
                    long wb = wr + (long) b * BLOCK_BYTES;
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

    /** Element {@code e} of the block at {@code wb}, the unsigned 5-bit quant. */
    private static int quant(MemorySegment w, long wb, int e) {
        int packed = w.get(ValueLayout.JAVA_BYTE, wb + 8 + (e & 15)) & 0xFF;
        int low = e < 16 ? packed & 0xF : packed >>> 4;
        int fifth = (w.get(ValueLayout.JAVA_INT_UNALIGNED, wb + 4) >>> e) & 1;
        return low | fifth << 4;
    }
}
