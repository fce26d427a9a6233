package dev.smallmind.kernels.matmul;

import dev.smallmind.memory.Alignment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Activations rounded through Q8_0 blocks as {@link Q8_0Activations} rounds them, kept as integers for
 * {@link Q4_0InterleavedMatmul}: a prepared row is the {@code k} quants as int16 in column order (so any two
 * neighbours load as one int to broadcast), then per block the scale {@code d} as a float, then per block
 * {@code -8 * sum(q)} as an int (the offset of Q4_0's unsigned nibbles).
 */
public final class Q8_0PairActivations {
    private static final int BLOCK = Q8_0Activations.BLOCK;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
    private static final int L = F.length();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float RINT_MAGIC = 12582912f;
    /** Q4_0's quants are stored as {@code x / d + 8}. */
    private static final int NIBBLE_OFFSET = 8;

    private Q8_0PairActivations() {
    }

    /**
     * @param k row length, a multiple of 32
     * @return bytes of one prepared row, a multiple of 64
     */
    public static long rowBytes(int k) {
        return Alignment.up(correctionsOffset(k) + 4L * (k / BLOCK));
    }

    /**
     * @param k row length
     * @return offset in a prepared row of the block scales
     */
    static long scalesOffset(int k) {
        return 2L * k;
    }

    /**
     * @param k row length
     * @return offset in a prepared row of the blocks' {@code -8 * sum(q)}
     */
    static long correctionsOffset(int k) {
        return scalesOffset(k) + 4L * (k / BLOCK);
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
        int nb = k / BLOCK;
        long rowBytes = rowBytes(k);
        for (int r = from; r < to; r++) {
            long src = xOffset + (long) r * k * Float.BYTES;
            long dst = prepOffset + r * rowBytes;
            for (int b = 0; b < nb; b++) {
                long xb = src + (long) b * BLOCK * Float.BYTES;
                FloatVector amaxV = FloatVector.fromMemorySegment(F, x, xb, LE).lanewise(VectorOperators.ABS);
                for (int j = L; j < BLOCK; j += L) {
                    amaxV = amaxV.max(FloatVector.fromMemorySegment(F, x, xb + j * 4L, LE).lanewise(VectorOperators.ABS));
                }
                float amax = amaxV.reduceLanes(VectorOperators.MAX);
                float id = amax != 0f ? 127f / amax : 0f;
                FloatVector sum = FloatVector.zero(F);
                for (int j = 0; j < BLOCK; j += L) {
                    FloatVector q = FloatVector.fromMemorySegment(F, x, xb + j * 4L, LE)
                            .mul(id).add(RINT_MAGIC).sub(RINT_MAGIC);
                    q.convertShape(VectorOperators.F2S, S, 0)
                            .intoMemorySegment(prep, dst + 2L * ((long) b * BLOCK + j), LE);
                    sum = sum.add(q);
                }
                prep.set(FLOAT, dst + scalesOffset(k) + 4L * b, Float.float16ToFloat(Float.floatToFloat16(amax / 127f)));
                prep.set(INT, dst + correctionsOffset(k) + 4L * b,
                        -NIBBLE_OFFSET * (int) sum.reduceLanes(VectorOperators.ADD));
            }
        }
    }
}
