package dev.smallmind.kernels.quant;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Q8_K activation quantization on hand-computed blocks. */
class Q8_KQuantizerTest {
    @Test
    void nearestIntRoundsHalfToEvenLikeGgml() {
        assertEquals(0, Q8_KQuantizer.nearestInt(0.5f));
        assertEquals(2, Q8_KQuantizer.nearestInt(1.5f));
        assertEquals(2, Q8_KQuantizer.nearestInt(2.5f));
        assertEquals(-2, Q8_KQuantizer.nearestInt(-2.5f));
        assertEquals(-3, Q8_KQuantizer.nearestInt(-2.51f));
        assertEquals(127, Q8_KQuantizer.nearestInt(127.4f));
    }

    /**
     * Values -2.54 * (j / 255) style: the largest magnitude is negative, so iscale = -127 / max is positive and
     * the block maps max to -127, exactly as ggml does (it keeps the sign of the extreme value).
     */
    @Test
    void quantizesHandComputedBlock() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(8 + 4 * 512);
            MemorySegment q = arena.allocate(4 + 2 * 292);
            for (int j = 0; j < 256; j++) {
                // multiples of 1/64 so iscale * x is exact: max is -4 at j = 255
                x.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 8 + 4L * j, j == 255 ? -4f : (j % 17 - 8) / 64f);
            }
            for (int j = 0; j < 256; j++) {
                x.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 8 + 1024 + 4L * j, 0f);
            }
            Q8_KQuantizer.quantizeRow(x, 8, q, 4, 512);
            float iscale = -127f / -4f;
            assertEquals(1 / iscale, q.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4));
            int[] sums = new int[16];
            for (int j = 0; j < 256; j++) {
                float v = j == 255 ? -4f : (j % 17 - 8) / 64f;
                int expected = (int) Math.rint(iscale * v);
                assertEquals(expected, q.get(ValueLayout.JAVA_BYTE, 4 + 4 + j), "quant " + j);
                sums[j / 16] += expected;
            }
            assertEquals(-127, q.get(ValueLayout.JAVA_BYTE, 4 + 4 + 255));
            for (int g = 0; g < 16; g++) {
                assertEquals(sums[g], q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4 + 260 + 2L * g), "sum " + g);
            }
            long zero = 4 + 292;
            assertEquals(0f, q.get(ValueLayout.JAVA_FLOAT_UNALIGNED, zero));
            for (int j = 4; j < 292; j++) {
                assertEquals(0, q.get(ValueLayout.JAVA_BYTE, zero + j), "all-zero block byte " + j);
            }
            MemorySegment back = arena.allocate(4 * 512);
            Q8_KQuantizer.dequantizeRow(q, 4, back, 0, 512);
            assertEquals(-4f, back.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * 255));
        }
    }

    @Test
    void positiveExtremeMapsToMinus127() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(4 * 256);
            MemorySegment q = arena.allocate(292);
            x.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 40, 3f);
            x.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 44, -3f);
            Q8_KQuantizer.quantizeRow(x, 0, q, 0, 256);
            assertEquals(-127, q.get(ValueLayout.JAVA_BYTE, 4 + 10));
            assertEquals(127, q.get(ValueLayout.JAVA_BYTE, 4 + 11));
            assertEquals(1 / (-127f / 3f), q.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        }
    }
}
