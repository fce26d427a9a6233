package dev.smallmind.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.smallmind.kernels.TestFloats.place;
import static dev.smallmind.kernels.TestFloats.random;
import static dev.smallmind.kernels.TestFloats.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention against a cache laid out like the engine's: each cache row holds several KV heads, the head under test
 * starts inside the row, and the cache starts at a non-zero offset. Values lie in [-1, 1] and the weights sum to
 * 1, so outputs are at most 1 in magnitude; dot products summed in another order move a score by about
 * headDim * 2^-24 * sum|q_d k_d| * scale, far below the 1e-5 allowed.
 */
class AttentionTest {
    private static final Arena ARENA = Arena.ofShared();
    private static final int KV_HEADS = 3;
    private static final int HEAD = 1;
    private static final long CACHE_OFF = 12;

    @AfterAll
    static void close() {
        ARENA.close();
    }

    private record Case(int headDim, int len, float[] q, float[] k, float[] v, long rowBytes) {
        static Case random(int headDim, int len, long seed) {
            long rowBytes = 4L * (KV_HEADS * headDim + 5);
            int rowFloats = (int) (rowBytes / 4);
            return new Case(headDim, len, TestFloats.random(headDim, seed, -1, 1),
                    TestFloats.random(len * rowFloats, seed + 1, -1, 1),
                    TestFloats.random(len * rowFloats, seed + 2, -1, 1), rowBytes);
        }

        long headBase() {
            return CACHE_OFF + 4L * HEAD * headDim;
        }

        float scale() {
            return (float) (1 / Math.sqrt(headDim));
        }

        float[] run(boolean reference, float[] weights) {
            MemorySegment qs = place(ARENA, 20, q);
            MemorySegment ks = place(ARENA, CACHE_OFF, k);
            MemorySegment vs = place(ARENA, CACHE_OFF, v);
            MemorySegment scratch = place(ARENA, 8, new float[len]);
            MemorySegment out = place(ARENA, 4, new float[headDim]);
            if (reference) {
                AttentionReference.attend(qs, 20, ks, headBase(), rowBytes, vs, headBase(), rowBytes, headDim, len,
                        scale(), scratch, 8, out, 4);
            } else {
                Attention.attend(qs, 20, ks, headBase(), rowBytes, vs, headBase(), rowBytes, headDim, len, scale(),
                        scratch, 8, out, 4);
            }
            if (weights != null) {
                System.arraycopy(read(scratch, 8, len), 0, weights, 0, len);
            }
            return read(out, 4, headDim);
        }

        double[] exact() {
            int rowFloats = (int) (rowBytes / 4);
            int head = HEAD * headDim;
            double[] s = new double[len];
            double max = Double.NEGATIVE_INFINITY;
            for (int p = 0; p < len; p++) {
                for (int d = 0; d < headDim; d++) {
                    s[p] += (double) q[d] * k[p * rowFloats + head + d];
                }
                s[p] *= scale();
                max = Math.max(max, s[p]);
            }
            double sum = 0;
            for (int p = 0; p < len; p++) {
                s[p] = Math.exp(s[p] - max);
                sum += s[p];
            }
            double[] out = new double[headDim];
            for (int d = 0; d < headDim; d++) {
                for (int p = 0; p < len; p++) {
                    out[d] += s[p] / sum * v[p * rowFloats + head + d];
                }
            }
            return out;
        }
    }

    @Test
    void vectorMatchesReferenceAndTheDoubleDefinition() {
        long seed = 70;
        for (int headDim : new int[] {1, 7, 64, 67, 80, 128}) {
            for (int len : new int[] {1, 2, 3, 4, 5, 17, 67, 300}) {
                Case c = Case.random(headDim, len, seed++);
                float[] weights = new float[len];
                float[] vector = c.run(false, weights);
                float[] reference = c.run(true, null);
                double[] exact = c.exact();
                double total = 0;
                for (float w : weights) {
                    total += w;
                }
                String what = "headDim " + headDim + ", len " + len;
                assertEquals(1.0, total, 1e-6, what + ": weights left in the scratch sum to 1");
                for (int d = 0; d < headDim; d++) {
                    assertEquals(reference[d], vector[d], 1e-5, what + ", d " + d + " vs reference");
                    assertEquals(exact[d], vector[d], 1e-5, what + ", d " + d + " vs double");
                }
            }
        }
    }

    @Test
    void singlePositionReturnsItsValueRowExactly() {
        for (int headDim : new int[] {1, 16, 67, 128}) {
            Case c = Case.random(headDim, 1, 90 + headDim);
            float[] out = c.run(false, null);
            int head = HEAD * headDim;
            float[] v0 = new float[headDim];
            System.arraycopy(c.v(), head, v0, 0, headDim);
            assertArrayEquals(v0, out, "headDim " + headDim);
        }
    }

    @Test
    void identicalKeysAverageTheValues() {
        int headDim = 32;
        int len = 9;
        Case c = Case.random(headDim, len, 95);
        int rowFloats = (int) (c.rowBytes() / 4);
        for (int p = 1; p < len; p++) {
            System.arraycopy(c.k(), HEAD * headDim, c.k(), p * rowFloats + HEAD * headDim, headDim);
        }
        float[] out = c.run(false, null);
        for (int d = 0; d < headDim; d++) {
            double mean = 0;
            for (int p = 0; p < len; p++) {
                mean += c.v()[p * rowFloats + HEAD * headDim + d];
            }
            assertEquals(mean / len, out[d], 1e-6);
        }
    }

    @Test
    void badShapesAreRejectedBeforeWriting() {
        Case c = Case.random(8, 4, 99);
        MemorySegment q = place(ARENA, 0, c.q());
        MemorySegment k = place(ARENA, CACHE_OFF, c.k());
        MemorySegment scratch = place(ARENA, 0, new float[3]);
        MemorySegment out = place(ARENA, 0, new float[8]);
        long base = c.headBase();
        long row = c.rowBytes();
        assertThrows(IllegalArgumentException.class,
                () -> Attention.attend(q, 0, k, base, row, k, base, row, 8, 0, 1f, scratch, 0, out, 0));
        assertThrows(IllegalArgumentException.class,
                () -> Attention.attend(q, 0, k, base, row, k, base, row, 0, 3, 1f, scratch, 0, out, 0));
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> Attention.attend(q, 0, k, base, row, k, base, row, 8, 4, 1f, scratch, 0, out, 0));
        assertTrue(small.getMessage().startsWith("scores"), small.getMessage());
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> Attention.attend(q, 0, k, base, row, k, base, row, 8, 5, 1f, scratch, 0, out, 0));
        assertTrue(past.getMessage().startsWith("K[len - 1]"), past.getMessage());
        assertArrayEquals(new float[8], read(out, 0, 8));
    }
}
