package dev.smallmind.kernels;

import dev.smallmind.memory.ArenaCapacityException;
import dev.smallmind.memory.Region;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.smallmind.kernels.TestFloats.place;
import static dev.smallmind.kernels.TestFloats.random;
import static dev.smallmind.kernels.TestFloats.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table kernel and the direct reference do the same float operations, so they must agree bit for bit. */
class RopeTest {
    private static final Arena ARENA = Arena.ofShared();
    private static final Region REGION = new Region("rope test", 64L << 20);
    private static final int MAX_POS = 2048;

    @AfterAll
    static void close() {
        REGION.close();
        ARENA.close();
    }

    @ParameterizedTest
    @EnumSource(RopePairing.class)
    void tableKernelEqualsDirectReference(RopePairing pairing) {
        int heads = 3;
        int headDim = 80;
        for (int ropeDim : new int[] {80, 64, 40, 32, 6, 2}) {
            RopeTable table = new RopeTable(REGION, MAX_POS, ropeDim, 10000f, pairing);
            for (int pos : new int[] {0, 1, 17, 1000, MAX_POS - 1}) {
                float[] x = random(heads * headDim, 51 + pos, -2, 2);
                MemorySegment in = place(ARENA, 12, x);
                MemorySegment out = place(ARENA, 20, new float[x.length]);
                MemorySegment ref = place(ARENA, 8, new float[x.length]);
                Rope.rotate(table, in, 12, out, 20, heads, headDim, pos);
                RopeReference.rotate(pairing, ropeDim, 10000f, in, 12, ref, 8, heads, headDim, pos);
                String what = pairing + " ropeDim " + ropeDim + " pos " + pos;
                assertArrayEquals(read(ref, 8, x.length), read(out, 20, x.length), what);
                Rope.rotate(table, in, 12, in, 12, heads, headDim, pos);
                assertArrayEquals(read(ref, 8, x.length), read(in, 12, x.length), what + " in place");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopePairing.class)
    void positionZeroIsTheIdentityAndRotationsKeepPairNorms(RopePairing pairing) {
        int heads = 4;
        int headDim = 64;
        RopeTable table = new RopeTable(REGION, MAX_POS, headDim, 500000f, pairing);
        float[] x = random(heads * headDim, 61, -3, 3);
        MemorySegment in = place(ARENA, 4, x);
        MemorySegment out = place(ARENA, 12, new float[x.length]);
        Rope.rotate(table, in, 4, out, 12, heads, headDim, 0);
        assertArrayEquals(x, read(out, 12, x.length));
        Rope.rotate(table, in, 4, out, 12, heads, headDim, 123);
        float[] y = read(out, 12, x.length);
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                int a = h * headDim + (pairing == RopePairing.NORMAL ? 2 * i : i);
                int b = h * headDim + (pairing == RopePairing.NORMAL ? 2 * i + 1 : i + half);
                double before = Math.hypot(x[a], x[b]);
                double after = Math.hypot(y[a], y[b]);
                assertEquals(before, after, 1e-6 * before + 1e-7, "norm of pair (" + a + ", " + b + ")");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopePairing.class)
    void firstPairRotatesByThePositionItselfAndOthersAsTheDoubleDefinition(RopePairing pairing) {
        int ropeDim = 32;
        int half = ropeDim / 2;
        RopeTable table = new RopeTable(REGION, 64, ropeDim, 10000f, pairing);
        for (int pos = 0; pos < 64; pos++) {
            for (int i = 0; i < half; i++) {
                int a = pairing == RopePairing.NORMAL ? 2 * i : i;
                int b = pairing == RopePairing.NORMAL ? 2 * i + 1 : i + half;
                float[] unit = new float[ropeDim];
                unit[a] = 1f;
                MemorySegment s = place(ARENA, 12, unit);
                Rope.rotate(table, s, 12, s, 12, 1, ropeDim, pos);
                float[] y = read(s, 12, ropeDim);
                double theta = pos * Math.pow(10000, -2.0 * i / ropeDim);
                // float theta carries i rounding errors of relative 2^-24 each
                double tolerance = (i + 2) * 0x1p-24 * Math.max(1, theta);
                assertEquals(Math.cos(theta), y[a], tolerance, "cos, pos " + pos + " pair " + i);
                assertEquals(Math.sin(theta), y[b], tolerance, "sin, pos " + pos + " pair " + i);
                if (i == 0) {
                    assertEquals((float) Math.cos(pos), y[a], 0f);
                    assertEquals((float) Math.sin(pos), y[b], 0f);
                }
            }
        }
    }

    @Test
    void dimensionsPastRopeDimAreCopied() {
        RopeTable table = new RopeTable(REGION, 16, 8, 10000f, RopePairing.NEOX);
        float[] x = random(2 * 20, 62, -1, 1);
        MemorySegment in = place(ARENA, 12, x);
        MemorySegment out = place(ARENA, 4, new float[x.length]);
        Rope.rotate(table, in, 12, out, 4, 2, 20, 5);
        float[] y = read(out, 4, x.length);
        for (int h = 0; h < 2; h++) {
            for (int j = 8; j < 20; j++) {
                assertEquals(x[h * 20 + j], y[h * 20 + j]);
            }
        }
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new RopeTable(REGION, 16, 7, 10000f, RopePairing.NORMAL));
        assertThrows(IllegalArgumentException.class, () -> new RopeTable(REGION, 0, 8, 10000f, RopePairing.NORMAL));
        assertThrows(IllegalArgumentException.class, () -> new RopeTable(REGION, 16, 8, 0f, RopePairing.NORMAL));
        assertThrows(IllegalArgumentException.class, () -> new RopeTable(REGION, 16, 8, Float.NaN, RopePairing.NEOX));
        assertThrows(ArenaCapacityException.class,
                () -> new RopeTable(REGION, 1 << 20, 128, 10000f, RopePairing.NEOX));
        RopeTable table = new RopeTable(REGION, 16, 8, 10000f, RopePairing.NORMAL);
        MemorySegment x = place(ARENA, 12, new float[16]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rope.rotate(table, x, 12, x, 12, 2, 8, 16));
        assertTrue(e.getMessage().contains("position 16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rope.rotate(table, x, 12, x, 12, 2, 6, 1));
        assertThrows(IllegalArgumentException.class, () -> Rope.rotate(table, x, 12, x, 12, 3, 8, 1));
    }
}
