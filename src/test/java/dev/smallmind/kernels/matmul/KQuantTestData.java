package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Random K-quant weight rows with finite fp16 scales, and off-heap helpers for the kernel tests. */
final class KQuantTestData {
    private KQuantTestData() {
    }

    /**
     * @return {@code n} rows of {@code k} random {@code type} values starting at byte {@code offset} of a fresh
     *         native segment; fp16 super-block scales are finite (d may be negative for Q6_K, as ggml writes it)
     */
    static MemorySegment weights(Arena arena, DType type, int n, int k, long offset, long seed) {
        long bytes = type.rowBytes(k) * n;
        MemorySegment s = arena.allocate(offset + bytes + 64, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
        }
        long blocks = bytes / type.blockBytes();
        for (long b = 0; b < blocks; b++) {
            long blk = offset + b * type.blockBytes();
            if (type == DType.Q6_K) {
                setHalf(s, blk + 208, (float) ((r.nextDouble() * 2 - 1) * 0.01));
            } else {
                setHalf(s, blk, (float) (r.nextDouble() * 0.01));
                setHalf(s, blk + 2, (float) (r.nextDouble() * 0.01));
            }
        }
        return s;
    }

    /** @return {@code count} floats uniform in (-2, 2) from byte {@code offset}; every fifth 256-block is zero */
    static MemorySegment floats(Arena arena, int count, long offset, long seed) {
        MemorySegment s = arena.allocate(offset + 4L * count + 64, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            float v = (i / 256) % 5 == 4 ? 0 : (float) (r.nextDouble() * 4 - 2);
            s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, offset + 4L * i, v);
        }
        return s;
    }

    static void setHalf(MemorySegment s, long off, float v) {
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED, off, Float.floatToFloat16(v));
    }

    static float getFloat(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, off);
    }
}
