package dev.smallmind.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegionTest {
    @Test
    void allocationsAreZeroedAlignedExactAndCountedRoundedUp() {
        try (Region region = new Region("kv cache", 1 << 16)) {
            MemorySegment a = region.allocate(100);
            MemorySegment b = region.allocate(64);
            MemorySegment c = region.allocate(0);
            assertEquals(100, a.byteSize());
            assertEquals(64, b.byteSize());
            assertEquals(0, c.byteSize());
            assertEquals(0, a.address() % 64);
            assertEquals(0, b.address() % 64);
            for (long i = 0; i < 100; i++) {
                assertEquals(0, a.get(ValueLayout.JAVA_BYTE, i));
            }
            assertEquals(128 + 64, region.allocated());
            assertEquals(1 << 16, region.budget());
        }
    }

    @Test
    void budgetIsEnforcedWithSizesInTheMessage() {
        try (Region region = new Region("weights", 1024)) {
            region.allocate(1000);
            ArenaCapacityException e = assertThrows(ArenaCapacityException.class, () -> region.allocate(1));
            assertEquals("weights: cannot allocate 64 bytes, only 0 bytes available", e.getMessage());
            assertThrows(ArenaCapacityException.class, () -> region.allocate(Long.MAX_VALUE));
            assertThrows(IllegalArgumentException.class, () -> region.allocate(-5));
            assertEquals(1024, region.allocated());
        }
    }

    @Test
    void closeFreesEverySegment() {
        Region region = new Region("session", 4096);
        MemorySegment s = region.allocate(16);
        s.set(ValueLayout.JAVA_INT, 0, 7);
        region.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_INT, 0));
    }

    @Test
    void concurrentAllocationsAreAllCounted() throws InterruptedException {
        try (Region region = new Region("shared", 1 << 20)) {
            AtomicInteger failures = new AtomicInteger();
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(() -> {
                    for (int i = 0; i < 500; i++) {
                        if (region.allocate(10).byteSize() != 10) {
                            failures.incrementAndGet();
                        }
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(0, failures.get());
            assertEquals(4 * 500 * 64, region.allocated());
            assertTrue(region.allocated() <= region.budget());
        }
    }
}
