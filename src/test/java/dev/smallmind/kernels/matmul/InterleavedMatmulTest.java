package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.ColumnDecoding;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The interleaved Q4_0, Q8_0 and Q5_0 kernels over rows packed from GGUF rows, against the scalar references over the
 * GGUF rows themselves and a float64 evaluation of ggml's block formula; their int16 activations against the
 * reference Q8_0 rounding; the packing's refusals.
 */
class InterleavedMatmulTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final float SENTINEL = -12345.5f;
    private static final int GROUP = Q8_0InterleavedMatmul.GROUP;

    /** The interleaved kernels, one per weight type. */
    enum Kernel {
        Q4_0(DType.Q4_0, new Q4_0InterleavedMatmul(), new Q4_0MatmulReference()),
        Q8_0(DType.Q8_0, new Q8_0InterleavedMatmul(), new Q8_0MatmulReference()),
        Q5_0(DType.Q5_0, new Q5_0InterleavedMatmul(), new Q5_0MatmulReference());

        final DType type;
        final MatmulKernel kernel;
        final MatmulKernel reference;

        Kernel(DType type, MatmulKernel kernel, MatmulKernel reference) {
            this.type = type;
            this.kernel = kernel;
            this.reference = reference;
        }

        MemorySegment packed(Arena arena, MemorySegment gguf, long ggufOffset, int n, int k, long offset) {
            assertEquals(GROUP, ((InterleavedWeights) kernel).groupRows());
            MemorySegment p = arena.allocate(offset + type.rowBytes(k) * n, 64);
            ((InterleavedWeights) kernel).pack(gguf, ggufOffset, k, n, p, offset);
            return p;
        }
    }

    @ParameterizedTest(name = "{0} k={1} t={2}")
    @CsvSource({"Q4_0, 32, 1", "Q4_0, 96, 1", "Q4_0, 96, 3", "Q4_0, 352, 17", "Q4_0, 4128, 1", "Q4_0, 4128, 5",
            "Q8_0, 32, 1", "Q8_0, 96, 1", "Q8_0, 96, 3", "Q8_0, 352, 17", "Q8_0, 4128, 1", "Q8_0, 4128, 5",
            "Q5_0, 32, 1", "Q5_0, 96, 1", "Q5_0, 96, 3", "Q5_0, 352, 17", "Q5_0, 4128, 1", "Q5_0, 4128, 5"})
    void matchesReferenceOverGgufRowsAndFloat64(Kernel kind, int k, int t) {
        MatmulKernel kernel = kind.kernel;
        MatmulKernel reference = kind.reference;
        int n = 3 * GROUP;
        int yStride = n + 5;
        long ggufOff = 5;
        long wOff = 7;
        long xOff = 12;
        long yOff = 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, kind.type, n, k, ggufOff, 31 + k + t);
            MemorySegment w = kind.packed(arena, gguf, ggufOff, n, k, wOff);
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
                    double[] exact = Float64Dot.dot(kind.type, gguf, ggufOff + i * kind.type.rowBytes(k), k, prepR,
                            j * prepRowBytes);
                    // Block sums are exact integers here; each block's scale product and FMA round once.
                    double tol = (k / 32 + 48) * Math.ulp(1f) * exact[1] + 1e-30;
                    String where = kind + " k=" + k + " row " + i + " token " + j;
                    assertEquals(exact[0], v, tol, "interleaved vs float64, " + where);
                    assertEquals(yR.get(FLOAT, at), v, 2 * tol, "interleaved vs reference, " + where);
                }
            }
        }
    }

    /**
     * One token over a whole range of groups (Q8_0 walks every block of every group in one loop) gives, to the bit,
     * what the groups give one at a time.
     */
    @ParameterizedTest(name = "{0} groups={1}")
    @CsvSource({"Q4_0, 7", "Q4_0, 8", "Q8_0, 2", "Q8_0, 7", "Q8_0, 8", "Q5_0, 7", "Q5_0, 8"})
    void oneTokenOverAllGroupsEqualsGroupByGroup(Kernel kind, int groups) {
        MatmulKernel kernel = kind.kernel;
        int k = 352;
        int n = groups * GROUP;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, kind.type, n, k, 0, 91 + groups);
            MemorySegment w = kind.packed(arena, gguf, 0, n, k, 0);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, k, 0, 93 + groups);
            MemorySegment prep = arena.allocate(kernel.preparedBytes(1, k), 64);
            kernel.prepare(x, 0, k, 0, 1, prep, 0);
            MemorySegment whole = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            MemorySegment byGroup = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            kernel.multiply(w, 0, k, prep, 0, 1, whole, 0, n, 0, n);
            for (int g = 0; g < groups; g++) {
                kernel.multiply(w, 0, k, prep, 0, 1, byGroup, 0, n, g * GROUP, (g + 1) * GROUP);
            }
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(byGroup.getAtIndex(FLOAT, i)),
                        Float.floatToRawIntBits(whole.getAtIndex(FLOAT, i)), kind + " row " + i);
            }
        }
    }

    /**
     * Q4_0's run product ({@link dev.smallmind.kernels.TokenRunProduct}) against float64 and the scalar reference over
     * the GGUF rows: token counts within one run, at its end and past it, and a range of groups that leaves the first
     * group and the other tokens' columns untouched. Runs, accumulators and outputs share one segment, as in a step.
     */
    @ParameterizedTest(name = "k={0} t={1}")
    @CsvSource({"96, 3", "352, 17", "352, 64", "4128, 70", "576, 129"})
    void runProductMatchesReferenceAndFloat64(int k, int t) {
        Q4_0InterleavedMatmul kernel = new Q4_0InterleavedMatmul();
        assumeTrue(kernel.runsSupported(), "no Q4_0 run product in this JVM (512-bit vectors needed)");
        int n = 3 * GROUP;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, DType.Q4_0, n, k, 0, 71 + k + t);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, t * k, 0, 73 + k + t);
            checkRunProduct(kernel, arena, gguf, x, k, t, n);
        }
    }

    /**
     * Q4_0's products where a block's int16 sums are largest: every quant -8 or 7 and every activation +-127 (a
     * row's block sums to +-32512, at the edge of what the kernels' int16 halves and their offset term hold), through
     * the one-token product token by token and through the run product.
     */
    @Test
    void productsAtTheLimitsOfTheirInt16Sums() {
        Q4_0InterleavedMatmul kernel = new Q4_0InterleavedMatmul();
        int n = 3 * GROUP;
        int k = 96;
        int t = 20;
        long rowBytes = DType.Q4_0.rowBytes(k);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = arena.allocate(n * rowBytes, 64);
            for (int r = 0; r < n; r++) {
                for (int b = 0; b < k / 32; b++) {
                    long block = r * rowBytes + b * 18L;
                    gguf.set(ValueLayout.JAVA_SHORT_UNALIGNED, block, Float.floatToFloat16(r % 3 + 0.5f));
                    byte nibbles = (byte) ((r + b) % 2 == 0 ? 0x00 : 0xFF);
                    for (int i = 0; i < 16; i++) {
                        gguf.set(ValueLayout.JAVA_BYTE, block + 2 + i, nibbles);
                    }
                }
            }
            MemorySegment x = arena.allocate(4L * t * k, 64);
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < k; i++) {
                    x.setAtIndex(FLOAT, (long) j * k + i, (j + i / 32) % 2 == 0 ? 2.5f : -2.5f);
                }
            }
            MatmulKernel reference = Kernel.Q4_0.reference;
            MemorySegment prepR = arena.allocate(reference.preparedBytes(t, k), 64);
            reference.prepare(x, 0, k, 0, t, prepR, 0);
            MemorySegment yR = arena.allocate(4L * t * n, 64);
            reference.multiply(gguf, 0, k, prepR, 0, t, yR, 0, n, 0, n);
            MemorySegment w = Kernel.Q4_0.packed(arena, gguf, 0, n, k, 0);
            MemorySegment prep = arena.allocate(kernel.preparedBytes(1, k), 64);
            MemorySegment y = arena.allocate(4L * n, 64);
            for (int j = 0; j < t; j++) {
                kernel.prepare(x, 4L * j * k, k, 0, 1, prep, 0);
                kernel.multiply(w, 0, k, prep, 0, 1, y, 0, n, 0, n);
                for (int i = 0; i < n; i++) {
                    float expected = yR.getAtIndex(FLOAT, (long) j * n + i);
                    assertEquals(expected, y.getAtIndex(FLOAT, i), 1e-5f * Math.abs(expected),
                            "one-token product, row " + i + " token " + j);
                }
            }
            assumeTrue(kernel.runsSupported(), "no Q4_0 run product in this JVM (512-bit vectors needed)");
            checkRunProduct(kernel, arena, gguf, x, k, t, n);
        }
    }

    /** Runs of {@code t} tokens times groups 1 to {@code n / GROUP}, against float64 and the scalar reference. */
    private static void checkRunProduct(Q4_0InterleavedMatmul kernel, Arena arena, MemorySegment gguf,
                                        MemorySegment x, int k, int t, int n) {
        MatmulKernel reference = Kernel.Q4_0.reference;
        int yStride = n + 5;
        MemorySegment w = Kernel.Q4_0.packed(arena, gguf, 0, n, k, 0);
        long runs = 64;
        long acc = runs + kernel.runPreparedBytes(t, k);
        long y = acc + kernel.runAccumulatorBytes();
        MemorySegment step = LegacyQuantMatmulTest.filled(arena, y / 4 + (long) t * yStride, SENTINEL);
        kernel.prepareRuns(x, 0, k, 0, t / 2, step, runs);
        kernel.prepareRuns(x, 0, k, t / 2, t, step, runs);
        kernel.multiplyRuns(w, 0, k, step, runs, t, y, yStride, GROUP, n, acc);
        MemorySegment prepR = arena.allocate(reference.preparedBytes(t, k), 64);
        reference.prepare(x, 0, k, 0, t, prepR, 0);
        long prepRowBytes = reference.preparedBytes(t, k) / t;
        MemorySegment yR = LegacyQuantMatmulTest.filled(arena, (long) t * yStride, SENTINEL);
        reference.multiply(gguf, 0, k, prepR, 0, t, yR, 0, yStride, 0, n);
        for (int j = 0; j < t; j++) {
            for (int i = 0; i < yStride; i++) {
                float v = step.get(FLOAT, y + ((long) j * yStride + i) * 4);
                if (i < GROUP || i >= n) {
                    assertEquals(SENTINEL, v, "wrote outside rows [" + GROUP + ", " + n + ") at row " + i
                            + " token " + j);
                    continue;
                }
                double[] exact = Float64Dot.dot(DType.Q4_0, gguf, i * DType.Q4_0.rowBytes(k), k, prepR,
                        j * prepRowBytes);
                double tol = (k / 32 + 48) * Math.ulp(1f) * exact[1] + 1e-30;
                String where = "k=" + k + " row " + i + " token " + j;
                assertEquals(exact[0], v, tol, "runs vs float64, " + where);
                assertEquals(yR.get(FLOAT, ((long) j * yStride + i) * 4), v, 2 * tol, "runs vs reference, " + where);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void aRangeOfGroupsWritesOnlyItsRows(Kernel kind) {
        MatmulKernel kernel = kind.kernel;
        int n = 4 * GROUP;
        int k = 288;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, kind.type, n, k, 0, 3);
            MemorySegment w = kind.packed(arena, gguf, 0, n, k, 0);
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

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void decodedRowsEqualTheReferenceDecodingOfGgufRows(Kernel kind) {
        MatmulKernel kernel = kind.kernel;
        int n = 3 * GROUP;
        int k = 352;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, kind.type, n, k, 0, 11);
            MemorySegment w = kind.packed(arena, gguf, 0, n, k, 3);
            MemorySegment decoded = arena.allocate(4L * k * n + 8, 64);
            MemorySegment expected = arena.allocate(4L * k * n + 8, 64);
            // Rows across groups, and whole groups (which a kernel may decode group by group).
            int[][] ranges = {{5, 2 * GROUP + 3}, {GROUP, 3 * GROUP}, {0, GROUP}};
            for (int[] range : ranges) {
                long bytes = 4L * k * (range[1] - range[0]);
                decoded.fill((byte) 0x55);
                expected.fill((byte) 0x55);
                kernel.decodeRows(w, 3, k, range[0], range[1], decoded, 8);
                kind.reference.decodeRows(gguf, 0, k, range[0], range[1], expected, 8);
                assertEquals(-1, decoded.mismatch(expected), "rows " + range[0] + " to " + range[1]);
                assertEquals((byte) 0x55, decoded.get(ValueLayout.JAVA_BYTE, 8 + bytes), "wrote past the range");
            }
            assertThrows(UnsupportedOperationException.class, () -> kernel.decodeRow(w, 3, decoded, 0, k));
        }
    }

    /** Kernels that decode into columns ({@link ColumnDecoding}) give, column by column, what rows give row by row. */
    @ParameterizedTest
    @EnumSource(Kernel.class)
    void decodedColumnsAreTheDecodedRowsTransposed(Kernel kind) {
        assumeTrue(kind.kernel instanceof ColumnDecoding, kind + " decodes rows only");
        assumeTrue(GROUP == 16, "columns are decoded for groups of 16 rows (512-bit vectors)");
        int n = 3 * GROUP;
        int k = 352;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, kind.type, n, k, 0, 13);
            MemorySegment w = kind.packed(arena, gguf, 0, n, k, 5);
            MemorySegment rows = arena.allocate(4L * k * n, 64);
            MemorySegment columns = arena.allocate(4L * k * n + 8, 64);
            columns.fill((byte) 0x55);
            kind.kernel.decodeRows(w, 5, k, 0, n, rows, 0);
            ((ColumnDecoding) kind.kernel).decodeColumns(w, 5, k, 1, 3, columns, 8);
            for (int g = 1; g < 3; g++) {
                for (int e = 0; e < k; e++) {
                    for (int r = 0; r < GROUP; r++) {
                        float expected = rows.getAtIndex(ValueLayout.JAVA_FLOAT, (long) (g * GROUP + r) * k + e);
                        float actual = columns.get(FLOAT, 8 + 4L * ((long) (g - 1) * GROUP * k + (long) e * GROUP + r));
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                                kind + " group " + g + " column " + e + " row " + r);
                    }
                }
            }
            assertEquals((byte) 0x55, columns.get(ValueLayout.JAVA_BYTE, 8 + 4L * k * 2 * GROUP), "wrote past");
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
            int sumScale = -8 << 16;
            Q8_0PairActivations.quantize(x, 0, k, 0, t, pairs, 0, sumScale);
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
                    assertEquals(sum * sumScale, pairs.get(ValueLayout.JAVA_INT_UNALIGNED,
                            row + Q8_0PairActivations.sumsOffset(k) + 4L * b), "block " + b + " sum of quants, scaled");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void packingRefusesPartialGroupsAndNonFiniteScales(Kernel kind) {
        MatmulKernel kernel = kind.kernel;
        int k = 64;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = LegacyQuantMatmulTest.randomWeights(arena, kind.type, 2 * GROUP, k, 0, 5);
            InterleavedWeights packing = (InterleavedWeights) kernel;
            MemorySegment dst = arena.allocate(gguf.byteSize(), 64);
            IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                    () -> packing.pack(gguf, 0, k, GROUP + GROUP / 2, dst, 0));
            assertTrue(partial.getMessage().contains((GROUP + GROUP / 2) + " rows"), partial.getMessage());
            long badBlock = kind.type.rowBytes(k) * (GROUP + 3) + kind.type.blockBytes();
            gguf.set(SHORT, badBlock, Float.floatToFloat16(Float.NaN));
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                    () -> packing.pack(gguf, 0, k, 2 * GROUP, dst, 0));
            assertTrue(nan.getMessage().contains("byte " + badBlock), nan.getMessage());
        }
    }
}
