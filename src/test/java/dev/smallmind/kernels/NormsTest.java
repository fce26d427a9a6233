package dev.smallmind.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.smallmind.kernels.TestFloats.assertClose;
import static dev.smallmind.kernels.TestFloats.assertUlps;
import static dev.smallmind.kernels.TestFloats.place;
import static dev.smallmind.kernels.TestFloats.random;
import static dev.smallmind.kernels.TestFloats.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Vector and reference sum the same float terms in double, only in another order, so the float mean and scale
 * agree except when the double sums straddle a float rounding boundary (never seen, allowed for): outputs may then
 * differ by the 1 ulp of the scale plus the rounding of the products, hence 2 ulp.
 */
class NormsTest {
    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void close() {
        ARENA.close();
    }

    static java.util.stream.IntStream sizes() {
        return TestFloats.sizes();
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void rmsNormMatchesReference(int n) {
        MemorySegment x = place(ARENA, 12, random(n, 21, -3, 3));
        MemorySegment w = place(ARENA, 8, random(n, 22, 0.5f, 1.5f));
        MemorySegment out = place(ARENA, 20, new float[n]);
        MemorySegment ref = place(ARENA, 4, new float[n]);
        Norms.rmsNorm(x, 12, w, 8, out, 20, n, 1e-5f);
        NormsReference.rmsNorm(x, 12, w, 8, ref, 4, n, 1e-5f);
        assertUlps(read(ref, 4, n), read(out, 20, n), 2, "rmsNorm");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void rmsNormEqualsDoublePrecisionDefinition(int n) {
        float[] xv = random(n, 23, -3, 3);
        float[] wv = random(n, 24, 0.5f, 1.5f);
        MemorySegment x = place(ARENA, 12, xv);
        MemorySegment w = place(ARENA, 8, wv);
        Norms.rmsNorm(x, 12, w, 8, x, 12, n, 1e-6f);
        double squares = 0;
        for (float v : xv) {
            squares += (double) v * v;
        }
        double scale = 1 / Math.sqrt(squares / n + 1e-6);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            expected[i] = xv[i] * scale * wv[i];
        }
        assertClose(expected, read(x, 12, n), 5e-7, 1e-7, "rmsNorm in place");
    }

    @Test
    void rmsNormOfAConstantRowIsItsSignTimesWeight() {
        int n = 67;
        float[] c = new float[n];
        Arrays.fill(c, -2.5f);
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        MemorySegment x = place(ARENA, 12, c);
        MemorySegment w = place(ARENA, 4, ones);
        MemorySegment out = place(ARENA, 8, new float[n]);
        Norms.rmsNorm(x, 12, w, 4, out, 8, n, 1e-5f);
        double[] expected = new double[n];
        Arrays.fill(expected, -2.5 / Math.sqrt(6.25 + 1e-5));
        assertClose(expected, read(out, 8, n), 2e-7, 0, "rmsNorm of a constant");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void layerNormMatchesReference(int n) {
        MemorySegment x = place(ARENA, 12, random(n, 25, -2, 4));
        MemorySegment w = place(ARENA, 8, random(n, 26, 0.5f, 1.5f));
        MemorySegment b = place(ARENA, 16, random(n, 27, -1, 1));
        MemorySegment out = place(ARENA, 20, new float[n]);
        MemorySegment ref = place(ARENA, 4, new float[n]);
        Norms.layerNorm(x, 12, w, 8, b, 16, out, 20, n, 1e-5f);
        NormsReference.layerNorm(x, 12, w, 8, b, 16, ref, 4, n, 1e-5f);
        assertUlps(read(ref, 4, n), read(out, 20, n), 2, "layerNorm");
    }

    @Test
    void layerNormOfKnownRowAndOfAConstantRow() {
        MemorySegment x = place(ARENA, 12, new float[] {1, 2, 3, 4});
        MemorySegment w = place(ARENA, 4, new float[] {1, 1, 2, 1});
        MemorySegment b = place(ARENA, 4, new float[] {0, 0, 0, 10});
        MemorySegment out = place(ARENA, 8, new float[4]);
        Norms.layerNorm(x, 12, w, 4, b, 4, out, 8, 4, 0f);
        double s = Math.sqrt(1.25);
        assertClose(new double[] {-1.5 / s, -0.5 / s, 2 * 0.5 / s, 1.5 / s + 10}, read(out, 8, 4), 2e-7, 0, "layerNorm");

        int n = 1031;
        float[] c = new float[n];
        Arrays.fill(c, 7.25f);
        float[] bias = random(n, 28, -1, 1);
        MemorySegment xc = place(ARENA, 12, c);
        MemorySegment wc = place(ARENA, 4, random(n, 29, 0.5f, 1.5f));
        MemorySegment bc = place(ARENA, 4, bias);
        MemorySegment outc = place(ARENA, 8, new float[n]);
        Norms.layerNorm(xc, 12, wc, 4, bc, 4, outc, 8, n, 1e-5f);
        assertArrayEquals(bias, read(outc, 8, n), "x - mean is exactly 0, so only the bias remains");
    }

    @Test
    void emptyRowsAndShortOperandsAreRejected() {
        MemorySegment x = place(ARENA, 12, new float[8]);
        MemorySegment w = place(ARENA, 12, new float[7]);
        assertThrows(IllegalArgumentException.class, () -> Norms.rmsNorm(x, 12, x, 12, x, 12, 0, 1e-5f));
        assertThrows(IllegalArgumentException.class, () -> Norms.rmsNorm(x, 12, w, 12, x, 12, 8, 1e-5f));
        assertThrows(IllegalArgumentException.class, () -> Norms.layerNorm(x, 12, x, 12, w, 12, x, 12, 8, 1e-5f));
    }
}
