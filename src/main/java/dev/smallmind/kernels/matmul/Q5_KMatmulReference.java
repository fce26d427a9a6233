package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.quant.Q8_KQuantizer;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference for {@link Q5_KMatmul}: Q5_K weights times Q8_K activations, as llama.cpp's
 * {@code vec_dot_q5_K_q8_K}, with the same per-super-block arithmetic as {@link Q4_KMatmulReference}.
 *
 * <p>Q5_K super-block (176 bytes): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins ({@link KQuantScales}),
 * 32 bytes of high bits, 128 bytes of low nibbles. Value {@code 64c + l} (l < 32) is the low nibble of byte
 * {@code 32c + l} plus 16 times bit {@code 2c} of high byte {@code l}; value {@code 64c + 32 + l} the high nibble
 * plus 16 times bit {@code 2c + 1}. Value {@code e} = {@code d * scale(e / 32) * q - dmin * min(e / 32)}.
 */
public final class Q5_KMatmulReference implements MatmulKernel {
    static final int BLOCK = DType.Q5_K.blockBytes();
    static final int DMIN = 2;
    static final int SCALES = 4;
    static final int QH = 16;
    static final int QS = 48;

    @Override
    public DType weightType() {
        return DType.Q5_K;
    }

    /** @return the 5-bit value {@code e} (0 to 255) of the super-block at {@code blk} */
    static int quant(MemorySegment w, long blk, int e) {
        int c = e / 64;
        int l = e % 32;
        int high = (e / 32) & 1;
        int nibble = (w.get(ValueLayout.JAVA_BYTE, blk + QS + 32 * c + l) >> (4 * high)) & 0xF;
        int bit = (w.get(ValueLayout.JAVA_BYTE, blk + QH + l) >> (2 * c + high)) & 1;
        return nibble | (bit << 4);
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int blocks = n / 256;
        for (int b = 0; b < blocks; b++) {
            long blk = wOffset + (long) b * BLOCK;
            float d = KQuantScales.half(w, blk);
            float dmin = KQuantScales.half(w, blk + DMIN);
            for (int s = 0; s < 8; s++) {
                float ds = d * KQuantScales.scale(w, blk + SCALES, s);
                float ms = dmin * KQuantScales.min(w, blk + SCALES, s);
                for (int l = 0; l < 32; l++) {
                    int e = 32 * s + l;
                    dst.set(KQuantScales.F32, dstOffset + 4L * (b * 256 + e), ds * quant(w, blk, e) - ms);
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
                        for (int l = 0; l < 32; l++) {
                            int e = 32 * s + l;
                            dot += quant(w, wb, e) * act.get(ValueLayout.JAVA_BYTE, ab + Q8_KQuantizer.QS + e);
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
