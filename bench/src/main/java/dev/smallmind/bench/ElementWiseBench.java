package dev.smallmind.bench;

import dev.smallmind.kernels.Activations;
import dev.smallmind.kernels.ElementWise;
import dev.smallmind.kernels.Norms;
import dev.smallmind.kernels.Softmax;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Memory bandwidth of the non-matmul kernels on one thread, over 64-byte aligned shared-arena rows of
 * {@code n} floats (1M: 4 MiB per operand, cache-resident on this machine's L2/L3; 16M: 64 MiB, DRAM).
 *
 * <p>Bytes moved per call, to turn the reported time per call into GB/s (STREAM counts the same way, without
 * write-allocate traffic): add, mul, swiglu 12n (two reads, one write); relu, gelu, silu 8n (one read, one
 * write); softmax 20n (max pass reads, exp pass reads and writes, scale pass reads and writes); rmsNorm 16n
 * (sum-of-squares pass reads x; output pass reads x and the weight and writes).
 *
 * <p>Run: {@code ./smallmind jmh ElementWiseBench -f 1 -wi 3 -i 5} (add {@code -prof gc} to confirm no
 * allocation per call).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:TypeProfileLevel=0", "-XX:LiveNodeCountInliningCutoff=80000"})
public class ElementWiseBench {
    /** Row length in floats. */
    @Param({"1048576", "16777216"})
    public int n;

    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment out;
    private MemorySegment weight;

    /** Allocates the operands once per fork. */
    @Setup
    public void setup() {
        arena = Arena.ofShared();
        a = BenchMemory.randomFloats(arena, n, 1);
        b = BenchMemory.randomFloats(arena, n, 2);
        out = BenchMemory.randomFloats(arena, n, 3);
        weight = BenchMemory.randomFloats(arena, n, 4);
    }

    /** Frees the operands. */
    @TearDown
    public void tearDown() {
        arena.close();
    }

    /** out = a + b. */
    @Benchmark
    public void add() {
        ElementWise.add(a, 0, b, 0, out, 0, n);
    }

    /** out = a * b. */
    @Benchmark
    public void mul() {
        ElementWise.mul(a, 0, b, 0, out, 0, n);
    }

    /** out = relu(a). */
    @Benchmark
    public void relu() {
        Activations.relu(a, 0, out, 0, n);
    }

    /** out = gelu(a), ggml's fp16-rounded tanh form. */
    @Benchmark
    public void gelu() {
        Activations.gelu(a, 0, out, 0, n);
    }

    /** out = silu(a). */
    @Benchmark
    public void silu() {
        Activations.silu(a, 0, out, 0, n);
    }

    /** out = silu(a) * b. */
    @Benchmark
    public void swiglu() {
        Activations.swiglu(a, 0, b, 0, out, 0, n);
    }

    /** Softmax of out, in place (the values stay in (0, 1], so repeated calls cost the same). */
    @Benchmark
    public void softmax() {
        Softmax.softmax(out, 0, n);
    }

    /** out = rmsNorm(a) * weight. */
    @Benchmark
    public void rmsNorm() {
        Norms.rmsNorm(a, 0, weight, 0, out, 0, n, 1e-5f);
    }
}
