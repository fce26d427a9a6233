package dev.smallmind.kernels.matmul;

import dev.smallmind.memory.Alignment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Activations rounded through Q8_0 blocks exactly as ggml's x86 {@code quantize_row_q8_0} rounds them before a
 * Q8_0, Q4_0 or Q5_0 dot product: per block of 32, {@code d = fp16(amax / 127)} and
 * {@code q = rint(x * (127 / amax))} (round half to even).
 *
 * <p>The prepared row holds the rounded values {@code d * q} as {@code k} floats (64-byte aligned rows), not the
 * bytes: {@code q} has 7 bits and {@code d} an 11-bit significand, so {@code d * q} is exact in a float, and a
 * kernel that multiplies 4- or 5-bit weight quants by these floats forms every product, and every sum of two
 * products, exactly. The kernels then cost the same as a float path (no per-block activation scale to load) while
 * seeing the very activation values llama.cpp's integer dot products see. {@link Q8_1Activations} adds the block
 * sums.
 */
public final class Q8_0Activations {
    /** Values per block. */
    public static final int BLOCK = 32;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float RINT_MAGIC = 12582912f;

    private Q8_0Activations() {
    }

    /**
     * @param k row length, a multiple of 32
     * @return bytes of one prepared row, a multiple of 64
     */
    public static long rowBytes(int k) {
        return Alignment.up((long) k * Float.BYTES);
    }

    /**
     * Rounds activation rows {@code [from, to)}.
     *
     * @param x          F32 activations, rows of {@code k}
     * @param xOffset    byte offset of row 0
     * @param k          row length, a multiple of 32
     * @param from       first row
     * @param to         one past the last row
     * @param prep       destination
     * @param prepOffset byte offset of prepared row 0
     */
    public static void quantize(MemorySegment x, long xOffset, int k, int from, int to,
                                MemorySegment prep, long prepOffset) {
        quantize(x, xOffset, k, from, to, prep, prepOffset, rowBytes(k), -1, -1, 0, 0);
    }

    /**
     * Shared by the Q8_0, Q8_1 and int16 ({@link Q8_0PairActivations}) forms, so that prompt steps, which round
     * many rows at a time for the decoded-panel path, compile the one method that decode steps use too.
     *
     * @param rowBytes     prepared row stride
     * @param sumsOffset   offset of the Q8_1 block sums in a prepared row, or -1 for Q8_0
     * @param scalesOffset for the int16 form, offset in a prepared row of the float block scales (the quants then
     *                     go to the row's start as int16 and the block sums of the quants to {@code sumsOffset}
     *                     as ints); -1 for the float forms
     * @param quantStride  for the int16 form, bytes from one block's quants to the next's (64 in a plain row;
     *                     the token runs of {@link Q8_0PairActivations#quantizeRuns} interleave the tokens' blocks)
     * @param sideStride   bytes from one block's scale or sum to the next's
     */
    static void quantize(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep,
                         long prepOffset, long rowBytes, long sumsOffset, long scalesOffset, long quantStride,
                         long sideStride) {
        int nb = k / BLOCK;
        for (int r = from; r < to; r++) {
            long src = xOffset + (long) r * k * Float.BYTES;
            long dst = prepOffset + r * rowBytes;
            for (int b = 0; b < nb; b++) {
                long xb = src + (long) b * BLOCK * Float.BYTES;
                long pb = dst + (long) b * BLOCK * Float.BYTES;
                FloatVector amaxV = FloatVector.fromMemorySegment(F, x, xb, LE).lanewise(VectorOperators.ABS);
                for (int j = L; j < BLOCK; j += L) {
                    amaxV = amaxV.max(FloatVector.fromMemorySegment(F, x, xb + j * 4L, LE).lanewise(VectorOperators.ABS));
                }
                float amax = amaxV.reduceLanes(VectorOperators.MAX);
                float d = amax / 127f;
                float id = amax != 0f ? 127f / amax : 0f;
                float dh = Float.float16ToFloat(Float.floatToFloat16(d));
                FloatVector sum = FloatVector.zero(F);
                for (int j = 0; j < BLOCK; j += L) {
                    FloatVector q = FloatVector.fromMemorySegment(F, x, xb + j * 4L, LE)
                            .mul(id).add(RINT_MAGIC).sub(RINT_MAGIC);
                    if (scalesOffset >= 0) {
                        q.convertShape(VectorOperators.F2S, S, 0)
                                .intoMemorySegment(prep, dst + b * quantStride + 2L * j, LE);
                    } else {
                        q.mul(dh).intoMemorySegment(prep, pb + j * 4L, LE);
                    }
                    sum = sum.add(q);
                }
                if (scalesOffset >= 0) {
                    prep.set(FLOAT, dst + scalesOffset + b * sideStride, dh);
                    prep.set(INT, dst + sumsOffset + b * sideStride, (int) sum.reduceLanes(VectorOperators.ADD));
                } else if (sumsOffset >= 0) {
                    float s = d * sum.reduceLanes(VectorOperators.ADD);
                    prep.set(FLOAT, dst + sumsOffset + b * sideStride, Float.float16ToFloat(Float.floatToFloat16(s)));
                }
            }
        }
    }
}
