package dev.smallmind.kernels.matmul;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interleaved Q6_K kernel: {@link Q8_KGroupMatmulContract} against {@link Q6_KMatmulReference}, the largest sums
 * its int16 and int32 lanes must hold, and the packing's refusals (partial groups, a non-finite {@code d}, named by
 * byte offset).
 */
class Q6_KInterleavedMatmulTest extends Q8_KGroupMatmulContract {
    Q6_KInterleavedMatmulTest() {
        super(new Q6_KInterleavedMatmul(), new Q6_KMatmulReference(), Q6_KInterleavedMatmul.supported());
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
            MemorySegment gguf = arena.allocate(type.rowBytes(k) * n + 64, 64);
            for (long blk = 0; blk < gguf.byteSize() - 64; blk += type.blockBytes()) {
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

    @Test
    void packingRefusesPartialGroupsAndNonFiniteScales() {
        int k = 512;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment gguf = KQuantTestData.weights(arena, type, 2 * GROUP, k, 0, 5);
            MemorySegment dst = arena.allocate(gguf.byteSize(), 64);
            IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(gguf, 0, k, GROUP + GROUP / 2, dst, 0));
            assertTrue(partial.getMessage().contains((GROUP + GROUP / 2) + " rows"), partial.getMessage());
            long d = type.rowBytes(k) * (GROUP + 3) + type.blockBytes() + Q6_KMatmulReference.D;
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
