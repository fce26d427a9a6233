package dev.smallmind.bench;

import dev.smallmind.kernels.matmul.F32Matmul;
import dev.smallmind.parallel.RangeTask;
import dev.smallmind.parallel.WorkerPool;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;

/**
 * F32 prefill GEMM {@code y = x * W^T}, square: {@code n} activation rows of {@code k = n} times {@code n} weight
 * rows. The {@code gflops} column is the figure of merit (2 n^3 flops per call, the activation packing
 * included); token rows (packing) and then weight rows (multiplication) are split across the worker pool. On a
 * shared machine read {@code cpu.work / cpu.cpuSeconds} (GFLOP per CPU second, one-thread runs) instead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:TypeProfileLevel=0", "-XX:LiveNodeCountInliningCutoff=80000"})
public class GemmBench {
    @Param({"256", "512", "1024"})
    public int n;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private WorkerPool pool;
    private Multiply task;

    /** Flop counter reported by JMH as a rate: GFLOP per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflops;
    }

    /**
     * Work done per CPU second of the benchmark thread, for machines shared with other jobs: wall-clock throughput
     * there measures the share of a core the scheduler gave us, while {@code work / cpuSeconds} does not. Both are
     * reported per iteration as plain sums ({@link AuxCounters.Type#EVENTS}); divide {@code work} by
     * {@code cpuSeconds}. Only the calling thread is clocked, so the ratio means "per core" for one-thread runs.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuClock {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        /** Work units done (GFLOP or GB, as the benchmark says). */
        public double work;
        /** CPU seconds of the benchmark thread spent doing it. */
        public double cpuSeconds;

        /** @return the current thread's CPU time in nanoseconds */
        static long now() {
            return THREADS.getCurrentThreadCpuTime();
        }

        /**
         * @param start value of {@link #now()} before the work
         * @param units work done since then
         */
        void add(long start, double units) {
            cpuSeconds += (now() - start) * 1e-9;
            work += units;
        }
    }

    /**
     * One GEMM bound to its operands, so handing it to the pool allocates nothing: first the activation rows are
     * packed ({@link F32Matmul#prepare}), split by token, then the weight rows are multiplied, split by row.
     */
    static final class Multiply {
        final F32Matmul kernel = new F32Matmul();
        final MemorySegment w;
        final MemorySegment x;
        final MemorySegment prep;
        final MemorySegment y;
        final int n;
        final RangeTask prepare = this::prepare;
        final RangeTask multiply = this::multiply;

        Multiply(Arena arena, MemorySegment w, MemorySegment x, MemorySegment y, int n) {
            this.w = w;
            this.x = x;
            this.prep = arena.allocate(kernel.preparedBytes(n, n), 64);
            this.y = y;
            this.n = n;
        }

        private void prepare(int from, int to, int worker) {
            kernel.prepare(x, 0, n, from, to, prep, 0);
        }

        private void multiply(int from, int to, int worker) {
            kernel.multiply(w, 0, n, prep, 0, n, y, 0, n, from, to);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        long elements = (long) n * n;
        task = new Multiply(arena, BenchMemory.randomFloats(arena, elements, 1),
                BenchMemory.randomFloats(arena, elements, 2), arena.allocate(4 * elements, 64), n);
        pool = new WorkerPool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public void gemm(Flops flops, CpuClock cpu) {
        long start = CpuClock.now();
        pool.run(task.prepare, n);
        pool.run(task.multiply, n, F32Matmul.ROWS);
        double gflop = 2e-9 * n * n * n;
        flops.gflops += gflop;
        cpu.add(start, gflop);
    }
}
