package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.quant.Q8_KQuantizer;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference for {@link Q6_KMatmul}: Q6_K weights times Q8_K activations, as llama.cpp's
 * {@code vec_dot_q6_K_q8_K}. Per super-block the integer sum {@code sumi = sum_j scale_j * dot(q_j - 32, a_j)}
 * over the 16 sub-blocks of 16 is exact; the float result gains {@code (ad * d) * sumi}. The Vector API kernel
 * sums the same exact integers and differs only in float summation order.
 *
 * <p>Q6_K super-block (210 bytes): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, fp16
 * d. In half {@code n} (128 values), for {@code l < 32}: value {@code 128n + l} is the low nibble of low byte
 * {@code 64n + l} with bits 0-1 of high byte {@code 32n + l}; {@code +32} the low nibble of byte {@code 64n + 32 + l}
 * with bits 2-3; {@code +64} the high nibble of byte {@code 64n + l} with bits 4-5; {@code +96} the high nibble of
 * byte {@code 64n + 32 + l} with bits 6-7. Value {@code e} = {@code d * scale(e / 16) * (q - 32)}.
 */
public final class Q6_KMatmulReference implements MatmulKernel {
    static final int BLOCK = DType.Q6_K.blockBytes();
    static final int QH = 128;
    static final int SCALES = 192;
    static final int D = 208;

    @Override
    public DType weightType() {
        return DType.Q6_K;
    }

    /** @return the signed 6-bit value {@code e} (0 to 255), -32 to 31, of the super-block at {@code blk} */
    static int quant(MemorySegment w, long blk, int e) {
        int n = e / 128;
        int r = e % 128;
        int quarter = r / 32;
        int l = r % 32;
        int low = w.get(ValueLayout.JAVA_BYTE, blk + 64 * n + 32 * (quarter & 1) + l);
        int nibble = (low >> (4 * (quarter >> 1))) & 0xF;
        int high = (w.get(ValueLayout.JAVA_BYTE, blk + QH + 32 * n + l) >> (2 * quarter)) & 3;
        return (nibble | (high << 4)) - 32;
    }

    /** @return the int8 scale of 16-value sub-block {@code s} */
    static int scale(MemorySegment w, long blk, int s) {
        return w.get(ValueLayout.JAVA_BYTE, blk + SCALES + s);
    }

    @Override
    public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        int blocks = n / 256;
        for (int b = 0; b < blocks; b++) {
            long blk = wOffset + (long) b * BLOCK;
            float d = KQuantScales.half(w, blk + D);
            for (int e = 0; e < 256; e++) {
                float v = d * scale(w, blk, e / 16) * quant(w, blk, e);
                dst.set(KQuantScales.F32, dstOffset + 4L * (b * 256 + e), v);
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
                    for (int s = 0; s < 16; s++) {
                        int dot = 0;
                        for (int l = 0; l < 16; l++) {
                            int e = 16 * s + l;
                            dot += quant(w, wb, e) * act.get(ValueLayout.JAVA_BYTE, ab + Q8_KQuantizer.QS + e);
                        }
                        sumi += scale(w, wb, s) * dot;
                    }
                    float ad = act.get(KQuantScales.F32, ab);
                    sum += ad * KQuantScales.half(w, wb + D) * sumi;
                }
                y.set(KQuantScales.F32, yOffset + 4L * ((long) j * yStride + i), sum);
            }
        }
    }
}
