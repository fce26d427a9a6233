package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interleaved Q4_0 kernel over rows packed from GGUF rows, against the scalar {@link Q4_0MatmulReference} over
 * the GGUF rows themselves and a float64 evaluation of ggml's block formula; its int16 activations against the
 * reference Q8_0 rounding; the packing's refusals.
 */
class Q4_0InterleavedMatmulTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final float SENTINEL = -12345.5f;
    private static final int GROUP = Q4_0InterleavedMatmul.GROUP;
    private final Q4_0InterleavedMatmul kernel = new Q4_0InterleavedMatmul();
    private final MatmulKernel reference = new Q4_0MatmulReference();

    private static MemorySegment packed(Arena arena, MemorySegment gguf, long ggufOffset, int n, int k, long offset) {
        MemorySegment p = arena.allocate(offset + DType.Q4_0.rowBytes(k) * n, 64);
        new Q4_0InterleavedMatmul().pack(gguf, ggufOffset, k, n, p, offset);
        return p;
    }

    @ParameterizedTest(name = "k={0} t={1}")
    @CsvSource({"96, 1", "96, 3", "352, 17", "4128, 1", "4128, 5"})
    void matchesReferenceOverGgufRowsAndFloat64(int k, int t) {
        int n = 3 * GROUP;
        int yStride = n + 5;
        long ggufOff = 5;
        long wOff = 7;
        long xOff = 12;
        long yOff = 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, DType.Q4_0, n, k, ggufOff, 31 + k + t);
            MemorySegment w = packed(arena, gguf, ggufOff, n, k, wOff);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, t * k, xOff, 57 + k + t);
            MemorySegment prep = arena.allocate(kernel.preparedBytes(t, k) + 64, 64);
            MemorySegment prepR = arena.allocate(reference.preparedBytes(t, k), 64);
            kernel.prepare(x, xOff, k, 0, t, prep, 64);
            reference.prepare(x, xOff, k, 0, t, prepR, 0);
            MemorySegment y = LegacyQuantMatmulTest.filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
            MemorySegment yR = LegacyQuantMatmulTest.filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
            kernel.multiply(w, wOff, k, prep, 64, t, y, yOff, yStride, 0, n);
            reference.multiply(gguf, ggufOff, k, prepR, 0, t, yR, yOff, yStride, 0, n);
            long prepRowBytes = reference.preparedBytes(t, k) / t;
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < yStride; i++) {
                    long at = yOff + ((long) j * yStride + i) * 4;
                    float v = y.get(FLOAT, at);
                    if (i >= n) {
                        assertEquals(SENTINEL, v, "wrote past row n at token " + j);
                        continue;
                    }
                    double[] exact = Float64Dot.dot(DType.Q4_0, gguf, ggufOff + i * DType.Q4_0.rowBytes(k), k, prepR,
                            j * prepRowBytes);
                    // Block sums are exact integers here; each block's scale product and FMA round once.
                    double tol = (k / 32 + 48) * Math.ulp(1f) * exact[1] + 1e-30;
                    String where = "k=" + k + " row " + i + " token " + j;
                    assertEquals(exact[0], v, tol, "interleaved vs float64, " + where);
                    assertEquals(yR.get(FLOAT, at), v, 2 * tol, "interleaved vs reference, " + where);
                }
            }
        }
    }

    @Test
    void aRangeOfGroupsWritesOnlyItsRows() {
        int n = 4 * GROUP;
        int k = 288;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, DType.Q4_0, n, k, 0, 3);
            MemorySegment w = packed(arena, gguf, 0, n, k, 0);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, k, 0, 4);
            MemorySegment prep = arena.allocate(kernel.preparedBytes(1, k), 64);
            kernel.prepare(x, 0, k, 0, 1, prep, 0);
            MemorySegment whole = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            MemorySegment part = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            kernel.multiply(w, 0, k, prep, 0, 1, whole, 0, n, 0, n);
            kernel.multiply(w, 0, k, prep, 0, 1, part, 0, n, GROUP, 3 * GROUP);
            for (int i = 0; i < n; i++) {
                float expected = i >= GROUP && i < 3 * GROUP ? whole.getAtIndex(ValueLayout.JAVA_FLOAT, i) : SENTINEL;
                assertEquals(expected, part.getAtIndex(ValueLayout.JAVA_FLOAT, i), "row " + i);
            }
        }
    }

    @Test
    void decodedRowsEqualTheReferenceDecodingOfGgufRows() {
        int n = 3 * GROUP;
        int k = 352;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, DType.Q4_0, n, k, 0, 11);
            MemorySegment w = packed(arena, gguf, 0, n, k, 3);
            MemorySegment decoded = arena.allocate(4L * k * n, 64);
            MemorySegment expected = arena.allocate(4L * k * n, 64);
            kernel.decodeRows(w, 3, k, 5, 2 * GROUP + 3, decoded, 0);
            reference.decodeRows(gguf, 0, k, 5, 2 * GROUP + 3, expected, 0);
            assertEquals(-1, decoded.asSlice(0, 4L * k * (2 * GROUP - 2)).mismatch(
                    expected.asSlice(0, 4L * k * (2 * GROUP - 2))));
            assertThrows(UnsupportedOperationException.class, () -> kernel.decodeRow(w, 3, decoded, 0, k));
        }
    }

    @Test
    void int16ActivationsAreTheReferenceQ8_0Rounding() {
        int k = 4128;
        int t = 3;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, t * k, 0, 21);
            x.set(FLOAT, 4L * 64, 0f);
            for (int e = 32; e < 64; e++) {
                x.set(FLOAT, 4L * e, 0f);
            }
            MemorySegment pairs = arena.allocate(Q8_0PairActivations.rowBytes(k) * t, 64);
            MemorySegment rounded = arena.allocate(4L * k * t, 64);
            Q8_0PairActivations.quantize(x, 0, k, 0, t, pairs, 0);
            Q8_0ActivationsReference.quantize(x, 0, k, 0, t, rounded, 0);
            for (int j = 0; j < t; j++) {
                long row = j * Q8_0PairActivations.rowBytes(k);
                for (int b = 0; b < k / 32; b++) {
                    float d = pairs.get(FLOAT, row + Q8_0PairActivations.scalesOffset(k) + 4L * b);
                    int sum = 0;
                    for (int e = 0; e < 32; e++) {
                        short q = pairs.get(SHORT, row + 2L * (b * 32 + e));
                        sum += q;
                        assertTrue(Math.abs(q) <= 127, "quant " + q + " out of int8 range");
                        assertEquals(rounded.getAtIndex(ValueLayout.JAVA_FLOAT, (long) j * k + b * 32 + e), q * d,
                                "token " + j + " block " + b + " element " + e);
                    }
                    assertEquals(sum, pairs.get(ValueLayout.JAVA_INT_UNALIGNED,
                            row + Q8_0PairActivations.sumsOffset(k) + 4L * b), "block " + b + " sum of quants");
                }
            }
        }
    }

    @Test
    void packingRefusesPartialGroupsAndNonFiniteScales() {
        int k = 64;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, DType.Q4_0, 2 * GROUP, k, 0, 5);
            MemorySegment dst = arena.allocate(gguf.byteSize(), 64);
            IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(gguf, 0, k, GROUP + 8, dst, 0));
            assertTrue(partial.getMessage().contains((GROUP + 8) + " rows"), partial.getMessage());
            long badBlock = DType.Q4_0.rowBytes(k) * (GROUP + 3) + 18;
            gguf.set(SHORT, badBlock, Float.floatToFloat16(Float.NaN));
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(gguf, 0, k, 2 * GROUP, dst, 0));
            assertTrue(nan.getMessage().contains("byte " + badBlock), nan.getMessage());
        }
    }
}
