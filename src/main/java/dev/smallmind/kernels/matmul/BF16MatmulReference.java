package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference for BF16 weights: each element is the upper half of a float32, dot products accumulated in double
 * so that it is the near-exact answer the vector kernel is compared against. Activations stay F32, as in
 * {@link BF16Matmul}.
 */
public final class BF16MatmulReference implements MatmulKernel {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Override
    public DType weightType() {
        return DType.BF16;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        for (int e = 0; e < n; e++) {
            dst.set(FLOAT, dstOffset + 4L * e, Float.intBitsToFloat(w.get(SHORT, wOffset + 2L * e) << 16));
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return 0;
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        for (int j = 0; j < t; j++) {
            long x = actOffset + 4L * k * j;
            for (int i = rowFrom; i < rowTo; i++) {
                long row = wOffset + 2L * k * i;
                double sum = 0;
                for (int e = 0; e < k; e++) {
                    sum += (double) Float.intBitsToFloat(w.get(SHORT, row + 2L * e) << 16) * act.get(FLOAT, x + 4L * e);
                }
                y.set(FLOAT, yOffset + 4L * ((long) j * yStride + i), (float) sum);
            }
        }
    }
}
