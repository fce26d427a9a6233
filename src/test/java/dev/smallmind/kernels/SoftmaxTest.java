package dev.smallmind.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.smallmind.kernels.TestFloats.assertClose;
import static dev.smallmind.kernels.TestFloats.assertUlps;
import static dev.smallmind.kernels.TestFloats.place;
import static dev.smallmind.kernels.TestFloats.random;
import static dev.smallmind.kernels.TestFloats.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoftmaxTest {
    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void close() {
        ARENA.close();
    }

    static java.util.stream.IntStream sizes() {
        return TestFloats.sizes();
    }

    /**
     * The exponentials differ by at most 2.5 ulp (vector exp) plus 0.5 (Math.exp); the double sums agree far below
     * float precision, so the common factor differs by at most 1 ulp: 4 ulp in all.
     */
    @ParameterizedTest
    @MethodSource("sizes")
    void softmaxMatchesReference(int n) {
        float[] x = random(n, 31, -12, 12);
        MemorySegment v = place(ARENA, 12, x);
        MemorySegment r = place(ARENA, 20, x);
        Softmax.softmax(v, 12, n);
        SoftmaxReference.softmax(r, 20, n);
        assertUlps(read(r, 20, n), read(v, 12, n), 4, "softmax");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void softmaxSumsToOneAndEqualsTheDoubleDefinition(int n) {
        float[] x = random(n, 32, -30, 30);
        MemorySegment v = place(ARENA, 12, x);
        Softmax.softmax(v, 12, n);
        float[] y = read(v, 12, n);
        double max = Double.NEGATIVE_INFINITY;
        for (float f : x) {
            max = Math.max(max, f);
        }
        double sum = 0;
        for (float f : x) {
            sum += Math.exp(f - max);
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double expected = Math.exp(x[i] - max) / sum;
            // a few ulp from exp and the final product, plus the rounding of the float x - max (as in ggml)
            double tolerance = (4 + Math.abs(x[i] - max)) * 0x1p-24 * expected;
            assertEquals(expected, y[i], tolerance, "softmax[" + i + "]");
            total += y[i];
        }
        assertEquals(1.0, total, 1e-6);
    }

    @Test
    void softmaxIsStableForHugeInputsAndUniformForEqualOnes() {
        MemorySegment v = place(ARENA, 12, new float[] {1000f, 1001f, 999f, -1e30f});
        Softmax.softmax(v, 12, 4);
        double e = Math.E;
        double z = 1 + e + 1 / e;
        assertClose(new double[] {1 / z, e / z, 1 / e / z, 0}, read(v, 12, 4), 3e-7, 0, "softmax of large values");

        int n = 67;
        MemorySegment u = place(ARENA, 4, new float[n]);
        Softmax.softmax(u, 4, n);
        for (float f : read(u, 4, n)) {
            assertEquals(1.0 / n, f, 1e-8);
        }
        MemorySegment one = place(ARENA, 8, new float[] {-3.5f});
        Softmax.softmax(one, 8, 1);
        assertEquals(1f, read(one, 8, 1)[0]);
    }

    @Test
    void emptyOrOversizedRowsAreRejected() {
        MemorySegment v = place(ARENA, 12, new float[4]);
        assertThrows(IllegalArgumentException.class, () -> Softmax.softmax(v, 12, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Softmax.softmax(v, 12, 5));
        assertTrue(e.getMessage().contains("5 floats"), e.getMessage());
    }
}
