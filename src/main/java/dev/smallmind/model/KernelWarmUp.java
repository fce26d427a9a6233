package dev.smallmind.model;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.Map;

/**
 * Runs the single-token product of every weight type a model's projections use in a tight loop over the model's
 * own weights, for at least a second per type and until its speed settles, before the first real step.
 *
 * <p>Why: C2 compiles a kernel's block loop, and the row loop around it, from the profile it has when they get
 * hot. When that happens inside the graph, between the norms, attention and other ops of the first decode steps,
 * the Q4_0 block loop was compiled without unrolling and with the activation segment's liveness checks left
 * inside it (seen with {@code -XX:+PrintAssembly}), and medium-preset Q4_0 decode ran at 35-55 tok/s on one
 * thread in most JVM runs. Compiled first in this loop (both the block loop and the row loop: shorter warm-ups
 * that ended before the row loop was compiled left the lottery as it was), it ran at 58-82 tok/s in 4 of 4
 * runs; Q8_0 and the K-quants gained likewise. It also moves compilation out of the first request. llama.cpp
 * runs a warm-up step at load too (its {@code --no-warmup} skips it).
 */
public final class KernelWarmUp {
    /** Rows per product: enough for a steady loop, few enough that one call is short. */
    private static final int ROWS = 4096;
    /** Shortest warm-up per weight type: long enough that C2 has compiled the row loop too, not only the block loop. */
    private static final long MIN_NANOS = 1_000_000_000L;
    /** Longest warm-up per weight type, whatever the speed does. */
    private static final long MAX_NANOS = 2_000_000_000L;
    /** Each timed batch of products lasts at least this long. */
    private static final long BATCH_NANOS = 10_000_000L;
    /** Batches in a row no more than 5% faster than the best before them that count as settled. */
    private static final int SETTLED_BATCHES = 3;

    private KernelWarmUp() {
    }

    /**
     * @param model an opened model
     * @return nanoseconds spent
     */
    public static long run(Model model) {
        long start = System.nanoTime();
        Map<DType, Tensor> firstOfType = new EnumMap<>(DType.class);
        for (LayerWeights l : model.weights().layers()) {
            for (Tensor t : new Tensor[] {l.q(), l.k(), l.v(), l.qkv(), l.output(), l.gate(), l.up(), l.down()}) {
                if (t != null) {
                    firstOfType.putIfAbsent(t.type(), t);
                }
            }
        }
        firstOfType.putIfAbsent(model.weights().output().type(), model.weights().output());
        try (Arena arena = Arena.ofShared()) {
            for (Map.Entry<DType, Tensor> e : firstOfType.entrySet()) {
                warm(MatmulKernels.forType(e.getKey()), e.getValue(), arena);
            }
        }
        return System.nanoTime() - start;
    }

    private static void warm(MatmulKernel kernel, Tensor w, Arena arena) {
        int k = (int) w.shape().last();
        int rows = (int) Math.min(ROWS, w.shape().dim(0));
        MemorySegment x = arena.allocate(4L * k, 64);
        for (int i = 0; i < k; i++) {
            x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i) * 0.1f);
        }
        long prepBytes = kernel.preparedBytes(1, k);
        MemorySegment act = prepBytes > 0 ? arena.allocate(prepBytes, 64) : x;
        MemorySegment y = arena.allocate(4L * rows, 64);
        long begin = System.nanoTime();
        double bestRate = 0;
        int settled = 0;
        while (true) {
            long t0 = System.nanoTime();
            long calls = 0;
            long elapsed;
            do {
                if (prepBytes > 0) {
                    kernel.prepare(x, 0, k, 0, 1, act, 0);
                }
                kernel.multiply(w.segment(), w.offset(), k, act, 0, 1, y, 0, rows, 0, rows);
                calls++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < BATCH_NANOS);
            double rate = (double) calls / elapsed;
            settled = rate > bestRate * 1.05 ? 0 : settled + 1;
            bestRate = Math.max(bestRate, rate);
            long total = System.nanoTime() - begin;
            if (settled >= SETTLED_BATCHES && total >= MIN_NANOS || total >= MAX_NANOS) {
                return;
            }
        }
    }
}
