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
import java.util.concurrent.TimeUnit;

/**
 * F32 prefill GEMM {@code y = x * W^T}, square: {@code n} activation rows of {@code k = n} times {@code n} weight
 * rows. The {@code gflops} column is the figure of merit (2 n^3 flops per call); weight rows are split across
 * the worker pool.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
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

    /** One GEMM bound to its operands, so handing it to the pool allocates nothing. */
    static final class Multiply implements RangeTask {
        final F32Matmul kernel = new F32Matmul();
        final MemorySegment w;
        final MemorySegment x;
        final MemorySegment y;
        final int n;

        Multiply(MemorySegment w, MemorySegment x, MemorySegment y, int n) {
            this.w = w;
            this.x = x;
            this.y = y;
            this.n = n;
        }

        @Override
        public void run(int from, int to, int worker) {
            kernel.multiply(w, 0, n, x, 0, n, y, 0, n, from, to);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        long elements = (long) n * n;
        task = new Multiply(BenchMemory.randomFloats(arena, elements, 1), BenchMemory.randomFloats(arena, elements, 2),
                arena.allocate(4 * elements, 64), n);
        pool = new WorkerPool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public void gemm(Flops flops) {
        pool.run(task, n, 4);
        flops.gflops += 2e-9 * n * n * n;
    }
}
