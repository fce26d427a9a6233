package dev.smallmind.kernels.quant;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quantizers reject bad sizes with a message naming the problem, before touching memory. */
class KQuantQuantizerInputTest {
    @Test
    void rowLengthMustBeAMultipleOf256() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(4 * 512);
            MemorySegment dst = arena.allocate(512);
            var e = assertThrows(IllegalArgumentException.class, () -> Q4_KQuantizer.quantizeRow(src, 0, dst, 0, 300));
            assertTrue(e.getMessage().contains("Q4_K") && e.getMessage().contains("300"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Q6_KQuantizer.quantizeRow(src, 0, dst, 0, 100));
            assertTrue(e.getMessage().contains("Q6_K") && e.getMessage().contains("100"), e.getMessage());
        }
    }

    @Test
    void segmentsMustHoldTheRow() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(4 * 512);
            MemorySegment small = arena.allocate(200);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Q5_KQuantizer.quantizeRow(src, 0, small, 0, 512));
            assertTrue(e.getMessage().contains("destination needs bytes [0, 352)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Q4_KQuantizer.quantizeRow(src, 8, arena.allocate(288), 0, 512));
            assertTrue(e.getMessage().contains("source needs bytes [8, 2056)"), e.getMessage());
        }
    }
}
