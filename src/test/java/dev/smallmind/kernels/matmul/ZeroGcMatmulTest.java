package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.memory.HeapCounters;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every weight type's one-token product reaches zero heap allocation once compiled, on a row length that takes
 * each kernel's odd paths: 288 elements (9 legacy blocks, 18 vectors: a block or vector left over after the
 * unrolled loop) and 768 for the K-quants (3 super-blocks). Until C2 has compiled a kernel its Vector API code
 * allocates, so each type repeats the product until a call allocates under 64 bytes, for at most
 * {@link #DEADLINE_NANOS}. A vector helper that C2 does not inline (a cold call site, or a helper it compiled on
 * its own first) boxes its vectors on every call and never gets there: the odd-block tails of the Q4_0 and Q5_0
 * products and the remainder loop of F16's did exactly that (147-432 bytes per row). Runs in the zero-GC JVM (its
 * own process, see pom.xml), so no other test's calls shape the kernels' profiles.
 */
class ZeroGcMatmulTest {
    private static final long DEADLINE_NANOS = 20_000_000_000L;
    private static final int ROWS = 64;

    @Test
    void oneTokenProductsAllocateNothingOnceCompiled() {
        HeapCounters counters = new HeapCounters();
        long[] self = {Thread.currentThread().threadId()};
        List<String> failures = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            for (DType type : MatmulKernels.supported()) {
                MatmulKernel kernel = MatmulKernels.forType(type);
                int k = type.blockSize() == 256 ? 768 : 288;
                MemorySegment w = arena.allocate(type.rowBytes(k) * ROWS, 64);
                fillHalves(w, new SplittableRandom(type.ordinal()));
                MemorySegment x = arena.allocate(4L * k, 64);
                for (int i = 0; i < k; i++) {
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i) * 0.5f);
                }
                long prepBytes = kernel.preparedBytes(1, k);
                MemorySegment act = prepBytes > 0 ? arena.allocate(prepBytes, 64) : x;
                MemorySegment y = arena.allocate(4L * ROWS, 64);
                long deadline = System.nanoTime() + DEADLINE_NANOS;
                long bytes;
                int calls = 0;
                do {
                    long before = counters.allocatedBytes(self);
                    if (prepBytes > 0) {
                        kernel.prepare(x, 0, k, 0, 1, act, 0);
                    }
                    kernel.multiply(w, 0, k, act, 0, 1, y, 0, ROWS, 0, ROWS);
                    bytes = counters.allocatedBytes(self) - before;
                    calls++;
                } while (bytes >= 64 && System.nanoTime() < deadline);
                System.out.printf("%s, k = %d: %d heap bytes per product after %d calls%n", type, k, bytes, calls);
                if (bytes >= 64) {
                    failures.add(type + " (" + bytes + " bytes per product after " + calls + " calls)");
                }
            }
        }
        assertTrue(failures.isEmpty(), "one-token products still allocating: " + failures);
    }

    /** Small finite halves everywhere: valid fp16 scales and F16/BF16 weights, arbitrary quant bits. */
    private static void fillHalves(MemorySegment w, SplittableRandom r) {
        for (long i = 0; i < w.byteSize() / 2; i++) {
            w.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) (r.nextGaussian() * 0.02)));
        }
    }
}
