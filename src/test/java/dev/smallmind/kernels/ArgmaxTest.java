package dev.smallmind.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.smallmind.kernels.TestFloats.place;
import static dev.smallmind.kernels.TestFloats.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArgmaxTest {
    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void close() {
        ARENA.close();
    }

    static java.util.stream.IntStream sizes() {
        return TestFloats.sizes();
    }

    private static int argmax(float[] x) {
        MemorySegment s = place(ARENA, 12, x);
        int v = Argmax.argmax(s, 12, x.length);
        assertEquals(ArgmaxReference.argmax(s, 12, x.length), v, "vector vs reference");
        return v;
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void argmaxOfRandomRowsEqualsReference(int n) {
        float[] x = random(n, 41, -5, 5);
        int expected = 0;
        for (int i = 1; i < n; i++) {
            if (x[i] > x[expected]) {
                expected = i;
            }
        }
        assertEquals(expected, argmax(x));
    }

    @Test
    void findsTheMaximumAtEveryPositionAndTheFirstOfTies() {
        int n = 67;
        for (int i = 0; i < n; i++) {
            float[] x = random(n, 42 + i, -5, 5);
            x[i] = 9f;
            assertEquals(i, argmax(x), "single maximum at " + i);
            for (int j = i + 1; j < n; j++) {
                float[] t = x.clone();
                t[j] = 9f;
                assertEquals(i, argmax(t), "tie at " + i + " and " + j);
            }
        }
    }

    @Test
    void equalOrInfiniteRowsGiveIndexZero() {
        float[] equal = new float[1031];
        Arrays.fill(equal, 3f);
        assertEquals(0, argmax(equal));
        float[] lowest = new float[40];
        Arrays.fill(lowest, Float.NEGATIVE_INFINITY);
        assertEquals(0, argmax(lowest));
        lowest[39] = -1e38f;
        assertEquals(39, argmax(lowest));
    }

    @Test
    void emptyRowIsRejected() {
        MemorySegment s = place(ARENA, 12, new float[3]);
        assertThrows(IllegalArgumentException.class, () -> Argmax.argmax(s, 12, 0));
        assertThrows(IllegalArgumentException.class, () -> Argmax.argmax(s, 12, 4));
    }
}
