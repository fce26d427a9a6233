package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.smallmind.kernels.TestFloats.place;
import static dev.smallmind.kernels.TestFloats.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocked attention (a prompt's rows of one head, or one token's heads sharing a KV head) against
 * {@link AttentionReference} run row by row, on a cache laid out like the
 * engine's (several KV heads per row, the head under test inside the row, the cache at a non-zero offset) and
 * query and output rows with gaps between them. Values lie in [-1, 1], so as in {@link AttentionTest} a different
 * summation order of the scores moves outputs far below the 1e-5 allowed.
 */
class CausalAttentionTest {
    private static final Arena ARENA = Arena.ofShared();
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();
    private static final int KV_HEADS = 3;
    private static final int HEAD = 2;
    private static final long CACHE_OFF = 28;

    @AfterAll
    static void close() {
        ARENA.close();
    }

    /** lenStep 1: rows are consecutive tokens of one head; 0: heads of one token, all of length firstLen. */
    private record Case(int headDim, int rows, int firstLen, int lenStep, float[] q, float[] kv, long cacheRowBytes,
                        long qRowBytes, long outRowBytes) {
        static Case random(int headDim, int rows, int firstLen, long seed) {
            return random(headDim, rows, firstLen, 1, seed);
        }

        static Case random(int headDim, int rows, int firstLen, int lenStep, long seed) {
            long cacheRowBytes = 4L * (KV_HEADS * headDim + 3);
            int positions = firstLen + (rows - 1) * lenStep;
            long qRowBytes = 4L * (headDim + 5);
            return new Case(headDim, rows, firstLen, lenStep,
                    TestFloats.random((int) (rows * qRowBytes / 4), seed, -1, 1),
                    TestFloats.random((int) (positions * cacheRowBytes / 4), seed + 1, -1, 1), cacheRowBytes,
                    qRowBytes, 4L * (headDim + 9));
        }

        long headBase() {
            return CACHE_OFF + 4L * HEAD * headDim;
        }

        float scale() {
            return (float) (1 / Math.sqrt(headDim));
        }

        int positions() {
            return firstLen + (rows - 1) * lenStep;
        }

        /** The blocked kernel; keys and values are one cache, as in the engine's cache layout tests. */
        float[][] blocked() {
            MemorySegment qs = place(ARENA, 12, q);
            MemorySegment cache = place(ARENA, CACHE_OFF, kv);
            MemorySegment kt = place(ARENA, 64, new float[(int) (CausalAttention.keyBlockBytes(headDim,
                    positions()) / 4)]);
            MemorySegment scores = place(ARENA, 4, new float[(int) (CausalAttention.scoreBytes(positions()) / 4)]);
            MemorySegment out = place(ARENA, 8, new float[(int) (rows * outRowBytes / 4)]);
            for (int p = 0; p < positions(); p++) {
                CausalAttention.storeKey(cache, headBase() + p * cacheRowBytes, headDim, p, kt, 64);
            }
            CausalAttention.attendRows(qs, 12, qRowBytes, rows, firstLen, kt, 64, cache, headBase() + 4,
                    cacheRowBytes, headDim, scale(), scores, 4, out, 8, outRowBytes);
            float[][] result = new float[rows][];
            for (int r = 0; r < rows; r++) {
                result[r] = read(out, 8 + r * outRowBytes, headDim);
            }
            return result;
        }

        /**
         * Heads of one token (lenStep 0) through {@link CausalAttention#attendPart} over {@code parts} ranges of
         * {@code partLength} positions (the last ones possibly empty), then {@link CausalAttention#combine}.
         */
        float[][] inParts(int partLength, int parts) {
            MemorySegment qs = place(ARENA, 12, q);
            MemorySegment cache = place(ARENA, CACHE_OFF, kv);
            MemorySegment kt = place(ARENA, 64, new float[(int) (CausalAttention.keyBlockBytes(headDim,
                    positions()) / 4)]);
            MemorySegment scores = place(ARENA, 4, new float[(int) (CausalAttention.scoreBytes(partLength) / 4)]);
            long partStride = CausalAttention.ROWS * CausalAttention.partBytes(headDim);
            MemorySegment part = place(ARENA, 20, new float[(int) (parts * partStride / 4)]);
            MemorySegment out = place(ARENA, 8, new float[(int) (rows * outRowBytes / 4)]);
            for (int p = 0; p < positions(); p++) {
                CausalAttention.storeKey(cache, headBase() + p * cacheRowBytes, headDim, p, kt, 64);
            }
            for (int c = 0; c < parts; c++) {
                int from = c * partLength;
                CausalAttention.attendPart(qs, 12, qRowBytes, rows, from, Math.min(firstLen, from + partLength), kt,
                        64, cache, headBase() + 4, cacheRowBytes, headDim, scale(), scores, 4, part,
                        20 + c * partStride);
            }
            float[][] result = new float[rows][];
            for (int r = 0; r < rows; r++) {
                CausalAttention.combine(part, 20 + r * CausalAttention.partBytes(headDim), partStride, parts, headDim,
                        out, 8 + r * outRowBytes);
                result[r] = read(out, 8 + r * outRowBytes, headDim);
            }
            return result;
        }

        /** Row r alone through the reference, values read one float after the keys like {@link #blocked}. */
        float[] reference(int r) {
            int len = firstLen + r * lenStep;
            MemorySegment qs = place(ARENA, 12, q);
            MemorySegment cache = place(ARENA, CACHE_OFF, kv);
            MemorySegment scratch = place(ARENA, 0, new float[len]);
            MemorySegment out = place(ARENA, 0, new float[headDim]);
            AttentionReference.attend(qs, 12 + r * qRowBytes, cache, headBase(), cacheRowBytes, cache,
                    headBase() + 4, cacheRowBytes, headDim, len, scale(), scratch, 0, out, 0);
            return read(out, 0, headDim);
        }
    }

