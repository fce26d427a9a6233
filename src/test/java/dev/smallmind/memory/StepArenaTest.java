package dev.smallmind.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepArenaTest {
    @Test
    void allocationsAre64ByteAlignedAndBumpTheTop() {
        try (StepArena arena = new StepArena("step", 1000)) {
            assertEquals(1024, arena.capacity());
            assertEquals(0, arena.segment().address() % 64, "backing segment alignment");
            assertTrue(arena.segment().byteSize() >= arena.capacity());
            long a = arena.allocate(1);
            long b = arena.allocate(100);
            long c = arena.allocate(64);
            long d = arena.allocate(0);
            long e = arena.allocate(65);
            assertEquals(0, a);
            assertEquals(64, b);
            assertEquals(192, c);
            assertEquals(256, d, "an empty allocation takes no space");
            assertEquals(256, e);
            assertEquals(384, arena.used());
            assertEquals(5, arena.allocationCount());
        }
    }

    @Test
    void resetRecyclesMemoryButKeepsPeakAndCount() {
        try (StepArena arena = new StepArena("step", 4096)) {
            arena.allocate(1000);
            arena.allocate(1000);
            assertEquals(2048, arena.used());
            arena.reset();
            assertEquals(0, arena.used());
            assertEquals(0, arena.allocate(10), "the next step starts at the beginning again");
            assertEquals(2048, arena.peak());
            assertEquals(3, arena.allocationCount());
            arena.allocate(3000);
            assertEquals(64 + 3008, arena.peak());
        }
    }

    @Test
    void writesGoToTheReturnedOffsets() {
        try (StepArena arena = new StepArena("step", 256)) {
            long a = arena.allocate(8);
            long b = arena.allocate(8);
            arena.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, a, 1L);
            arena.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, b, 2L);
            assertEquals(1L, arena.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, a));
            assertEquals(2L, arena.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, b));
        }
    }

    @Test
    void fullArenaNamesRequestedAndAvailableBytes() {
        try (StepArena arena = new StepArena("decode step", 256)) {
            arena.allocate(160);
            ArenaCapacityException e = assertThrows(ArenaCapacityException.class, () -> arena.allocate(65));
            assertEquals("decode step: cannot allocate 128 bytes, only 64 bytes available", e.getMessage());
            assertEquals(128, e.requested());
            assertEquals(64, e.available());
            assertEquals(192, arena.used(), "a failed allocation changes nothing");
            assertEquals(1, arena.allocationCount());
        }
    }

    @Test
    void absurdRequestsFailInsteadOfWrappingAround() {
        try (StepArena arena = new StepArena("step", 256)) {
            ArenaCapacityException e = assertThrows(ArenaCapacityException.class, () -> arena.allocate(Long.MAX_VALUE));
            assertEquals(Long.MAX_VALUE, e.requested());
            assertThrows(ArenaCapacityException.class, () -> arena.allocate(Long.MAX_VALUE - 10));
            assertEquals(0, arena.used());
            assertEquals(0, arena.allocate(256));
        }
    }

    @Test
    void negativeSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StepArena("step", -1));
        try (StepArena arena = new StepArena("step", 0)) {
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(-1));
            assertThrows(ArenaCapacityException.class, () -> arena.allocate(1));
            assertEquals(0, arena.allocate(0));
        }
    }
}
