package dev.smallmind.bench;

import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.matmul.Q4_0Matmul;
import dev.smallmind.kernels.matmul.Q4_1Matmul;
import dev.smallmind.kernels.matmul.Q5_0Matmul;
import dev.smallmind.kernels.matmul.Q8_0Matmul;
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
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Decode-shaped matvec (one activation row) of a weight matrix in a legacy quant type: activation rounding on the
 * calling thread, then the rows split across the worker pool. The {@code weightBytes} counter is the weight traffic
 * per second: compare it with DRAM bandwidth and llama.cpp's equivalent (about 37 GB/s for Q4_0 on one thread of the
 * reference machine). Two shapes: 4096 x 4096, and the medium preset's output matrix, 32000 rows of 576, whose
 * short rows show what a kernel pays per row group rather than per block.
 *
 * <p>Run: {@code ./smallmind jmh LegacyQuantMatvecBench -f 1 -wi 3 -i 5} (add {@code -prof gc} to check that a
 * call allocates nothing; {@code -p shape=32000x576} for one shape).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:TypeProfileLevel=0", "-XX:LiveNodeCountInliningCutoff=80000"})
@State(Scope.Benchmark)
public class LegacyQuantMatvecBench {
    /**
     * Weight type; {@code _INTERLEAVED} the kernel models use where the JVM allows it (weights packed at load,
     * {@link InterleavedWeights}), the others the kernel over GGUF rows.
     */
    @Param({"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q8_0_INTERLEAVED", "Q4_0_INTERLEAVED", "Q5_0_INTERLEAVED"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    /** Weight rows x row length. */
    @Param({"4096x4096", "32000x576"})
    public String shape;

    private Arena arena;
    private WorkerPool pool;
    private MatmulKernel kernel;
    private long weightBytes;
    private int rows;
    private RangeTask prepareTask;
    private RangeTask multiplyTask;

    /** Weight bytes streamed, reported by JMH as a rate (bytes per second). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        /** Weight bytes read so far. */
        public long weightBytes;
    }

    @Setup(Level.Trial)
    public void setUp() {
        kernel = switch (type) {
            case "Q8_0" -> new Q8_0Matmul();
            case "Q4_0" -> new Q4_0Matmul();
            case "Q4_1" -> new Q4_1Matmul();
            case "Q5_0" -> new Q5_0Matmul();
            case "Q8_0_INTERLEAVED", "Q4_0_INTERLEAVED", "Q5_0_INTERLEAVED" ->
                    InterleavedKernel.of(DType.valueOf(type.substring(0, 4)));
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
        int x = shape.indexOf('x');
        int n = Integer.parseInt(shape.substring(0, x));
        int k = Integer.parseInt(shape.substring(x + 1));
        arena = Arena.ofShared();
        pool = new WorkerPool(threads);
        DType dtype = kernel.weightType();
        weightBytes = dtype.rowBytes(k) * n;
        MemorySegment w = BenchMemory.randomBytes(arena, weightBytes, 1);
        SplittableRandom r = new SplittableRandom(2);
        for (long b = 0; b < weightBytes / dtype.blockBytes(); b++) {
            long at = b * dtype.blockBytes();
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, Float.floatToFloat16((float) r.nextDouble(-0.02, 0.02)));
            if (dtype == DType.Q4_1) {
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2, Float.floatToFloat16((float) r.nextDouble(-0.1, 0.1)));
            }
        }
        if (kernel instanceof InterleavedWeights interleaved) {
            MemorySegment packed = arena.allocate(weightBytes, 64);
            interleaved.pack(w, 0, k, n, packed, 0);
            w = packed;
        }
        MemorySegment weights = w;
        MemorySegment activations = BenchMemory.randomFloats(arena, k, 3);
        MemorySegment prep = arena.allocate(kernel.preparedBytes(1, k), 64);
        MemorySegment y = arena.allocate((long) n * Float.BYTES, 64);
        MatmulKernel product = kernel;
        rows = n;
        prepareTask = (from, to, worker) -> product.prepare(activations, 0, k, from, to, prep, 0);
        multiplyTask = (from, to, worker) -> product.multiply(weights, 0, k, prep, 0, 1, y, 0, n, from, to);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public void matvec(Traffic traffic) {
        pool.run(prepareTask, 1);
        pool.run(multiplyTask, rows, 16);
        traffic.weightBytes += weightBytes;
    }
}
