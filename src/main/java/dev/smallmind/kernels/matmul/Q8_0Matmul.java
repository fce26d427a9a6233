package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q8_0 weights times activations rounded through Q8_0 blocks ({@link Q8_0Activations}), like ggml's
 * {@code vec_dot_q8_0_q8_0}; Vector API version. Block layout: fp16 {@code d}, then 32 signed bytes;
 * {@code x = d * q}. Scalar twin: {@link Q8_0MatmulReference}.
 */
public final class Q8_0Matmul implements MatmulKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    private static final int L = F.length();
    private static final int QK = 32;
    private static final int BLOCK_BYTES = 34;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @Override
    public DType weightType() {
        return DType.Q8_0;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        for (int b = 0; b < n / QK; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            long db = dstOffset + (long) b * QK * Float.BYTES;
            float d = Float.float16ToFloat(w.get(SHORT, wb));
            for (int h = 0; h < QK; h += L) {
                quants(w, wb + 2 + h).mul(d).intoMemorySegment(dst, db + h * 4L, LE);
            }
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return t * Q8_0Activations.rowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_0Activations.quantize(x, xOffset, k, from, to, prep, prepOffset);
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        int nb = k / QK;
        long rowBytes = (long) nb * BLOCK_BYTES;
        long actRowBytes = Q8_0Activations.rowBytes(k);
        for (int i = rowFrom; i < rowTo; i++) {
            long wr = wOffset + i * rowBytes;
            for (int j = 0; j < t; j++) {
                float dot = dot(w, wr, nb, act, actOffset + j * actRowBytes);
                y.set(FLOAT, yOffset + ((long) j * yStride + i) * Float.BYTES, dot);
            }
        }
    }

    private static float dot(MemorySegment w, long wr, int nb, MemorySegment act, long ar) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long wb = wr + (long) b * BLOCK_BYTES;
            long ab = ar + (long) b * QK * Float.BYTES;
            FloatVector p = FloatVector.zero(F);
            for (int h = 0; h < QK; h += L) {
                p = quants(w, wb + 2 + h).fma(FloatVector.fromMemorySegment(F, act, ab + h * 4L, LE), p);
            }
            acc = p.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wb))), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static FloatVector quants(MemorySegment w, long offset) {
        return (FloatVector) ByteVector.fromMemorySegment(B, w, offset, LE).convertShape(VectorOperators.B2F, F, 0);
    }
}
