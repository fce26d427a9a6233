package dev.smallmind.kernels.matmul;

import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packed Q4_0 kernel against {@link Q4_0MatmulReference} over the same rows before packing, and against a float64
 * evaluation of ggml's block formula. Row lengths cover rows shorter than a group (all blocks after the groups),
 * whole groups only, and groups plus a remainder, at every vector width ({@link Q4_0PackedMatmul#GROUP_BLOCKS} is
 * 16, 8 blocks at 512, 256 bits); row counts leave rows over after the blocks of four.
 */
class Q4_0PackedMatmulTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final float SENTINEL = -12345.5f;
    private static final int G = Q4_0PackedMatmul.GROUP_BLOCKS;
    private final Q4_0PackedMatmul packed = new Q4_0PackedMatmul();
    private final Q4_0MatmulReference reference = new Q4_0MatmulReference();

    private MemorySegment packedCopy(Arena arena, MemorySegment w, long wOff, int n, int k, long offset) {
        MemorySegment p = arena.allocate(offset + DType.Q4_0.rowBytes(k) * n, 64);
        packed.pack(w, wOff, k, n, p, offset);
        return p;
    }

    /** Where element {@code i} of a row lands in the packed kernel's decoded and rounded rows. */
    private static int permutedIndex(int i, int k) {
        int group = i / (32 * G);
        if (group >= k / (32 * G)) {
            return i;
        }
        int b = i / 32 % G;
        int e = i % 32;
        return group * 32 * G + (e >> 1) * 2 * G + 2 * b + (e & 1);
    }

    @ParameterizedTest(name = "k={0} t={1}")
    @CsvSource({"32,1", "96,3", "512,1", "576,1", "576,5", "1088,2", "1536,1", "4128,3", "8192,1"})
    void productMatchesReferenceAndFloat64(int k, int t) {
        int n = 37;
        int yStride = n + 5;
        long wOff = 7;
        long pOff = 3;
        long xOff = 12;
        long yOff = 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = LegacyQuantMatmulTest.randomWeights(arena, DType.Q4_0, n, k, wOff, 3000 + k + t);
            MemorySegment p = packedCopy(arena, w, wOff, n, k, pOff);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, t * k, xOff, 4000 + k + t);
            MemorySegment prepP = arena.allocate(packed.preparedBytes(t, k), 64);
            MemorySegment prepR = arena.allocate(reference.preparedBytes(t, k), 64);
            packed.prepare(x, xOff, k, 0, t, prepP, 0);
            reference.prepare(x, xOff, k, 0, t, prepR, 0);
            MemorySegment yP = LegacyQuantMatmulTest.filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
            MemorySegment yR = LegacyQuantMatmulTest.filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
            packed.multiply(p, pOff, k, prepP, 0, t, yP, yOff, yStride, 0, n);
            reference.multiply(w, wOff, k, prepR, 0, t, yR, yOff, yStride, 0, n);
            long prepRow = reference.preparedBytes(1, k);
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < yStride; i++) {
                    long at = yOff + ((long) j * yStride + i) * 4;
                    float v = yP.get(FLOAT, at);
                    if (i >= n) {
                        assertEquals(SENTINEL, v, "packed kernel wrote past row n at token " + j);
                        continue;
                    }
                    double[] exact = Float64Dot.dot(DType.Q4_0, w, wOff + i * DType.Q4_0.rowBytes(k), k, prepR,
                            j * prepRow);
                    double tol = (k / 32 + 48) * Math.ulp(1f) * exact[1] + 1e-30;
                    String where = "k=" + k + " row " + i + " token " + j;
                    assertEquals(exact[0], v, tol, "packed vs float64, " + where);
                    assertEquals(yR.get(FLOAT, at), v, 2 * tol, "packed vs reference, " + where);
                }
            }
        }
    }

    /**
     * Every weight quant 15 against activations all at +127 (and 0 against -127): a block's 32 products sum to
     * +-60,960, beyond int16, so this fails if the two int16 halves of a lane were added in 16 bits.
     */
    @ParameterizedTest(name = "nibbles 0x{0}")
    @ValueSource(ints = {0xFF, 0x00})
    void extremeBlockSumsStayExact(int nibbles) {
        int k = 64 * G + 64;
        int n = 5;
        try (Arena arena = Arena.ofShared()) {
            long rowBytes = DType.Q4_0.rowBytes(k);
            MemorySegment w = arena.allocate(rowBytes * n, 64);
            for (long b = 0; b < rowBytes * n / 18; b++) {
                w.set(SHORT, b * 18, Float.floatToFloat16(1f));
                for (int i = 0; i < 16; i++) {
                    w.set(ValueLayout.JAVA_BYTE, b * 18 + 2 + i, (byte) nibbles);
                }
            }
            float value = nibbles == 0 ? -1f : 1f;
            MemorySegment x = LegacyQuantMatmulTest.filled(arena, k, value);
            MemorySegment p = packedCopy(arena, w, 0, n, k, 0);
            MemorySegment prep = arena.allocate(packed.preparedBytes(1, k), 64);
            packed.prepare(x, 0, k, 0, 1, prep, 0);
            MemorySegment y = LegacyQuantMatmulTest.filled(arena, n, SENTINEL);
            packed.multiply(p, 0, k, prep, 0, 1, y, 0, n, 0, n);
            // d_a = fp16(1 / 127), q_a = +-127: each element contributes (q - 8) * 127 * d_a.
            double da = Float.float16ToFloat(Float.floatToFloat16(1f / 127f));
            double expected = k * (nibbles == 0 ? -8 : 7) * (nibbles == 0 ? -127 : 127) * da;
            for (int i = 0; i < n; i++) {
                assertEquals(expected, y.getAtIndex(ValueLayout.JAVA_FLOAT, i), 1e-4 * Math.abs(expected), "row " + i);
            }
        }
    }

    @ParameterizedTest(name = "k={0}")
    @ValueSource(ints = {96, 576, 1088, 4128})
    void decodedAndRoundedRowsAreThePermutedGgufOnes(int k) {
        int t = 3;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = LegacyQuantMatmulTest.randomWeights(arena, DType.Q4_0, 2, k, 5, 11 + k);
            MemorySegment p = packedCopy(arena, w, 5, 2, k, 0);
            long rowBytes = DType.Q4_0.rowBytes(k);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, t * k, 0, 12 + k);
            MemorySegment rounded = arena.allocate(4L * k * t, 64);
            MemorySegment roundedRef = arena.allocate(reference.preparedBytes(t, k), 64);
            packed.roundRows(x, 0, k, 0, t, rounded, 0);
            Q8_0Activations.quantize(x, 0, k, 0, t, roundedRef, 0);
            long refRow = Q8_0Activations.rowBytes(k);
            for (int r = 0; r < 2; r++) {
                MemorySegment decoded = LegacyQuantMatmulTest.filled(arena, k + 1, SENTINEL);
                MemorySegment decodedRef = arena.allocate(4L * k, 64);
                packed.decodeRow(p, r * rowBytes, decoded, 4, k);
                reference.decodeRow(w, 5 + r * rowBytes, decodedRef, 0, k);
                assertEquals(SENTINEL, decoded.getAtIndex(ValueLayout.JAVA_FLOAT, 0), "decodeRow wrote before dst");
                for (int i = 0; i < k; i++) {
                    assertEquals(decodedRef.getAtIndex(ValueLayout.JAVA_FLOAT, i),
                            decoded.get(FLOAT, 4 + 4L * permutedIndex(i, k)), "row " + r + " element " + i);
                }
            }
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < k; i++) {
                    assertEquals(roundedRef.get(FLOAT, j * refRow + 4L * i),
                            rounded.get(FLOAT, 4L * (j * k + permutedIndex(i, k))), "token " + j + " element " + i);
                }
            }
        }
    }

    @Test
    void rowSplitAcrossWorkersIsBitIdentical() {
        int n = 101;
        int k = 1088;
        int t = 3;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3)) {
            MemorySegment w = LegacyQuantMatmulTest.randomWeights(arena, DType.Q4_0, n, k, 0, 7);
            MemorySegment p = packedCopy(arena, w, 0, n, k, 0);
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, t * k, 0, 8);
            MemorySegment prep = arena.allocate(packed.preparedBytes(t, k), 64);
            pool.run((from, to, worker) -> packed.prepare(x, 0, k, from, to, prep, 0), t);
            MemorySegment prepOne = arena.allocate(packed.preparedBytes(t, k), 64);
            packed.prepare(x, 0, k, 0, t, prepOne, 0);
            assertEquals(-1, prep.mismatch(prepOne), "token-split prepare differs from a single call");
            MemorySegment one = LegacyQuantMatmulTest.filled(arena, (long) t * n, SENTINEL);
            MemorySegment split = LegacyQuantMatmulTest.filled(arena, (long) t * n, SENTINEL);
            packed.multiply(p, 0, k, prep, 0, t, one, 0, n, 0, n);
            pool.run((from, to, worker) -> packed.multiply(p, 0, k, prep, 0, t, split, 0, n, from, to), n);
            for (long i = 0; i < (long) t * n; i++) {
                float a = one.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                float b = split.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertTrue(a != SENTINEL, "output " + i + " not written");
                // A row's result is computed the same way wherever the split falls, except a row left over after
                // a range's blocks of four, whose lane sums C2 may order differently at another call site.
                assertEquals(a, b, 1e-5f * Math.max(Math.abs(a), 1f), "row-split result differs at " + i);
            }
        }
    }
}
