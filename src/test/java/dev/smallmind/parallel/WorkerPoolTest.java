package dev.smallmind.parallel;

import dev.smallmind.kernels.Norms;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class WorkerPoolTest {
    @Test
    void everyIndexIsCoveredExactlyOnceOnGrainBoundaries() {
        for (int threads = 1; threads <= 4; threads++) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int n : new int[] {0, 1, 2, 3, 5, 7, 16, 100, 1001}) {
                    for (int grain : new int[] {1, 2, 3, 8, 64}) {
                        checkCoverage(pool, n, grain);
                    }
                }
            }
        }
    }

    private static void checkCoverage(WorkerPool pool, int n, int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
        AtomicIntegerArray workerUse = new AtomicIntegerArray(pool.threads());
        String what = pool.threads() + " threads, n " + n + ", grain " + grain;
        pool.run((from, to, worker) -> {
            if (from % grain != 0 || (to % grain != 0 && to != n) || from >= to) {
                fail(what + ": bad chunk [" + from + ", " + to + ")");
            }
            if (workerUse.getAndIncrement(worker) != 0) {
                fail(what + ": worker " + worker + " got two chunks");
            }
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        }, n, grain);
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits.get(i), what + ": index " + i);
        }
    }

    @Test
    void chunkingDoesNotOverflowNearIntegerMaxValue() {
        for (int threads = 2; threads <= 3; threads++) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int grain : new int[] {1, 1 << 20, 1 << 30}) {
                    List<long[]> chunks = new ArrayList<>();
                    pool.run(recorder(chunks), Integer.MAX_VALUE, grain);
                    assertContiguousToMaxValue(chunks, "chunks", "grain " + grain);
                }
                for (int chunk : new int[] {1 << 20, 1 << 30, Integer.MAX_VALUE - 1}) {
                    List<long[]> chunks = new ArrayList<>();
                    pool.runClaimed(recorder(chunks), Integer.MAX_VALUE, chunk);
                    assertContiguousToMaxValue(chunks, "claimed chunks", "chunk " + chunk);
                }
            }
        }
    }

    @Test
    void exceptionsFromAnyThreadReachTheCallerAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(3)) {
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException caught = assertThrows(IllegalStateException.class, () -> pool.run((from, to, w) -> {
                if (w == 2) {
                    throw boom;
                }
            }, 30));
            assertSame(boom, caught, "a worker's exception");
            assertThrows(AssertionError.class, () -> pool.run((from, to, w) -> {
                if (w == 0) {
                    throw new AssertionError("caller");
                }
            }, 30), "the caller's own chunk");
            AtomicIntegerArray hits = new AtomicIntegerArray(30);
            pool.run((from, to, w) -> {
                for (int i = from; i < to; i++) {
                    hits.incrementAndGet(i);
                }
            }, 30);
            for (int i = 0; i < 30; i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void threadCountsOutsideOneTo256AreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool(-1));
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool(WorkerPool.MAX_THREADS + 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WorkerPool(10_000));
        assertTrue(e.getMessage().contains("10000"), e.getMessage());
    }

    @Test
    void grainBelowOneIsRejected() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThrows(IllegalArgumentException.class, () -> pool.run((f, t, w) -> { }, 10, 0));
            assertThrows(IllegalArgumentException.class, () -> pool.run((f, t, w) -> { }, 10, -3));
        }
    }

    @Test
    void closedPoolRefusesParallelWork() {
        WorkerPool pool = new WorkerPool(2);
        assertEquals(1, pool.workerThreadIds().length);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.run((f, t, w) -> { }, 10));
    }

    @Test
    void manyTinyJobsInARowAllComplete() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray total = new AtomicIntegerArray(1);
            for (int job = 0; job < 2_000; job++) {
                pool.run((from, to, w) -> total.addAndGet(0, to - from), 4);
            }
            assertEquals(8_000, total.get(0));
        }
    }

    /** A real kernel split by rows: each row is independent, so any split must give identical bits. */
    @Test
    void twoThreadsComputeExactlyWhatOneThreadComputes() {
        int rows = 37;
        int dim = 300;
        try (Arena arena = Arena.ofShared(); WorkerPool one = new WorkerPool(1); WorkerPool two = new WorkerPool(2)) {
            MemorySegment x = arena.allocate(4L * rows * dim, 64);
            MemorySegment w = arena.allocate(4L * dim, 64);
            java.util.SplittableRandom r = new java.util.SplittableRandom(3);
            for (long i = 0; i < (long) rows * dim; i++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextDouble(-2, 2));
            }
            for (long i = 0; i < dim; i++) {
                w.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextDouble(0.5, 1.5));
            }
            MemorySegment a = arena.allocate(4L * rows * dim, 64);
            MemorySegment b = arena.allocate(4L * rows * dim, 64);
            RangeTask normA = (from, to, worker) -> {
                for (int row = from; row < to; row++) {
                    Norms.rmsNorm(x, 4L * row * dim, w, 0, a, 4L * row * dim, dim, 1e-5f);
                }
            };
            RangeTask normB = (from, to, worker) -> {
                for (int row = from; row < to; row++) {
                    Norms.rmsNorm(x, 4L * row * dim, w, 0, b, 4L * row * dim, dim, 1e-5f);
                }
            };
            one.run(normA, rows);
            two.run(normB, rows, 3);
            assertArrayEquals(a.toArray(ValueLayout.JAVA_FLOAT), b.toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    @Test
    void claimedChunksCoverEveryIndexExactlyOnce() {
        for (int threads = 1; threads <= 4; threads++) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int n : new int[] {0, 1, 2, 3, 5, 7, 16, 100, 1001}) {
                    for (int chunk : new int[] {1, 2, 3, 8, 64}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                        String what = threads + " threads, n " + n + ", chunk " + chunk;
                        pool.runClaimed((from, to, worker) -> {
                            if (from % chunk != 0 || (to - from != chunk && to != n) || from >= to
                                    || worker < 0 || worker >= pool.threads()) {
                                fail(what + ": bad chunk [" + from + ", " + to + ") on worker " + worker);
                            }
                            for (int i = from; i < to; i++) {
                                hits.incrementAndGet(i);
                            }
                        }, n, chunk);
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, hits.get(i), what + ": index " + i);
                        }
                    }
                }
            }
        }
    }

    /**
     * A worker held back on its first chunk does not hold back the rest: the caller claims every other chunk. With an
     * equal split the caller would stop at half and the held worker would wait for it in vain (the timeout).
     */
    @Test
    void aSlowWorkerTakesFewerChunks() throws Exception {
        int chunks = 10;
        try (WorkerPool pool = new WorkerPool(2)) {
            java.util.concurrent.CountDownLatch othersDone = new java.util.concurrent.CountDownLatch(chunks - 1);
            AtomicIntegerArray byWorker = new AtomicIntegerArray(2);
            AtomicIntegerArray timedOut = new AtomicIntegerArray(1);
            pool.runClaimed((from, to, worker) -> {
                if (worker == 1 && byWorker.get(1) == 0) {
                    try {
                        if (!othersDone.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
                            timedOut.set(0, 1);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byWorker.incrementAndGet(worker);
                othersDone.countDown();
            }, chunks * 4, 4);
            assertEquals(0, timedOut.get(0), "the held worker waited for the others' chunks in vain");
            assertEquals(chunks, byWorker.get(0) + byWorker.get(1));
            assertTrue(byWorker.get(1) <= 1, "the held worker ran " + byWorker.get(1) + " chunks of " + chunks);
        }
    }

    @Test
    void claimedRunsRejectChunksBelowOneAndPassOnExceptions() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pool.runClaimed((f, t, w) -> { }, 10, 0));
            assertTrue(e.getMessage().contains("chunk") && e.getMessage().contains("0"), e.getMessage());
            IllegalStateException boom = new IllegalStateException("boom");
            assertSame(boom, assertThrows(IllegalStateException.class, () -> pool.runClaimed((from, to, w) -> {
                if (from == 8) {
                    throw boom;
                }
            }, 40, 4)));
            AtomicIntegerArray total = new AtomicIntegerArray(1);
            pool.runClaimed((from, to, w) -> total.addAndGet(0, to - from), 40, 4);
            assertEquals(40, total.get(0), "the pool stays usable");
        }
    }

    /** A task that records every chunk it is given. */
    private static RangeTask recorder(List<long[]> chunks) {
        return (from, to, worker) -> {
            synchronized (chunks) {
                chunks.add(new long[] {from, to});
            }
        };
    }

    /** The recorded chunks, sorted, tile {@code [0, Integer.MAX_VALUE)} without gaps or empty chunks. */
    private static void assertContiguousToMaxValue(List<long[]> chunks, String what, String setting) {
        chunks.sort(Comparator.comparingLong(c -> c[0]));
        long next = 0;
        for (long[] c : chunks) {
            assertEquals(next, c[0], what + " are contiguous, " + setting);
            assertTrue(c[1] > c[0]);
            next = c[1];
        }
        assertEquals(Integer.MAX_VALUE, next, what + " end at n, " + setting);
    }
}
