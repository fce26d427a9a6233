package dev.smallmind.profile;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Fills weight matrices with random but valid data of any weight type, fast enough for benchmark-sized matrices:
 * plain float types get small random values; block-quantized types get random quant bytes with every fp16 scale
 * (and minimum) overwritten by a small positive finite half float, so no block decodes to NaN or infinity.
 */
final class RandomWeights {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    /** Bytes of fresh random data; the rest of a larger matrix repeats them. */
    static final long CHUNK = 1 << 20;

    private RandomWeights() {
    }

    /**
     * @param type a weight type
     * @return byte offsets of the fp16 scale fields inside one block, as ggml lays the block out
     * @throws IllegalArgumentException for a type whose layout is not listed here
     */
    static int[] halfScaleOffsets(DType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0 -> new int[] {0};
            case Q4_1, Q5_1, Q8_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException("no random block layout for " + type);
        };
    }

    /**
     * Fills the first {@link #CHUNK} bytes (rounded down to whole blocks) with random data and repeats them over the
     * rest: a matrix of hundreds of megabytes is ready in milliseconds, and the kernels' speed does not depend on
     * the values repeating.
     *
     * @param type  weight type
     * @param dst   destination
     * @param bytes bytes to fill (a whole number of blocks, or of elements for plain types)
     * @param seed  random seed
     */
    static void fill(DType type, MemorySegment dst, long bytes, long seed) {
        long unit = type.isQuantized() ? type.blockBytes() : 4;
        long chunk = Math.min(bytes, Math.max(unit, CHUNK / unit * unit));
        fillRandom(type, dst, chunk, seed);
        for (long off = chunk; off < bytes; off += chunk) {
            MemorySegment.copy(dst, 0, dst, off, Math.min(chunk, bytes - off));
        }
    }

    private static void fillRandom(DType type, MemorySegment dst, long bytes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < bytes / 4; i++) {
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, small(r));
                }
            }
            case F16 -> {
                for (long i = 0; i < bytes / 2; i++) {
                    dst.setAtIndex(HALF, i, Float.floatToFloat16(small(r)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < bytes / 2; i++) {
                    dst.setAtIndex(HALF, i, (short) (Float.floatToRawIntBits(small(r)) >>> 16));
                }
            }
            default -> fillBlocks(type, dst, bytes, r);
        }
    }

    private static void fillBlocks(DType type, MemorySegment dst, long bytes, SplittableRandom r) {
        int[] scales = halfScaleOffsets(type);
        int blockBytes = type.blockBytes();
        if (bytes % blockBytes != 0) {
            throw new IllegalArgumentException(bytes + " bytes are not whole " + type + " blocks of " + blockBytes);
        }
        long words = bytes / 8;
        for (long i = 0; i < words; i++) {
            dst.set(LONG, i * 8, r.nextLong());
        }
        for (long i = words * 8; i < bytes; i++) {
            dst.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
        }
        for (long block = 0; block < bytes; block += blockBytes) {
            for (int off : scales) {
                dst.set(HALF, block + off, Float.floatToFloat16(0.001f + 0.01f * r.nextFloat()));
            }
        }
    }

    private static float small(SplittableRandom r) {
        return (float) (r.nextDouble() - 0.5) * 0.04f;
    }
}