    @Test
    void everyRowMatchesTheReferenceOverItsOwnPrefix() {
        long seed = 300;
        for (int headDim : new int[] {LANES, 2 * LANES, 64, 128}) {
            for (int rows = 1; rows <= CausalAttention.ROWS; rows++) {
                for (int firstLen : new int[] {1, 2, LANES - 1, LANES, 17, 67, 300}) {
                    assertRowsMatchReference(Case.random(headDim, rows, firstLen, 1, seed++));
                }
            }
        }
    }

    @Test
    void partsOfTheContextCombineToTheReference() {
        long seed = 700;
        for (int headDim : new int[] {LANES, 2 * LANES, 3 * LANES, 64, 128}) {
            for (int rows = 1; rows <= CausalAttention.ROWS; rows++) {
                for (int len : new int[] {1, LANES + 1, 67, 300}) {
                    for (int parts = 1; parts <= 3; parts++) {
                        Case c = Case.random(headDim, rows, len, 0, seed++);
                        int partLength = CausalAttention.paddedPositions((len + parts - 1) / parts);
                        assertRowsMatch(c, c.inParts(partLength, parts), "in " + parts + " parts");
                    }
                }
            }
        }
    }

    @Test
    void emptyPartsAreSkippedAndAllEmptyIsRefused() {
        Case c = Case.random(64, 3, LANES + 1, 0, 45);
        // Four parts of one vector of positions: the third and fourth are empty.
        assertRowsMatch(c, c.inParts(LANES, 4), "with two empty parts");
        MemorySegment part = place(ARENA, 0, new float[4096]);
        MemorySegment out = place(ARENA, 0, new float[64]);
        for (int p = 0; p < 2; p++) {
            CausalAttention.attendPart(part, 0, 256, 1, LANES * p, 0, part, 0, part, 0, 256, 64, 1f, part, 0, part,
                    p * 1024L);
        }
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.combine(part, 0, 1024, 2, 64, out, 0));
        assertTrue(empty.getMessage().contains("all empty"), empty.getMessage());
        IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.attendPart(part, 0, 256, 1, LANES - 1, LANES + 1, part, 0, part, 0, 256, 64, 1f,
                        part, 0, part, 0));
        assertTrue(misaligned.getMessage().contains("got " + (LANES - 1)), misaligned.getMessage());
    }

    private static void assertRowsMatchReference(Case c) {
        assertRowsMatch(c, c.blocked(), "blocked");
    }

    private static void assertRowsMatch(Case c, float[][] blocked, String how) {
        for (int r = 0; r < c.rows(); r++) {
            float[] expected = c.reference(r);
            for (int d = 0; d < c.headDim(); d++) {
                assertEquals(expected[d], blocked[r][d], 1e-5, how + ": headDim " + c.headDim() + ", rows " + c.rows()
                        + ", first length " + c.firstLen() + ", length step " + c.lenStep() + ", row " + r
                        + ", d " + d);
            }
        }
    }

    @Test
    void aRowOfLengthOneReturnsTheFirstValueRowExactly() {
        Case c = Case.random(64, 3, 1, 40);
        float[] first = new float[64];
        System.arraycopy(c.kv(), (int) (c.headBase() / 4 - CACHE_OFF / 4) + 1, first, 0, 64);
        assertArrayEquals(first, c.blocked()[0]);
    }

    @Test
    void storedKeysFormBlocksOfOneVectorOfPositions() {
        int headDim = 2 * LANES;
        int len = LANES + 3;
        Case c = Case.random(headDim, 1, len, 41);
        MemorySegment cache = place(ARENA, CACHE_OFF, c.kv());
        int floats = (int) (CausalAttention.keyBlockBytes(headDim, len) / 4);
        assertEquals(2 * LANES * headDim, floats);
        float[] untouched = TestFloats.random(floats, 42, 5, 6);
        MemorySegment kt = place(ARENA, 0, untouched);
        for (int p = len - 1; p >= 0; p--) {
            CausalAttention.storeKey(cache, c.headBase() + p * c.cacheRowBytes(), headDim, p, kt, 0);
        }
        float[] t = read(kt, 0, floats);
        int rowFloats = (int) (c.cacheRowBytes() / 4);
        int head = (int) ((c.headBase() - CACHE_OFF) / 4);
        for (int p = 0; p < 2 * LANES; p++) {
            for (int d = 0; d < headDim; d++) {
                int at = (p / LANES * headDim + d) * LANES + p % LANES;
                float expected = p < len ? c.kv()[p * rowFloats + head + d] : untouched[at];
                assertEquals(expected, t[at], "p " + p + ", d " + d);
            }
        }
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.storeKey(cache, c.headBase(), headDim, 2 * LANES, kt, 0));
        assertTrue(past.getMessage().startsWith("key block"), past.getMessage());
    }

    @Test
    void unsupportedHeadSizesAndBadRowCountsAreRejected() {
        assertFalse(CausalAttention.supports(LANES + 1));
        assertTrue(CausalAttention.supports(64));
        Case c = Case.random(64, 2, 5, 43);
        MemorySegment q = place(ARENA, 0, c.q());
        MemorySegment cache = place(ARENA, CACHE_OFF, c.kv());
        MemorySegment big = place(ARENA, 0, new float[4096]);
        IllegalArgumentException head = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.storeKey(cache, c.headBase(), LANES + 1, 3, big, 0));
        assertTrue(head.getMessage().contains("multiple of " + LANES), head.getMessage());
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.attendRows(q, 0, c.qRowBytes(), 5, 1, big, 0, cache, c.headBase(),
                        c.cacheRowBytes(), 64, 1f, big, 0, big, 0, 256));
        assertTrue(rows.getMessage().contains("got 5"), rows.getMessage());
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.attendRows(q, 0, c.qRowBytes(), 2, 6, big, 0, cache, c.headBase(),
                        c.cacheRowBytes(), 64, 1f, big, 0, big, 0, 256));
        assertTrue(past.getMessage().startsWith("V[len - 1]"), past.getMessage());
    }
}
