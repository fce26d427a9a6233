package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.ShortVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every interleaved K-quant kernel ({@link Q8_KGroupMatmul}) must do over rows packed from GGUF rows: products
 * against its scalar reference over the GGUF rows themselves (within a bound derived from float64 products of the
 * dequantized operands), row ranges, threads splitting the groups, decoding bit for bit as the reference decodes,
 * and refusing narrower vectors. Each kernel's test class adds what is its own (packing refusals, extreme sums).
 */
abstract class Q8_KGroupMatmulContract {
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final float SENTINEL = -12345.5f;
    static final int GROUP = GroupPacking.GROUP;

    final Q8_KGroupMatmul kernel;
    final MatmulKernel reference;
    final DType type;
    private final boolean supported;

    /**
     * @param kernel    the kernel under test
     * @param reference the scalar kernel over GGUF rows
     * @param supported whether this JVM's vectors suit the kernel (its {@code supported()})
     */
    Q8_KGroupMatmulContract(Q8_KGroupMatmul kernel, MatmulKernel reference, boolean supported) {
        this.kernel = kernel;
        this.reference = reference;
        this.type = kernel.weightType();
        this.supported = supported;
    }

    void assumeProducts() {
        assumeTrue(supported, "the interleaved " + type + " product needs 256- or 512-bit vectors; this JVM's are "
                + ShortVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
    }

    @Test
    void narrowerVectorsAreRefusedRatherThanMultipliedWrongly() {
        assumeFalse(supported, "this JVM's vectors suit the kernel");
        int k = 256;
        try (Arena arena = Arena.ofShared()) {
            OneToken o = oneToken(arena, GROUP, k, 5);
            MemorySegment y = arena.allocate(4L * GROUP, 64);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> kernel.multiply(o.w(), 0, k, o.prep(), 0, 1, y, 0, GROUP, 0, GROUP));
            assertTrue(e.getMessage().contains("512-bit"), e.getMessage());
        }
    }

    /** Packed weights of {@code n} random rows and one prepared random activation row. */
    record OneToken(MemorySegment w, MemorySegment prep) {
    }

    OneToken oneToken(Arena arena, int n, int k, long seed) {
        MemorySegment gguf = KQuantTestData.weights(arena, type, n, k, 0, seed);
        MemorySegment x = KQuantTestData.floats(arena, k, 0, seed + 1);
        MemorySegment prep = arena.allocate(kernel.preparedBytes(1, k), 64);
        kernel.prepare(x, 0, k, 0, 1, prep, 0);
        return new OneToken(packed(arena, gguf, 0, n, k, 0), prep);
    }

    MemorySegment packed(Arena arena, MemorySegment gguf, long ggufOffset, int n, int k, long offset) {
        MemorySegment p = arena.allocate(offset + type.rowBytes(k) * n, 64);
        kernel.pack(gguf, ggufOffset, k, n, p, offset);
        return p;
    }

