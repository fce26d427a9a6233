package dev.smallmind.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UnzeroedMemoryTest {
    @Test
    void aBlockIsAlignedWritableAndBounded() {
        long bytes = (5L << 20) + 13;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment s = UnzeroedMemory.allocate(arena, bytes);
            assertEquals(bytes, s.byteSize());
            assertEquals(0, s.address() % Alignment.BYTES, "address " + s.address());
            s.fill((byte) 3);
            assertEquals(3, s.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(3, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, bytes));
        }
    }

    @Test
    void closingTheArenaFreesTheBlock() {
        Arena arena = Arena.ofShared();
        MemorySegment s = UnzeroedMemory.allocate(arena, 4096);
        arena.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void anEmptyOrNegativeSizeIsRefused() {
        try (Arena arena = Arena.ofShared()) {
            assertThrows(IllegalArgumentException.class, () -> UnzeroedMemory.allocate(arena, 0));
            assertThrows(IllegalArgumentException.class, () -> UnzeroedMemory.allocate(arena, -1));
        }
    }

    /** A size no machine has: a clear error, not a crash (the C library returns no block). */
    @Test
    void anImpossibleSizeIsAnOutOfMemoryError() {
        try (Arena arena = Arena.ofShared()) {
            assertThrows(OutOfMemoryError.class, () -> UnzeroedMemory.allocate(arena, Long.MAX_VALUE / 2));
        }
    }
}
