package dev.smallmind.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kernel test operands: floats placed at a non-zero byte offset in a shared-arena segment that ends exactly after
 * the last float, so any read or write past an operand fails the test instead of going unnoticed.
 */
final class TestFloats {
    /** Lengths around and away from multiples of the vector length (16 floats here, 8 or 4 elsewhere). */
    static final int[] SIZES = {1, 7, 15, 16, 17, 67, 1031};
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TestFloats() {
    }

    static IntStream sizes() {
        return IntStream.of(SIZES);
    }

    /** @return n floats uniform in [lo, hi) */
    static float[] random(int n, long seed, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return v;
    }

    /** @return a segment of exactly offset + 4 * values.length bytes holding values from byte offset on */
    static MemorySegment place(Arena arena, long offset, float[] values) {
        MemorySegment s = arena.allocate(offset + 4L * values.length, 64);
        for (int i = 0; i < values.length; i++) {
            s.set(FLOAT, offset + 4L * i, values[i]);
        }
        return s;
    }

    static float[] read(MemorySegment s, long offset, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = s.get(FLOAT, offset + 4L * i);
        }
        return v;
    }

    /** Fails unless |actual - expected| <= ulps * ulp(expected) for every element, naming the first bad index. */
    static void assertUlps(float[] expected, float[] actual, float ulps, String what) {
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (Float.compare(e, a) != 0 && !(Math.abs(a - e) <= ulps * Math.ulp(e))) {
                fail(what + "[" + i + "]: expected " + e + ", got " + a + " (" + (Math.abs(a - e) / Math.ulp(e))
                        + " ulp, allowed " + ulps + ")");
            }
        }
    }

    /** Fails unless |actual - expected| <= abs + rel * |expected| for every element. */
    static void assertClose(double[] expected, float[] actual, double rel, double abs, String what) {
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= abs + rel * Math.abs(expected[i]))) {
                fail(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i] + " (error " + err + ")");
            }
        }
    }
}
