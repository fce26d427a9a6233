package dev.smallmind.profile;

import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineProbeTest {
    private static final Measure TINY = new Measure(1, 0.0001, 0.01, 2, 0.0001);

    @Test
    void fmaLoopComputesTheRecurrenceOnEveryAccumulator() {
        for (int n : new int[] {0, 1, 7, 1000}) {
            float expected = MachineProbe.fmaLoopReference(n);
            assertEquals(expected, MachineProbe.fmaLoop(n), Math.abs(expected) * 1e-6, "iterations " + n);
        }
        assertEquals(12 * MachineProbe.lanes(), MachineProbe.fmaLoop(0), 1e-6);
    }

    @Test
    void copyAndTriadWriteWhatStreamDefines() {
        int n = 3 * MachineProbe.BLOCK;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = arena.allocate(4L * n, 64);
            MemorySegment b = arena.allocate(4L * n, 64);
            MemorySegment c = arena.allocate(4L * n, 64);
            RandomWeights.fill(DType.F32, a, 4L * n, 1);
            RandomWeights.fill(DType.F32, c, 4L * n, 2);
            MachineProbe.copy(a, b, 1, 3);
            for (int i = 0; i < n; i++) {
                float expected = i < MachineProbe.BLOCK ? 0 : a.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(expected, b.getAtIndex(ValueLayout.JAVA_FLOAT, i), "copy of element " + i);
            }
            MachineProbe.copy(a, b, 0, 1);
            MachineProbe.triad(a, b, c, 3f, 0, 3);
            for (int i = 0; i < n; i++) {
                float bi = b.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                float ci = c.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(Math.fma(ci, 3f, bi), a.getAtIndex(ValueLayout.JAVA_FLOAT, i), "triad element " + i);
            }
        }
    }

    @Test
    void probesReportPositiveRatesOnOneAndTwoThreads() {
        int n = 4 * MachineProbe.BLOCK;
        for (int threads = 1; threads <= 2; threads++) {
            try (WorkerPool pool = new WorkerPool(threads); Arena arena = Arena.ofShared()) {
                MemorySegment a = arena.allocate(4L * n, 64);
                MemorySegment b = arena.allocate(4L * n, 64);
                MemorySegment c = arena.allocate(4L * n, 64);
                assertTrue(MachineProbe.fmaGflops(pool, TINY, 1000).median() > 0);
                assertTrue(MachineProbe.copyGbs(pool, TINY, a, b, n).median() > 0);
                assertTrue(MachineProbe.triadGbs(pool, TINY, a, b, c, n).median() > 0);
            }
        }
    }
}
