package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference for F32 weights: one plain loop per dot product, accumulated in double so that it is the
 * near-exact answer the vector kernel is compared against.
 */
public final class F32MatmulReference implements MatmulKernel {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public DType weightType() {
        return DType.F32;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        for (int e = 0; e < n; e++) {
            dst.set(FLOAT, dstOffset + 4L * e, w.get(FLOAT, wOffset + 4L * e));
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
                long row = wOffset + 4L * k * i;
                double sum = 0;
                for (int e = 0; e < k; e++) {
                    sum += (double) w.get(FLOAT, row + 4L * e) * act.get(FLOAT, x + 4L * e);
                }
                y.set(FLOAT, yOffset + 4L * ((long) j * yStride + i), (float) sum);
            }
        }
    }
}
