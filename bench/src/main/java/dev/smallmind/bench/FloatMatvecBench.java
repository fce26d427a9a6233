package dev.smallmind.bench;

import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.matmul.BF16Matmul;
import dev.smallmind.kernels.matmul.F16Matmul;
import dev.smallmind.kernels.matmul.F32Matmul;
import dev.smallmind.parallel.RangeTask;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
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
 * Decode-step matrix-vector product ({@code t = 1}) over a 4096 x 4096 weight matrix of each float type (F32 also
 * interleaved at load, the kernel models use at 512 bits). The
 * {@code gbytes} column is weight bytes streamed per second (GB/s), the memory-bound figure of merit; the matrix
 * (32-64 MB) is larger than L3, so every call reads it from DRAM. On a shared machine read
 * {@code cpu.work / cpu.cpuSeconds} (GB per CPU second, one-thread runs) instead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:TypeProfileLevel=0", "-XX:LiveNodeCountInliningCutoff=80000"})
public class FloatMatvecBench {
    private static final int N = 4096;

    /** {@code F32_INTERLEAVED}: the F32 kernel models use at 512 bits, over rows interleaved as at load. */
    @Param({"F32", "F32_INTERLEAVED", "F16", "BF16"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private WorkerPool pool;
    private Matvec task;
    /** Rows per unit of work: whole groups of an interleaved kernel. */
    private int grain;

    /** Byte counter reported by JMH as a rate: GB per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public double gbytes;
    }

    /** One matrix-vector product bound to its operands. */
    static final class Matvec implements RangeTask {
        final MatmulKernel kernel;
        final MemorySegment w;
        final MemorySegment x;
        final MemorySegment y;

        Matvec(MatmulKernel kernel, MemorySegment w, MemorySegment x, MemorySegment y) {
            this.kernel = kernel;
            this.w = w;
            this.x = x;
            this.y = y;
        }

        @Override
        public void run(int from, int to, int worker) {
            kernel.multiply(w, 0, N, x, 0, 1, y, 0, N, from, to);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        MatmulKernel kernel = switch (type) {
            case "F32" -> new F32Matmul();
            case "F32_INTERLEAVED" -> InterleavedKernel.of(DType.F32);
            case "F16" -> new F16Matmul();
            case "BF16" -> new BF16Matmul();
            default -> throw new IllegalArgumentException("unknown weight type " + type);
        };
        MemorySegment w = switch (type) {
            case "F32" -> BenchMemory.randomFloats(arena, (long) N * N, 1);
            case "F32_INTERLEAVED" -> interleaved(kernel, BenchMemory.randomFloats(arena, (long) N * N, 1));
            default -> halfPrecision(kernel, (long) N * N);
        };
        grain = kernel instanceof InterleavedWeights iw ? iw.groupRows() : 4;
        task = new Matvec(kernel, w, BenchMemory.randomFloats(arena, N, 2), arena.allocate(4L * N, 64));
        pool = new WorkerPool(threads);
    }

    private MemorySegment interleaved(MatmulKernel kernel, MemorySegment rows) {
        MemorySegment packed = arena.allocate(rows.byteSize(), 64);
        ((InterleavedWeights) kernel).pack(rows, 0, N, N, packed, 0);
        return packed;
    }

    /** Random finite 16-bit weights: encodings of uniform floats in [-1, 1). */
    private MemorySegment halfPrecision(MatmulKernel kernel, long count) {
        MemorySegment f = BenchMemory.randomFloats(arena, count, 1);
        MemorySegment h = arena.allocate(2 * count, 64);
        for (long e = 0; e < count; e++) {
            float v = f.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, e);
            short bits = kernel instanceof F16Matmul ? Float.floatToFloat16(v)
                    : (short) (Float.floatToRawIntBits(v) >>> 16);
            h.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, e, bits);
        }
        return h;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public void matvec(Bytes bytes, GemmBench.CpuClock cpu) {
        long start = GemmBench.CpuClock.now();
        pool.run(task, N, grain);
        double gb = 1e-9 * N * (double) N * task.kernel.weightType().rowBytes(1);
        bytes.gbytes += gb;
        cpu.add(start, gb);
    }
}
