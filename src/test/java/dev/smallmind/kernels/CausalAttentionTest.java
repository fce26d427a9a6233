package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
    /** The cache element widths under test: F16 and F32. */
    private static final int[] ELEMENT_BYTES = {CausalAttention.HALF_BYTES, Float.BYTES};

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
            // Cache values are F16 numbers, so the reference reads exactly what the F16 cache holds.
            float[] kv = TestFloats.random((int) (positions * cacheRowBytes / 4), seed + 1, -1, 1);
            for (int i = 0; i < kv.length; i++) {
                kv[i] = Float.float16ToFloat(Float.floatToFloat16(kv[i]));
            }
            return new Case(headDim, rows, firstLen, lenStep,
                    TestFloats.random((int) (rows * qRowBytes / 4), seed, -1, 1), kv, cacheRowBytes,
                    qRowBytes, 4L * (headDim + 9));
        }

        /** Bytes between value rows of the cache the kernels read: the head and a gap. */
        long valueRowBytes(int eb) {
            return (long) eb * (headDim + 6);
        }

        /** The values (one float after each row's keys, like {@link #reference}) as cache rows from byte 6. */
        MemorySegment values(MemorySegment cache, int eb) {
            MemorySegment v = place(ARENA, 0, new float[(int) ((positions() * valueRowBytes(eb) + 8) / 4)]);
            for (int p = 0; p < positions(); p++) {
                CausalAttention.storeValues(cache, headBase() + 4 + p * cacheRowBytes, headDim, p, v,
                        6 + p * valueRowBytes(eb), eb);
            }
            return v;
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

        /** The blocked kernel over a cache of {@code eb}-byte elements. */
        float[][] blocked(int eb) {
            MemorySegment qs = place(ARENA, 12, q);
            MemorySegment cache = place(ARENA, CACHE_OFF, kv);
            MemorySegment kt = place(ARENA, 64, new float[(int) (CausalAttention.keyBlockBytes(headDim,
                    positions(), eb) / 4)]);
            MemorySegment scores = place(ARENA, 4, new float[(int) (CausalAttention.scoreBytes(positions()) / 4)]);
            MemorySegment out = place(ARENA, 8, new float[(int) (rows * outRowBytes / 4)]);
            for (int p = 0; p < positions(); p++) {
                CausalAttention.storeKey(cache, headBase() + p * cacheRowBytes, headDim, p, kt, 64, eb);
            }
            CausalAttention.attendRows(qs, 12, qRowBytes, rows, firstLen, kt, 64, values(cache, eb), 6,
                    valueRowBytes(eb), headDim, scale(), scores, 4, out, 8, outRowBytes, eb);
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
        float[][] inParts(int partLength, int parts, int eb) {
            MemorySegment qs = place(ARENA, 12, q);
            MemorySegment cache = place(ARENA, CACHE_OFF, kv);
            MemorySegment kt = place(ARENA, 64, new float[(int) (CausalAttention.keyBlockBytes(headDim,
                    positions(), eb) / 4)]);
            MemorySegment scores = place(ARENA, 4, new float[(int) (CausalAttention.scoreBytes(partLength) / 4)]);
            long partStride = CausalAttention.ROWS * CausalAttention.partBytes(headDim);
            MemorySegment part = place(ARENA, 20, new float[(int) (parts * partStride / 4)]);
            MemorySegment out = place(ARENA, 8, new float[(int) (rows * outRowBytes / 4)]);
            for (int p = 0; p < positions(); p++) {
                CausalAttention.storeKey(cache, headBase() + p * cacheRowBytes, headDim, p, kt, 64, eb);
            }
            MemorySegment v = values(cache, eb);
            for (int c = 0; c < parts; c++) {
                int from = c * partLength;
                CausalAttention.attendPart(qs, 12, qRowBytes, rows, from, Math.min(firstLen, from + partLength), kt,
                        64, v, 6, valueRowBytes(eb), headDim, scale(), scores, 4, part, 20 + c * partStride, eb);
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
        for (int headDim : new int[] {LANES, 2 * LANES, 3 * LANES, 6 * LANES, 64, 128}) {
            for (int rows = 1; rows <= CausalAttention.ROWS; rows++) {
                for (int firstLen : new int[] {1, 2, LANES - 1, LANES, 17, 67, 300}) {
                    Case c = Case.random(headDim, rows, firstLen, 1, seed++);
                    for (int eb : ELEMENT_BYTES) {
                        assertRowsMatch(c, c.blocked(eb), eb + "-byte cache");
                    }
                }
            }
        }
    }

    @Test
    void partsOfTheContextCombineToTheReference() {
        long seed = 700;
        for (int headDim : new int[] {LANES, 2 * LANES, 3 * LANES, 5 * LANES, 6 * LANES, 64, 128}) {
            for (int rows = 1; rows <= CausalAttention.ROWS; rows++) {
                for (int len : new int[] {1, LANES + 1, 67, 300}) {
                    for (int parts = 1; parts <= 3; parts++) {
                        Case c = Case.random(headDim, rows, len, 0, seed++);
                        int partLength = CausalAttention.paddedPositions((len + parts - 1) / parts);
                        for (int eb : ELEMENT_BYTES) {
                            assertRowsMatch(c, c.inParts(partLength, parts, eb), "in " + parts + " parts, " + eb
                                    + "-byte cache");
                        }
                    }
                }
            }
        }
    }

    @Test
    void emptyPartsAreSkippedAndAllEmptyIsRefused() {
        Case c = Case.random(64, 3, LANES + 1, 0, 45);
        // Four parts of one vector of positions: the third and fourth are empty.
        assertRowsMatch(c, c.inParts(LANES, 4, CausalAttention.HALF_BYTES), "with two empty parts");
        MemorySegment part = place(ARENA, 0, new float[4096]);
        MemorySegment out = place(ARENA, 0, new float[64]);
        for (int p = 0; p < 2; p++) {
            CausalAttention.attendPart(part, 0, 256, 1, LANES * p, 0, part, 0, part, 0, 256, 64, 1f, part, 0, part,
                    p * 1024L, CausalAttention.HALF_BYTES);
        }
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.combine(part, 0, 1024, 2, 64, out, 0));
        assertTrue(empty.getMessage().contains("all empty"), empty.getMessage());
        IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.attendPart(part, 0, 256, 1, LANES - 1, LANES + 1, part, 0, part, 0, 256, 64, 1f,
                        part, 0, part, 0, CausalAttention.HALF_BYTES));
        assertTrue(misaligned.getMessage().contains("got " + (LANES - 1)), misaligned.getMessage());
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
        assertArrayEquals(first, c.blocked(CausalAttention.HALF_BYTES)[0]);
    }

    @Test
    void storedKeysFormBlocksOfOneVectorOfPositions() {
        int headDim = 2 * LANES;
        int len = LANES + 3;
        Case c = Case.random(headDim, 1, len, 41);
        MemorySegment cache = place(ARENA, CACHE_OFF, c.kv());
        int elements = (int) (CausalAttention.keyBlockBytes(headDim, len, CausalAttention.HALF_BYTES)
                / CausalAttention.HALF_BYTES);
        assertEquals(2 * LANES * headDim, elements);
        MemorySegment kt = place(ARENA, 0, new float[elements / 2]);
        for (int i = 0; i < elements; i++) {
            kt.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, Float.floatToFloat16(5 + i % 7));
        }
        for (int p = len - 1; p >= 0; p--) {
            CausalAttention.storeKey(cache, c.headBase() + p * c.cacheRowBytes(), headDim, p, kt, 0,
                    CausalAttention.HALF_BYTES);
        }
        int rowFloats = (int) (c.cacheRowBytes() / 4);
        int head = (int) ((c.headBase() - CACHE_OFF) / 4);
        for (int p = 0; p < 2 * LANES; p++) {
            for (int d = 0; d < headDim; d++) {
                int at = (p / LANES * headDim + d) * LANES + p % LANES;
                float expected = p < len ? c.kv()[p * rowFloats + head + d] : 5 + at % 7;
                assertEquals(expected, Float.float16ToFloat(kt.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * at)),
                        "p " + p + ", d " + d);
            }
        }
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.storeKey(cache, c.headBase(), headDim, 2 * LANES, kt, 0,
                        CausalAttention.HALF_BYTES));
        assertTrue(past.getMessage().startsWith("key block"), past.getMessage());
    }

    @Test
    void valuesBeyondTheF16RangeAreRefusedNamingTheElementAndPosition() {
        MemorySegment x = place(ARENA, 0, new float[64]);
        MemorySegment to = place(ARENA, 0, new float[4096]);
        x.setAtIndex(ValueLayout.JAVA_FLOAT, 5, 65504f);
        CausalAttention.storeValues(x, 0, 64, 3, to, 0, CausalAttention.HALF_BYTES);
        assertEquals(65504f, Float.float16ToFloat(to.get(ValueLayout.JAVA_SHORT_UNALIGNED, 10)));
        x.setAtIndex(ValueLayout.JAVA_FLOAT, 7, -70000f);
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.storeValues(x, 0, 64, 3, to, 0, CausalAttention.HALF_BYTES));
        assertTrue(value.getMessage().startsWith("value element 7 at cache position 3 is -70000.0, beyond the F16"),
                value.getMessage());
        x.setAtIndex(ValueLayout.JAVA_FLOAT, 7, Float.NaN);
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.storeKey(x, 0, 64, 9, to, 0, CausalAttention.HALF_BYTES));
        assertTrue(key.getMessage().startsWith("key element 7 at cache position 9 is NaN"), key.getMessage());
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
                () -> CausalAttention.storeKey(cache, c.headBase(), LANES + 1, 3, big, 0, CausalAttention.HALF_BYTES));
        assertTrue(head.getMessage().contains("multiple of " + LANES), head.getMessage());
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.attendRows(q, 0, c.qRowBytes(), 5, 1, big, 0, cache, c.headBase(),
                        c.cacheRowBytes(), 64, 1f, big, 0, big, 0, 256, 4));
        assertTrue(rows.getMessage().contains("got 5"), rows.getMessage());
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> CausalAttention.attendRows(q, 0, c.qRowBytes(), 2, 6, big, 0, cache, c.headBase(),
                        c.cacheRowBytes(), 64, 1f, big, 0, big, 0, 256, 4));
        assertTrue(past.getMessage().startsWith("V[len - 1]"), past.getMessage());
    }
}