    @ParameterizedTest(name = "k={0} t={1}")
    @CsvSource({"256, 1", "256, 3", "768, 17", "2048, 1", "2048, 5", "4352, 2"})
    void matchesTheReferenceOverGgufRows(int k, int t) {
        assumeProducts();
        int n = 3 * GROUP;
        int yStride = n + 5;
        long ggufOff = 40;
        long wOff = 7;
        long xOff = 12;
        long yOff = 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = KQuantTestData.weights(arena, type, n, k, ggufOff, 31L * k + t);
            MemorySegment w = packed(arena, gguf, ggufOff, n, k, wOff);
            MemorySegment x = KQuantTestData.floats(arena, t * k, xOff, 57L + k + t);
            assertMatchesReference(arena, gguf, ggufOff, w, wOff, x, xOff, n, k, t, yStride, yOff);
        }
    }

    /**
     * Both sides sum exact integers and round a bounded number of float terms into each result: the reference one
     * per super-block, the kernels one or two per sub-block or pair of sub-blocks with fused multiply-adds (at most
     * 3 x 8 x 16 + 32 for Q4_K, 8 x 17 for Q6_K). Each rounding errs by at most 2^-24 of a partial sum bounded by
     * sum |w * a|: 1e-5 of it covers both with margin, as in {@code KQuantMatmulTest}. Columns past {@code n} keep
     * their sentinel.
     */
    void assertMatchesReference(Arena arena, MemorySegment gguf, long ggufOff, MemorySegment w, long wOff,
                                MemorySegment x, long xOff, int n, int k, int t, int yStride, long yOff) {
        MemorySegment prep = arena.allocate(kernel.preparedBytes(t, k) + 64, 64);
        MemorySegment prepR = arena.allocate(reference.preparedBytes(t, k), 64);
        kernel.prepare(x, xOff, k, 0, t, prep, 64);
        reference.prepare(x, xOff, k, 0, t, prepR, 0);
        MemorySegment y = LegacyQuantMatmulTest.filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
        MemorySegment yR = LegacyQuantMatmulTest.filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
        kernel.multiply(w, wOff, k, prep, 64, t, y, yOff, yStride, 0, n);
        reference.multiply(gguf, ggufOff, k, prepR, 0, t, yR, yOff, yStride, 0, n);
        MemorySegment rounded = arena.allocate(4L * k * t, 64);
        kernel.roundRows(x, xOff, k, 0, t, rounded, 0);
        MemorySegment row = arena.allocate(4L * k, 64);
        for (int i = 0; i < n; i++) {
            reference.decodeRow(gguf, ggufOff + i * type.rowBytes(k), row, 0, k);
            for (int j = 0; j < t; j++) {
                double magnitude = 0;
                for (int e = 0; e < k; e++) {
                    magnitude += Math.abs((double) row.getAtIndex(ValueLayout.JAVA_FLOAT, e)
                            * rounded.getAtIndex(ValueLayout.JAVA_FLOAT, (long) j * k + e));
                }
                long at = yOff + ((long) j * yStride + i) * 4;
                float expected = yR.get(FLOAT, at);
                float actual = y.get(FLOAT, at);
                double tolerance = 1e-5 * magnitude + 1e-6;
                assertTrue(Math.abs(expected - actual) <= tolerance, "k=" + k + " row " + i + " token " + j
                        + ": reference " + expected + ", interleaved " + actual + ", tolerance " + tolerance);
            }
        }
        for (int j = 0; j < t; j++) {
            for (int i = n; i < yStride; i++) {
                assertEquals(SENTINEL, y.get(FLOAT, yOff + ((long) j * yStride + i) * 4),
                        "wrote past row n at token " + j);
            }
        }
    }

    @Test
    void aRangeOfGroupsWritesOnlyItsRows() {
        assumeProducts();
        int n = 4 * GROUP;
        int k = 512;
        try (Arena arena = Arena.ofShared()) {
            OneToken o = oneToken(arena, n, k, 3);
            MemorySegment whole = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            MemorySegment part = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            kernel.multiply(o.w(), 0, k, o.prep(), 0, 1, whole, 0, n, 0, n);
            kernel.multiply(o.w(), 0, k, o.prep(), 0, 1, part, 0, n, GROUP, 3 * GROUP);
            for (int i = 0; i < n; i++) {
                float expected = i >= GROUP && i < 3 * GROUP ? whole.getAtIndex(ValueLayout.JAVA_FLOAT, i) : SENTINEL;
                assertEquals(expected, part.getAtIndex(ValueLayout.JAVA_FLOAT, i), "row " + i);
            }
        }
    }

    /** Groups split over 1, 2 and 3 threads, as projections are, give the bits of one call over all rows. */
    @ParameterizedTest(name = "threads={0}")
    @CsvSource({"1", "2", "3"})
    void threadsSplittingTheGroupsGiveTheSameResults(int threads) {
        assumeProducts();
        int n = 7 * GROUP;
        int k = 768;
        int t = 2;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            MemorySegment gguf = KQuantTestData.weights(arena, type, n, k, 0, 17);
            MemorySegment w = packed(arena, gguf, 0, n, k, 0);
            MemorySegment x = KQuantTestData.floats(arena, t * k, 0, 19);
            MemorySegment prep = arena.allocate(kernel.preparedBytes(t, k), 64);
            kernel.prepare(x, 0, k, 0, t, prep, 0);
            MemorySegment whole = LegacyQuantMatmulTest.filled(arena, (long) t * n, SENTINEL);
            MemorySegment split = LegacyQuantMatmulTest.filled(arena, (long) t * n, SENTINEL);
            kernel.multiply(w, 0, k, prep, 0, t, whole, 0, n, 0, n);
            pool.run((from, to, worker) -> kernel.multiply(w, 0, k, prep, 0, t, split, 0, n, from * GROUP,
                    to * GROUP), n / GROUP);
            assertEquals(-1, whole.mismatch(split), "first differing byte");
        }
    }

    @Test
    void decodedRowsEqualTheReferenceDecodingOfGgufRows() {
        int n = 3 * GROUP;
        int k = 768;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = KQuantTestData.weights(arena, type, n, k, 0, 11);
            MemorySegment w = packed(arena, gguf, 0, n, k, 3);
            MemorySegment decoded = arena.allocate(4L * k * n + 8, 64);
            MemorySegment expected = arena.allocate(4L * k * n + 8, 64);
            // Rows across groups (scalar code), and whole groups (decoded group by group).
            int[][] ranges = {{5, 2 * GROUP + 3}, {GROUP, 3 * GROUP}, {0, GROUP}};
            for (int[] range : ranges) {
                long bytes = 4L * k * (range[1] - range[0]);
                decoded.fill((byte) 0x55);
                expected.fill((byte) 0x55);
                kernel.decodeRows(w, 3, k, range[0], range[1], decoded, 8);
                reference.decodeRows(gguf, 0, k, range[0], range[1], expected, 8);
                assertEquals(-1, decoded.mismatch(expected), "rows " + range[0] + " to " + range[1]);
                assertEquals((byte) 0x55, decoded.get(ValueLayout.JAVA_BYTE, 8 + bytes), "wrote past the range");
            }
            assertThrows(UnsupportedOperationException.class, () -> kernel.decodeRow(w, 3, decoded, 0, k));
        }
    }
}
