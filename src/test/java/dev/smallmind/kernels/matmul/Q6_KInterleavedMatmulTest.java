package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.parallel.WorkerPool;
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
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The interleaved Q6_K kernel over rows packed from GGUF rows: products against {@link Q6_KMatmulReference} over the
 * GGUF rows themselves (within a bound derived from float64 products of the dequantized operands), the largest
 * sums the int16 lanes must hold, row ranges and threads, decoding bit for bit as the reference decodes, and the
 * packing's refusals.
 */
class Q6_KInterleavedMatmulTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final float SENTINEL = -12345.5f;
    private static final int GROUP = Q6_KInterleavedMatmul.GROUP;
    private static final DType TYPE = DType.Q6_K;

    private final Q6_KInterleavedMatmul kernel = new Q6_KInterleavedMatmul();
    private final MatmulKernel reference = new Q6_KMatmulReference();

    private static void assumeProducts() {
        assumeTrue(Q6_KInterleavedMatmul.supported(), "the interleaved Q6_K product needs 256- or 512-bit vectors; this JVM's"
                + " are " + jdk.incubator.vector.ShortVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
    }

    @Test
    void narrowerVectorsAreRefusedRatherThanMultipliedWrongly() {
        assumeFalse(Q6_KInterleavedMatmul.supported(), "this JVM's vectors suit the kernel");
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
    private record OneToken(MemorySegment w, MemorySegment prep) {
    }

    private OneToken oneToken(Arena arena, int n, int k, long seed) {
        MemorySegment gguf = KQuantTestData.weights(arena, TYPE, n, k, 0, seed);
        MemorySegment x = KQuantTestData.floats(arena, k, 0, seed + 1);
        MemorySegment prep = arena.allocate(kernel.preparedBytes(1, k), 64);
        kernel.prepare(x, 0, k, 0, 1, prep, 0);
        return new OneToken(packed(arena, gguf, 0, n, k, 0), prep);
    }

    private MemorySegment packed(Arena arena, MemorySegment gguf, long ggufOffset, int n, int k, long offset) {
        MemorySegment p = arena.allocate(offset + TYPE.rowBytes(k) * n, 64);
        kernel.pack(gguf, ggufOffset, k, n, p, offset);
        return p;
    }

    /**
     * Both sides sum exact integers; the reference rounds one float term per super-block into its sum, the kernel
     * one per pair of sub-blocks with a fused multiply-add. Each of at most 8 * 17 float roundings errs by at most
     * 2^-24 of a partial sum bounded by sum |w * a|: 1e-5 of it covers both with margin, as in
     * {@code KQuantMatmulTest}.
     */
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
            MemorySegment gguf = KQuantTestData.weights(arena, TYPE, n, k, ggufOff, 31L * k + t);
            MemorySegment w = packed(arena, gguf, ggufOff, n, k, wOff);
            MemorySegment x = KQuantTestData.floats(arena, t * k, xOff, 57L + k + t);
            assertMatchesReference(arena, gguf, ggufOff, w, wOff, x, xOff, n, k, t, yStride, yOff);
        }
    }

    /**
     * The sums the int16 and int32 lanes must hold at their largest: every quant 0 (the value -32), every scale
     * -128, activations at the Q8_K extremes (a super-block of -3s quantizes to -127 throughout; one of 3s after a
     * leading -3 to 127 after a -127), so that int16 lanes sum 8 products of 4064 (32512) or of -4064, and a pair of
     * sub-blocks makes 2 x 65024 x 128 = 16,646,144. Wrapped in a lane, the result would be far off.
     */
    @Test
    void theLargestSumsFitTheirLanes() {
        assumeProducts();
        int n = 2 * GROUP;
        int k = 1024;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = arena.allocate(TYPE.rowBytes(k) * n + 64, 64);
            for (long blk = 0; blk < gguf.byteSize() - 64; blk += TYPE.blockBytes()) {
                for (int s = 0; s < 16; s++) {
                    gguf.set(ValueLayout.JAVA_BYTE, blk + Q6_KMatmulReference.SCALES + s, (byte) -128);
                }
                KQuantTestData.setHalf(gguf, blk + Q6_KMatmulReference.D, blk % 3 == 0 ? 1f : -0.5f);
            }
            MemorySegment w = packed(arena, gguf, 0, n, k, 0);
            MemorySegment x = arena.allocate(4L * k, 64);
            for (int e = 0; e < k; e++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, e, e / 256 % 2 == 0 || e % 256 == 0 ? -3f : 3f);
            }
            assertMatchesReference(arena, gguf, 0, w, 0, x, 0, n, k, 1, n, 0);
        }
    }

    private void assertMatchesReference(Arena arena, MemorySegment gguf, long ggufOff, MemorySegment w, long wOff,
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
            reference.decodeRow(gguf, ggufOff + i * TYPE.rowBytes(k), row, 0, k);
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
            MemorySegment gguf = KQuantTestData.weights(arena, TYPE, n, k, 0, 17);
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
            MemorySegment gguf = KQuantTestData.weights(arena, TYPE, n, k, 0, 11);
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

    @Test
    void packingRefusesPartialGroupsAndNonFiniteScales() {
        int k = 512;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = KQuantTestData.weights(arena, TYPE, 2 * GROUP, k, 0, 5);
            MemorySegment dst = arena.allocate(gguf.byteSize(), 64);
            IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(gguf, 0, k, GROUP + GROUP / 2, dst, 0));
            assertTrue(partial.getMessage().contains((GROUP + GROUP / 2) + " rows"), partial.getMessage());
            long d = TYPE.rowBytes(k) * (GROUP + 3) + TYPE.blockBytes() + Q6_KMatmulReference.D;
            gguf.set(SHORT, d, Float.floatToFloat16(Float.NEGATIVE_INFINITY));
            IllegalArgumentException infinite = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(gguf, 0, k, 2 * GROUP, dst, 0));
            assertTrue(infinite.getMessage().contains("d at byte " + d)
                    && infinite.getMessage().contains("Infinity"), infinite.getMessage());
            gguf.set(SHORT, d, Float.floatToFloat16(Float.NaN));
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(gguf, 0, k, 2 * GROUP, dst, 0));
            assertTrue(nan.getMessage().contains("d at byte " + d) && nan.getMessage().contains("NaN"),
                    nan.getMessage());
        }
    }
}
