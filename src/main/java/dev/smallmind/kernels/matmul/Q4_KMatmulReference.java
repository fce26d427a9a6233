package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.quant.Q8_KQuantizer;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference for {@link Q4_KMatmul}: Q4_K weights times Q8_K activations, as llama.cpp's
 * {@code vec_dot_q4_K_q8_K}. Per super-block the integer sums {@code sumi = sum_j scale_j * dot(q_j, a_j)} and
 * {@code summ = sum_j min_j * (bsum_2j + bsum_2j+1)} are exact; the float result gains
 * {@code (ad * d) * sumi - (ad * dmin) * summ}, super-block after super-block. The Vector API kernel sums the same
 * exact integers and differs only in float summation order.
 *
 * <p>Q4_K super-block (144 bytes): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins ({@link KQuantScales}),
 * 128 bytes of nibbles: byte {@code 32c + l} holds value {@code 64c + l} in its low nibble and {@code 64c + 32 + l}
 * in its high nibble; value {@code e} = {@code d * scale(e / 32) * q - dmin * min(e / 32)}.
 */
public final class Q4_KMatmulReference implements MatmulKernel {
    static final int BLOCK = DType.Q4_K.blockBytes();
    static final int DMIN = 2;
    static final int SCALES = 4;
    static final int QS = 16;

    @Override
    public DType weightType() {
        return DType.Q4_K;
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int blocks = n / 256;
        for (int b = 0; b < blocks; b++) {
            long blk = wOffset + (long) b * BLOCK;
            float d = KQuantScales.half(w, blk);
            float dmin = KQuantScales.half(w, blk + DMIN);
            for (int c = 0; c < 4; c++) {
                float d1 = d * KQuantScales.scale(w, blk + SCALES, 2 * c);
                float m1 = dmin * KQuantScales.min(w, blk + SCALES, 2 * c);
                float d2 = d * KQuantScales.scale(w, blk + SCALES, 2 * c + 1);
                float m2 = dmin * KQuantScales.min(w, blk + SCALES, 2 * c + 1);
                long out = dstOffset + 4L * (b * 256 + 64 * c);
                for (int l = 0; l < 32; l++) {
                    int q = w.get(ValueLayout.JAVA_BYTE, blk + QS + 32 * c + l);
                    dst.set(KQuantScales.F32, out + 4L * l, d1 * (q & 0xF) - m1);
                    dst.set(KQuantScales.F32, out + 4L * (32 + l), d2 * ((q >> 4) & 0xF) - m2);
                }
            }
        }
    }

    @Override
    public long preparedBytes(int t, int k) {
        return t * Q8_KQuantizer.rowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
        Q8_KQuantizer.quantizeRows(x, xOffset, k, from, to, prep, prepOffset);
    }

    @Override
    public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                         MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        int blocks = k / 256;
        long rowBytes = (long) blocks * BLOCK;
        long actRowBytes = Q8_KQuantizer.rowBytes(k);
        for (int i = rowFrom; i < rowTo; i++) {
            long wRow = wOffset + i * rowBytes;
            for (int j = 0; j < t; j++) {
                long aRow = actOffset + j * actRowBytes;
                float sum = 0;
                for (int b = 0; b < blocks; b++) {
                    long wb = wRow + (long) b * BLOCK;
                    long ab = aRow + (long) b * Q8_KQuantizer.BLOCK_BYTES;
                    int sumi = 0;
                    int summ = 0;
                    for (int s = 0; s < 8; s++) {
                        int dot = 0;
                        int shift = (s & 1) * 4;
                        for (int l = 0; l < 32; l++) {
                            int q = (w.get(ValueLayout.JAVA_BYTE, wb + QS + 32 * (s >> 1) + l) >> shift) & 0xF;
                            dot += q * act.get(ValueLayout.JAVA_BYTE, ab + Q8_KQuantizer.QS + 32 * s + l);
                        }
                        sumi += KQuantScales.scale(w, wb + SCALES, s) * dot;
                        summ += KQuantScales.min(w, wb + SCALES, s) * KQuantScales.bsumPair(act, ab, s);
                    }
                    float ad = act.get(KQuantScales.F32, ab);
                    sum += ad * KQuantScales.half(w, wb) * sumi - ad * KQuantScales.half(w, wb + DMIN) * summ;
                }
                y.set(KQuantScales.F32, yOffset + 4L * ((long) j * yStride + i), sum);
            }
        }
    }
}
