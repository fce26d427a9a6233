package dev.smallmind.kernels.matmul;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interleaved Q4_K kernel: {@link Q8_KGroupMatmulContract} against {@link Q4_KMatmulReference}, and the packing's
 * refusals (partial groups, a non-finite {@code d} or {@code dmin}, named by byte offset).
 */
class Q4_KInterleavedMatmulTest extends Q8_KGroupMatmulContract {
    Q4_KInterleavedMatmulTest() {
        super(new Q4_KInterleavedMatmul(), new Q4_KMatmulReference(), Q4_KInterleavedMatmul.supported());
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
            long block = type.rowBytes(k) * (GROUP + 3) + type.blockBytes();
            gguf.set(SHORT, block + 2, Float.floatToFloat16(Float.POSITIVE_INFINITY));
            IllegalArgumentException dmin = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(gguf, 0, k, 2 * GROUP, dst, 0));
            assertTrue(dmin.getMessage().contains("dmin at byte " + (block + 2)), dmin.getMessage());
            gguf.set(SHORT, block, Float.floatToFloat16(Float.NaN));
            IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                    () -> kernel.pack(gguf, 0, k, 2 * GROUP, dst, 0));
            assertTrue(d.getMessage().contains("d at byte " + block) && d.getMessage().contains("NaN"),
                    d.getMessage());
        }
    }
}
