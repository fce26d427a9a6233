package dev.smallmind.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.smallmind.kernels.TestFloats.place;
import static dev.smallmind.kernels.TestFloats.random;
import static dev.smallmind.kernels.TestFloats.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Add, mul and scale are one IEEE operation per element, so the vector kernels must equal the reference exactly. */
class ElementWiseTest {
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
    void addEqualsReferenceAndPlainSums(int n) {
        float[] a = random(n, 1, -10, 10);
        float[] b = random(n, 2, -10, 10);
        MemorySegment sa = place(ARENA, 12, a);
        MemorySegment sb = place(ARENA, 20, b);
        MemorySegment out = place(ARENA, 28, new float[n]);
        MemorySegment ref = place(ARENA, 4, new float[n]);
        ElementWise.add(sa, 12, sb, 20, out, 28, n);
        ElementWiseReference.add(sa, 12, sb, 20, ref, 4, n);
        assertArrayEquals(read(ref, 4, n), read(out, 28, n));
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = a[i] + b[i];
        }
        assertArrayEquals(expected, read(out, 28, n));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void mulEqualsReferenceAndPlainProducts(int n) {
        float[] a = random(n, 3, -10, 10);
        float[] b = random(n, 4, -10, 10);
        MemorySegment sa = place(ARENA, 12, a);
        MemorySegment sb = place(ARENA, 8, b);
        MemorySegment out = place(ARENA, 16, new float[n]);
        MemorySegment ref = place(ARENA, 12, new float[n]);
        ElementWise.mul(sa, 12, sb, 8, out, 16, n);
        ElementWiseReference.mul(sa, 12, sb, 8, ref, 12, n);
        assertArrayEquals(read(ref, 12, n), read(out, 16, n));
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = a[i] * b[i];
        }
        assertArrayEquals(expected, read(out, 16, n));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void scaleEqualsReference(int n) {
        MemorySegment x = place(ARENA, 12, random(n, 5, -10, 10));
        MemorySegment out = place(ARENA, 36, new float[n]);
        MemorySegment ref = place(ARENA, 4, new float[n]);
        ElementWise.scale(x, 12, 0.37f, out, 36, n);
        ElementWiseReference.scale(x, 12, 0.37f, ref, 4, n);
        assertArrayEquals(read(ref, 4, n), read(out, 36, n));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void outputMayAliasAnInput(int n) {
        float[] a = random(n, 6, -10, 10);
        float[] b = random(n, 7, -10, 10);
        MemorySegment sa = place(ARENA, 12, a);
        MemorySegment sb = place(ARENA, 12, b);
        ElementWise.add(sa, 12, sb, 12, sa, 12, n);
        ElementWise.mul(sa, 12, sb, 12, sb, 12, n);
        ElementWise.scale(sb, 12, -2f, sb, 12, n);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = (a[i] + b[i]) * b[i] * -2f;
        }
        assertArrayEquals(expected, read(sb, 12, n));
    }

    @Test
    void zeroLengthTouchesNothing() {
        MemorySegment s = place(ARENA, 0, new float[0]);
        ElementWise.add(s, 0, s, 0, s, 0, 0);
        ElementWise.scale(s, 0, 1f, s, 0, 0);
    }

    @Test
    void operandsOutsideTheirSegmentAreRejectedBeforeWriting() {
        MemorySegment a = place(ARENA, 12, new float[10]);
        MemorySegment b = place(ARENA, 12, new float[9]);
        MemorySegment out = place(ARENA, 12, random(10, 8, 1, 2));
        float[] before = read(out, 12, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ElementWise.add(a, 12, b, 12, out, 12, 10));
        assertTrue(e.getMessage().startsWith("b: 10 floats at byte offset 12"), e.getMessage());
        assertArrayEquals(before, read(out, 12, 10));
        assertThrows(IllegalArgumentException.class, () -> ElementWise.mul(a, -4, a, 12, out, 12, 1));
        assertThrows(IllegalArgumentException.class, () -> ElementWise.scale(a, 12, 1f, out, 12, -1));
    }
}
