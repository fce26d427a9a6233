package dev.smallmind.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Off-heap, 64-byte aligned benchmark operands filled with reproducible random data. */
public final class BenchMemory {
    private BenchMemory() {
    }

    /**
     * @param arena owner of the memory (a shared or global arena, like the engine's)
     * @param bytes size
     * @param seed  random seed
     * @return a segment of random bytes
     */
    public static MemorySegment randomBytes(Arena arena, long bytes, long seed) {
        MemorySegment s = arena.allocate(bytes, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i + 8 <= bytes; i += 8) {
            s.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
        }
        return s;
    }

    /**
     * @param arena owner
     * @param count number of floats
     * @param seed  random seed
     * @return floats uniform in [-1, 1)
     */
    public static MemorySegment randomFloats(Arena arena, long count, long seed) {
        MemorySegment s = arena.allocate(count * 4, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble() * 2 - 1));
        }
        return s;
    }
}
