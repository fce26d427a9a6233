package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.quant.Q8_KQuantizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Vector API kernels' prepared activations hold exactly ggml's Q8_K values: same d, every quant at the
 * position its kernel's order gives, same group sums (an all-zero super-block included), with the orders of every
 * vector width.
 */
class Q8_KActivationsTest {
    @Test
    void preparedBlocksHoldTheQ8KValuesInKernelOrder() {
        int k = 1280;
        int t = 2;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = KQuantTestData.floats(arena, t * k, 12, 99);
            MemorySegment q8 = arena.allocate(Q8_KQuantizer.rowBytes(k));
            MemorySegment prep = arena.allocate(64 + t * Q8_KActivations.rowBytes(k), 64);
            for (byte[] order : new byte[][] {Q4_KMatmul.order(8), Q4_KMatmul.order(16), Q4_KMatmul.order(32),
                Q6_KMatmul.order(8), Q6_KMatmul.order(16), Q6_KMatmul.order(32)}) {
                Q8_KActivations.prepare(x, 12, k, 0, t, prep, 64, order);
                for (int r = 0; r < t; r++) {
                    Q8_KQuantizer.quantizeRow(x, 12 + 4L * r * k, q8, 0, k);
                    for (int b = 0; b < k / 256; b++) {
                        long src = (long) b * Q8_KQuantizer.BLOCK_BYTES;
                        long dst = 64 + r * Q8_KActivations.rowBytes(k) + (long) b * Q8_KActivations.BLOCK_BYTES;
                        assertEquals(q8.get(KQuantScales.F32, src), prep.get(KQuantScales.F32, dst), "d");
                        for (int p = 0; p < 256; p++) {
                            int e = order[p] & 0xFF;
                            assertEquals(q8.get(ValueLayout.JAVA_BYTE, src + Q8_KQuantizer.QS + e),
                                    prep.get(KQuantScales.I16, dst + Q8_KActivations.QUANTS + 2L * p),
                                    "row " + r + " block " + b + " position " + p);
                        }
                        for (int g = 0; g < 16; g++) {
                            assertEquals(q8.get(KQuantScales.I16, src + Q8_KQuantizer.BSUMS + 2L * g),
                                    prep.get(KQuantScales.I32, dst + Q8_KActivations.SUMS + 4L * g), "sum " + g);
                        }
                        for (int s = 0; s < 8; s++) {
                            assertEquals(KQuantScales.bsumPair(q8, src, s),
                                    prep.get(KQuantScales.I32, dst + Q8_KActivations.SUB_BLOCK_SUMS + 4L * s),
                                    "sub-block sum " + s);
                        }
                    }
                }
            }
        }
    }

    /** Each kernel prepares in its width's order; at 512 bits that is the layout the kernels always had. */
    @Test
    void ordersFollowTheWidthAndThe512BitOnesAreUnchanged() {
        assertArrayEquals(Q8_KActivations.order(32,
                (h, j, m) -> 128 * h + 64 * (m / 16) + 32 * (j & 1) + 2 * (m % 16) + (j >> 1)), Q4_KMatmul.order(32));
        assertArrayEquals(Q8_KActivations.order(32,
                (h, j, m) -> 128 * h + 64 * (j & 1) + 32 * (m / 16) + 2 * (m % 16) + (j >> 1)), Q6_KMatmul.order(32));
        assertArrayEquals(Q4_KMatmul.order(Q8_KActivations.LANES), Q4_KMatmul.ORDER);
        assertArrayEquals(Q6_KMatmul.order(Q8_KActivations.LANES), Q6_KMatmul.ORDER);
    }
}
