package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.InterleavedWeights;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The F32 kernel over rows interleaved at load, against the scalar float64 reference over the GGUF rows and, bit for
 * bit, against the F32 GEMM over the same rows (the sum it claims to form); its decoding back to rows; the packing's
 * refusal of partial groups.
 */
class F32InterleavedMatmulTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final float SENTINEL = -12345.5f;
    private static final int GROUP = F32InterleavedMatmul.GROUP;
    private final F32InterleavedMatmul kernel = new F32InterleavedMatmul();

    @BeforeEach
    void needs512BitVectors() {
        assumeTrue(F32InterleavedMatmul.supported(), "the interleaved F32 kernel runs only with 512-bit vectors");
    }

    private MemorySegment packed(Arena arena, MemorySegment rows, long rowsOffset, int n, int k, long offset) {
        MemorySegment p = arena.allocate(offset + 4L * k * n, 64);
        ((InterleavedWeights) kernel).pack(rows, rowsOffset, k, n, p, offset);
        return p;
    }

    /**
     * 5 and 7 groups: one token's pass of four groups and its one-group loop after it; several tokens: tiles of
     * three groups and the one or two left, partial token tiles, and (70 tokens) a second panel.
     */
    @ParameterizedTest(name = "k={0} t={1} groups={2}")
    @CsvSource({"1, 1, 5", "40, 1, 5", "288, 1, 7", "576, 3, 5", "1537, 2, 4", "288, 17, 5", "96, 70, 3"})
    void matchesFloat64ReferenceAndTheGemmBitForBit(int k, int t, int groups) {
        int n = groups * GROUP;
        int yStride = n + 3;
        long yOff = 12;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment rows = LegacyQuantMatmulTest.randomFloats(arena, n * k, 4, 100 + k + t);
            MemorySegment w = packed(arena, rows, 4, n, k, 8);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, t * k, 16, 200 + k + t);
            MemorySegment y = LegacyQuantMatmulTest.filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
            MemorySegment yRef = LegacyQuantMatmulTest.filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
            long prepared = kernel.preparedBytes(t, k);
            MemorySegment act = prepared > 0 ? arena.allocate(prepared + 64, 64) : x;
            if (prepared > 0) {
                kernel.prepare(x, 16, k, 0, t, act, 64);
            }
            kernel.multiply(w, 8, k, act, prepared > 0 ? 64 : 16, t, y, yOff, yStride, 0, n);
            new F32MatmulReference().multiply(rows, 4, k, x, 16, t, yRef, yOff, yStride, 0, n);
            // The GEMM on GGUF rows, one token per call so that t = 1 takes it too: panels of one token.
            F32Matmul gemm = new F32Matmul();
            int twoTokens = 2;
            MemorySegment pair = arena.allocate(4L * k * twoTokens, 64);
            MemorySegment panels = arena.allocate(gemm.preparedBytes(twoTokens, k), 64);
            MemorySegment yGemm = arena.allocate(4L * n * twoTokens, 64);
            for (int j = 0; j < t; j++) {
                MemorySegment.copy(x, 16 + 4L * k * j, pair, 0, 4L * k);
                MemorySegment.copy(x, 16 + 4L * k * j, pair, 4L * k, 4L * k);
                gemm.prepare(pair, 0, k, 0, twoTokens, panels, 0);
                gemm.multiply(rows, 4, k, panels, 0, twoTokens, yGemm, 0, n, 0, n);
                for (int i = 0; i < yStride; i++) {
                    long at = yOff + 4L * ((long) j * yStride + i);
                    float v = y.get(FLOAT, at);
                    if (i >= n) {
                        assertEquals(SENTINEL, v, "wrote past row n at token " + j);
                        continue;
                    }
                    float exact = yRef.get(FLOAT, at);
                    double magnitude = 0;
                    for (int e = 0; e < k; e++) {
                        magnitude += Math.abs((double) rows.get(FLOAT, 4 + 4L * ((long) i * k + e))
                                * x.get(FLOAT, 16 + 4L * ((long) j * k + e)));
                    }
                    String where = "k=" + k + " row " + i + " token " + j;
                    assertEquals(exact, v, k * Math.ulp(1f) * magnitude + 1e-30, "vs float64, " + where);
                    assertEquals(Float.floatToRawIntBits(yGemm.get(FLOAT, 4L * i)), Float.floatToRawIntBits(v),
                            "vs the F32 GEMM, " + where);
                }
            }
        }
    }

    @Test
    void aRangeOfGroupsWritesOnlyItsRows() {
        int n = 8 * GROUP;
        int k = 96;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment rows = LegacyQuantMatmulTest.randomFloats(arena, n * k, 0, 3);
            MemorySegment w = packed(arena, rows, 0, n, k, 0);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, k, 0, 4);
            MemorySegment whole = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            MemorySegment part = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            kernel.multiply(w, 0, k, x, 0, 1, whole, 0, n, 0, n);
            kernel.multiply(w, 0, k, x, 0, 1, part, 0, n, GROUP, 7 * GROUP);
            for (int i = 0; i < n; i++) {
                float expected = i >= GROUP && i < 7 * GROUP ? whole.getAtIndex(ValueLayout.JAVA_FLOAT, i) : SENTINEL;
                assertEquals(expected, part.getAtIndex(ValueLayout.JAVA_FLOAT, i), "row " + i);
            }
        }
    }

    /** k = 40 and 1537 end in columns short of a 16-column block; the ranges cut groups and take whole ones. */
    @ParameterizedTest(name = "k={0}")
    @CsvSource({"40", "64", "1537"})
    void decodedRowsAreTheGgufRows(int k) {
        int n = 3 * GROUP;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment rows = LegacyQuantMatmulTest.randomFloats(arena, n * k, 0, 11);
            MemorySegment w = packed(arena, rows, 0, n, k, 4);
            MemorySegment decoded = arena.allocate(4L * k * n + 8, 64);
            int[][] ranges = {{5, 2 * GROUP + 3}, {GROUP, 3 * GROUP}, {0, GROUP}, {2 * GROUP + 1, 2 * GROUP + 2}};
            for (int[] range : ranges) {
                long bytes = 4L * k * (range[1] - range[0]);
                decoded.fill((byte) 0x55);
                kernel.decodeRows(w, 4, k, range[0], range[1], decoded, 8);
                assertEquals(-1, MemorySegment.mismatch(decoded, 8, 8 + bytes, rows, 4L * k * range[0],
                        4L * k * range[1]), "rows " + range[0] + " to " + range[1]);
                assertEquals((byte) 0x55, decoded.get(ValueLayout.JAVA_BYTE, 8 + bytes), "wrote past the range");
            }
            assertThrows(UnsupportedOperationException.class, () -> kernel.decodeRow(w, 4, decoded, 0, k));
        }
    }

    @Test
    void packingRefusesPartialGroups() {
        int k = 32;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment rows = LegacyQuantMatmulTest.randomFloats(arena, 2 * GROUP * k, 0, 5);
            MemorySegment dst = arena.allocate(rows.byteSize(), 64);
            IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(rows, 0, k, GROUP + 3, dst, 0));
            assertTrue(partial.getMessage().contains((GROUP + 3) + " rows"), partial.getMessage());
        }
    }
}
