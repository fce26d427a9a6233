package dev.smallmind.profile;

import dev.smallmind.parallel.RangeTask;
import dev.smallmind.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The machine's own limits, measured in Java the way the kernels run: peak fused multiply-add throughput (12
 * independent vector accumulators in locals, enough to hide the FMA latency on two FMA pipes) and memory
 * bandwidth over 64-byte-aligned off-heap segments (STREAM's copy {@code b = a} and triad
 * {@code a = b + s * c}). Kernel figures are quoted as a percentage of these.
 */
final class MachineProbe {
    /** Floats per work unit of the bandwidth probes; array lengths are multiples of it. */
    static final int BLOCK = 4096;
    /** FLOPs of one FMA probe iteration per vector lane: 12 accumulators, 2 FLOPs each. */
    static final int FLOPS_PER_LANE_ITERATION = 24;
    static final float FMA_A = 0.999f;
    static final float FMA_B = 0.001f;
    static final float TRIAD_SCALE = 3f;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private MachineProbe() {
    }

    /** @return floats per vector of the preferred species */
    static int lanes() {
        return F.length();
    }

    /**
     * Runs {@code iterations} rounds of {@code c = c * a + b} on 12 vector accumulators starting at 1.
     *
     * @return the sum of every lane of every accumulator (kept so the loop is not dead code)
     */
    static float fmaLoop(int iterations) {
        FloatVector a = FloatVector.broadcast(F, FMA_A);
        FloatVector b = FloatVector.broadcast(F, FMA_B);
        FloatVector c0 = FloatVector.broadcast(F, 1f);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        FloatVector c8 = c0;
        FloatVector c9 = c0;
        FloatVector c10 = c0;
        FloatVector c11 = c0;
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        FloatVector sum = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10)
                .add(c11);
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** The scalar twin of {@link #fmaLoop}: the same recurrence on one lane, times 12 accumulators and the lanes. */
    static float fmaLoopReference(int iterations) {
        float c = 1f;
        for (int i = 0; i < iterations; i++) {
            c = Math.fma(c, FMA_A, FMA_B);
        }
        return c * 12 * F.length();
    }

    /** {@code b[i] = a[i]} over blocks {@code [from, to)}. */
    static void copy(MemorySegment a, MemorySegment b, int from, int to) {
        long start = (long) from * BLOCK * Float.BYTES;
        long end = (long) to * BLOCK * Float.BYTES;
        long step = F.vectorByteSize();
        for (long off = start; off < end; off += step) {
            FloatVector.fromMemorySegment(F, a, off, LE).intoMemorySegment(b, off, LE);
        }
    }

    /** {@code a[i] = b[i] + s * c[i]} over blocks {@code [from, to)}. */
    static void triad(MemorySegment a, MemorySegment b, MemorySegment c, float s, int from, int to) {
        long start = (long) from * BLOCK * Float.BYTES;
        long end = (long) to * BLOCK * Float.BYTES;
        long step = F.vectorByteSize();
        FloatVector scale = FloatVector.broadcast(F, s);
        for (long off = start; off < end; off += step) {
            FloatVector x = FloatVector.fromMemorySegment(F, c, off, LE);
            FloatVector y = FloatVector.fromMemorySegment(F, b, off, LE);
            x.fma(scale, y).intoMemorySegment(a, off, LE);
        }
    }

    /**
     * @param pool       threads to run on (every thread runs the loop)
     * @param measure    timing settings
     * @param iterations loop rounds per thread and call
     * @return GFLOPS over all threads
     */
    static Stats fmaGflops(WorkerPool pool, Measure measure, int iterations) {
        FmaTask task = new FmaTask(iterations, pool.threads());
        int threads = pool.threads();
        double flops = (double) threads * iterations * FLOPS_PER_LANE_ITERATION * F.length();
        double[] s = measure.secondsPerCall(() -> pool.run(task, threads));
        return Stats.rates(flops / 1e9, s);
    }

    /**
     * @param pool    threads to split the arrays across
     * @param measure timing settings
     * @param a       source, {@code floats} floats
     * @param b       destination, as long
     * @param floats  array length, a multiple of {@link #BLOCK}
     * @return GB/s counting one read and one write per element
     */
    static Stats copyGbs(WorkerPool pool, Measure measure, MemorySegment a, MemorySegment b, int floats) {
        int blocks = floats / BLOCK;
        RangeTask task = (from, to, worker) -> copy(a, b, from, to);
        double[] s = measure.secondsPerCall(() -> pool.run(task, blocks));
        return Stats.rates(2.0 * Float.BYTES * floats / 1e9, s);
    }

    /**
     * @return GB/s counting two reads and one write per element
     */
    static Stats triadGbs(WorkerPool pool, Measure measure, MemorySegment a, MemorySegment b, MemorySegment c,
                          int floats) {
        int blocks = floats / BLOCK;
        RangeTask task = (from, to, worker) -> triad(a, b, c, TRIAD_SCALE, from, to);
        double[] s = measure.secondsPerCall(() -> pool.run(task, blocks));
        return Stats.rates(3.0 * Float.BYTES * floats / 1e9, s);
    }

    /** Every thread runs the FMA loop; results land in a per-thread slot so the work cannot be elided. */
    private static final class FmaTask implements RangeTask {
        private final int iterations;
        private final float[] sink;

        FmaTask(int iterations, int threads) {
            this.iterations = iterations;
            this.sink = new float[threads];
        }

        @Override
        public void run(int from, int to, int worker) {
            float s = 0;
            for (int i = from; i < to; i++) {
                s += fmaLoop(iterations);
            }
            sink[worker] += s;
        }
    }
}
