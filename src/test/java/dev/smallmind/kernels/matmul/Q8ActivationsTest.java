package dev.smallmind.kernels.matmul;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Q8_0/Q8_1 activation rounding against hand-worked blocks, and vector against scalar byte for byte. */
class Q8ActivationsTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static MemorySegment floats(Arena arena, float[] values) {
        MemorySegment s = arena.allocate(values.length * 4L, 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_FLOAT, 0, values.length);
        return s;
    }

    @Test
    void amax127RoundsHalfToEvenWithUnitScale() {
        // amax = 127 gives d = 1 (exact in fp16) and 127 / amax = 1, so q = rint(x): ties go to even
        float[] x = new float[32];
        x[0] = 127f;
        x[1] = 0.5f;
        x[2] = 1.5f;
        x[3] = 2.5f;
        x[4] = -63.5f;
        x[5] = -0.5f;
        x[6] = 3.49f;
        float[] expected = new float[32];
        expected[0] = 127f;
        expected[1] = 0f;
        expected[2] = 2f;
        expected[3] = 2f;
        expected[4] = -64f;
        expected[5] = 0f;
        expected[6] = 3f;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = floats(arena, x);
            for (boolean vector : new boolean[]{true, false}) {
                MemorySegment prep = arena.allocate(Q8_1Activations.rowBytes(32), 64);
                if (vector) {
                    Q8_1Activations.quantize(src, 0, 32, 0, 1, prep, 0);
                } else {
                    Q8_1ActivationsReference.quantize(src, 0, 32, 0, 1, prep, 0);
                }
                for (int j = 0; j < 32; j++) {
                    assertEquals(expected[j], prep.get(FLOAT, j * 4L), "element " + j + (vector ? " vector" : " scalar"));
                    assertEquals(0, Float.floatToRawIntBits(prep.get(FLOAT, j * 4L)) & (expected[j] == 0 ? -1 : 0),
                            "zero must be +0, element " + j);
                }
                // s = fp16(d * sum(q)) = 127 + 0 + 2 + 2 - 64 + 0 + 3 = 70
                assertEquals(70f, prep.get(FLOAT, Q8_1Activations.sumsOffset(32)));
            }
        }
    }

    @Test
    void scaleIsRoundedToFp16AndValuesAreScaleTimesQuant() {
        // amax = 1: d = 1/127 rounds to fp16 0x2008 = 2^-7 * (1 + 8/1024) = 0.00787353515625;
        // q = rint(x * 127), so x = 1 -> 127 -> 127 * d_fp16 = 0.99993896484375 and x = -0.25 -> rint(-31.75) = -32
        float[] x = new float[64];
        x[0] = 1f;
        x[1] = -0.25f;
        x[32] = 0f;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = floats(arena, x);
            MemorySegment prep = arena.allocate(Q8_1Activations.rowBytes(64), 64);
            Q8_1Activations.quantize(src, 0, 64, 0, 1, prep, 0);
            assertEquals(0.99993896484375f, prep.get(FLOAT, 0));
            assertEquals(-32 * 0.00787353515625f, prep.get(FLOAT, 4));
            assertEquals(0f, prep.get(FLOAT, 8));
            // an all-zero block: d = 0, q = 0, s = 0
            assertEquals(0f, prep.get(FLOAT, 32 * 4));
            // s uses the unrounded d = 1/127f: fp16((1/127f) * (127 - 32)) = fp16(0.748031...) = 0.748046875
            assertEquals(0.748046875f, prep.get(FLOAT, Q8_1Activations.sumsOffset(64)));
            assertEquals(0f, prep.get(FLOAT, Q8_1Activations.sumsOffset(64) + 4));
        }
    }

    @Test
    void vectorEqualsScalarByteForByteIncludingTies() {
        int k = 4128;
        int t = 5;
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[t * k];
        for (int i = 0; i < x.length; i++) {
            // every fourth block has amax 127 and half-integer values: exact ties for the rounding
            x[i] = (i / 32) % 4 == 0 ? (r.nextInt(255) - 127) / 2f * (i % 32 == 0 ? 0 : 1) + (i % 32 == 0 ? 127 : 0)
                    : (float) (r.nextGaussian() * Math.exp(r.nextDouble(-10, 10)));
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(8 + x.length * 4L, 64);
            MemorySegment.copy(x, 0, src, ValueLayout.JAVA_FLOAT, 8, x.length);
            for (boolean q81 : new boolean[]{false, true}) {
                long bytes = (q81 ? Q8_1Activations.rowBytes(k) : Q8_0Activations.rowBytes(k)) * t;
                MemorySegment a = arena.allocate(bytes + 16, 64);
                MemorySegment b = arena.allocate(bytes + 16, 64);
                if (q81) {
                    Q8_1Activations.quantize(src, 8, k, 0, t, a, 16);
                    Q8_1ActivationsReference.quantize(src, 8, k, 0, t, b, 16);
                } else {
                    Q8_0Activations.quantize(src, 8, k, 0, t, a, 16);
                    Q8_0ActivationsReference.quantize(src, 8, k, 0, t, b, 16);
                }
                assertEquals(-1, a.mismatch(b), q81 ? "Q8_1" : "Q8_0");
            }
        }
    }
}
