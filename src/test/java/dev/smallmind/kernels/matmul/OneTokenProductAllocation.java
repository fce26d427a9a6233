package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.memory.HeapCounters;
import dev.smallmind.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The measurement behind {@link ZeroGcMatmulTest}, run as its own process for one weight type: repeats the
 * type's one-token product until a call allocates under {@link #LIMIT} bytes or {@link #DEADLINE_NANOS} pass, then
 * prints {@code <bytes of the last call> <calls>}. Rows of 288 elements (9 legacy blocks, 18 vectors: a block or
 * vector left over after each unrolled loop) and 768 for the K-quants (3 super-blocks) take every odd path.
 */
final class OneTokenProductAllocation {
    static final long LIMIT = 64;
    static final long DEADLINE_NANOS = 20_000_000_000L;
    private static final int ROWS = 64;

    private OneTokenProductAllocation() {
    }

    /**
     * @param args the weight type; with a second argument {@code interleaved}, the kernel a model's projections of
     *             that type run ({@link MatmulKernels#forProjection}), reading rows interleaved at load
     */
    public static void main(String[] args) {
        DType type = DType.valueOf(args[0]);
        MatmulKernel kernel = args.length > 1 ? MatmulKernels.forProjection(type) : MatmulKernels.forType(type);
        HeapCounters counters = new HeapCounters();
        long[] self = {Thread.currentThread().threadId()};
        try (Arena arena = Arena.ofShared()) {
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
            } while (bytes >= LIMIT && System.nanoTime() < deadline);
            System.out.println(bytes + " " + calls);
        }
    }

    /** Small finite halves everywhere: valid fp16 scales and F16/BF16 weights, arbitrary quant bits. */
    private static void fillHalves(MemorySegment w, SplittableRandom r) {
        for (long i = 0; i < w.byteSize() / 2; i++) {
            w.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) (r.nextGaussian() * 0.02)));
        }
    }
}
