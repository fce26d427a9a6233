package dev.smallmind.model;

import dev.smallmind.graph.ops.PanelScratch;
import dev.smallmind.graph.ops.RunScratch;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.kernels.TokenRunProduct;
import dev.smallmind.kernels.matmul.F32Matmul;
import dev.smallmind.memory.HeapCounters;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the single-token product of every kernel a model's projections use in a tight loop over the model's
 * own weights, for at least a second per kernel and until its speed settles, before the first real step; then the
 * many-token products of a prompt step until they run compiled ({@code warmPrefill}: 2-3 s for the first type,
 * while C2 compiles the F32 GEMM, about 0.3 s for each further one).
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
    /** Shortest warm-up per kernel: long enough that C2 has compiled the row loop too, not only the block loop. */
    private static final long MIN_NANOS = 1_000_000_000L;
    /** Longest warm-up per kernel, whatever the speed does. */
    private static final long MAX_NANOS = 2_000_000_000L;
    /** Each timed batch of products lasts at least this long. */
    private static final long BATCH_NANOS = 10_000_000L;
    /** Batches in a row no more than 5% faster than the best before them that count as settled. */
    private static final int SETTLED_BATCHES = 3;
    /**
     * Prompt-step sizes of the prefill warm-up, in turn, in GEMM panels of {@code P = F32Matmul.PANEL} tokens (64
     * with 512-bit vectors, 32 with 256, 16 with 128): two whole panels, then partial last panels of 7/8, 9/16,
     * 5/16 and 1/8 of a panel (each takes another path of the micro-kernels), and 5 tokens (the kernel's own token
     * tiles). With 512-bit vectors: 128, 120, 100, 84, 72 and 5.
     */
    private static final int[] PREFILL_TOKENS = {2 * F32Matmul.PANEL, F32Matmul.PANEL + 7 * F32Matmul.PANEL / 8,
        F32Matmul.PANEL + 9 * F32Matmul.PANEL / 16, F32Matmul.PANEL + 5 * F32Matmul.PANEL / 16,
        F32Matmul.PANEL + F32Matmul.PANEL / 8, 5};
    /** Weight rows of one prefill warm-up product: one decoded panel's worth. */
    private static final int PREFILL_ROWS = 64;
    /**
     * Rows of a second, short prefill product: fewer than one GEMM block (a block of four and a single row at
     * every vector width). A worker's range ends that short where a fused node's part ends off the 16-row grain:
     * stories260K's gate and up have 172 rows each, so the first worker of two gets the up part's first 4.
     */
    private static final int SHORT_RANGE_ROWS = 5;
    /** Shortest row of the prefill warm-up products (a K-quant row is one 256-element super-block). */
    private static final int PREFILL_K = 64;
    /**
     * Longest the prefill warm-up runs per kernel. It normally ends on {@link #PREFILL_SETTLED_BYTES} after
     * 2-3 s for the first type (C2 compiling the GEMM) and 0.3 s for others; the margin is for a busy host, where
     * C2 compiles slowly, as {@code LanguageModel}'s decode warm-up allows 20 s.
     */
    private static final long PREFILL_MAX_NANOS = 10_000_000_000L;
    /**
     * The prefill warm-up ends with a round of {@link #PREFILL_TOKENS} allocating less than this: Vector API code
     * that C2 has not compiled boxes every vector (with only the micro-kernel's loop compiled on stack
     * replacement, its epilogue still allocated about 300 KB per 100-token step). A speed criterion (a round five
     * times faster than the second) was fooled by exactly that state.
     */
    private static final long PREFILL_SETTLED_BYTES = 64;

    private KernelWarmUp() {
    }

    /**
     * @param model an opened model
     * @return nanoseconds spent
     */
    public static long run(Model model) {
        long start = System.nanoTime();
        // Per kernel, not per type: a type's projections may take two (F32 rows in whole groups interleaved, the
        // rest, such as stories260K's 172-row gate and up, in GGUF rows).
        Map<MatmulKernel, Tensor> firstOfKernel = new LinkedHashMap<>();
        for (LayerWeights l : model.weights().layers()) {
            for (Tensor t : new Tensor[] {l.q(), l.k(), l.v(), l.qkv(), l.output(), l.gate(), l.up(), l.down()}) {
                if (t != null) {
                    firstOfKernel.putIfAbsent(MatmulKernels.forWeights(t), t);
                }
            }
        }
        firstOfKernel.putIfAbsent(MatmulKernels.forWeights(model.weights().output()), model.weights().output());
        try (Arena arena = Arena.ofShared()) {
            for (Map.Entry<MatmulKernel, Tensor> e : firstOfKernel.entrySet()) {
                warm(e.getKey(), e.getValue(), arena);
                warmPrefill(e.getKey(), e.getValue().type(), arena);
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

    /**
     * Runs the many-token products a prompt step makes of this weight type: the kernel's own product, or, where a
     * step takes the panel path ({@link PanelScratch}), rounding, packing, decoding rows and the F32 GEMM, or the
     * run product ({@link RunScratch}), as {@code MatmulNode} does. Without it the first long prompt ran them
     * cold: a 91-token prompt on the medium Q4_0 preset took 1.7-2.6 s to its first token after {@code warmUp},
     * 0.3 s once compiled. The rows are short (one
     * or two blocks) and made up: the GEMM's 4 x 64 micro-kernel is too big for C1 ("out of virtual registers"),
     * so it runs interpreted until C2 takes it, and short rows make those calls cheap enough to get there. (A
     * version small enough for C1's tier 2 but not its profiling tier 3 stayed C1 code for good: prompts ran 60
     * times slower, again with AVX2's 6 x 16 kernel as first written. Keep a micro-kernel out of C1's reach or
     * within every tier's: the 6 x 16 one is two methods for that.)
     */
    private static void warmPrefill(MatmulKernel kernel, DType type, Arena arena) {
        int k = Math.max(PREFILL_K, type.blockSize());
        int maxTokens = PREFILL_TOKENS[0];
        boolean runs = RunScratch.applies(kernel, maxTokens);
        boolean panels = !runs && PanelScratch.applies(kernel, maxTokens);
        MatmulKernel gemm = panels ? PanelScratch.gemmFor(kernel) : MatmulKernels.forType(DType.F32);
        MemorySegment w = arena.allocate(type.rowBytes(k) * PREFILL_ROWS, 64);
        for (long i = 0; i < w.byteSize() / 2; i++) {
            // Small finite halves: valid fp16 scales and F16/BF16 weights, arbitrary quant bits.
            w.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) Math.sin(i) * 0.02f));
        }
        MemorySegment x = arena.allocate(4L * k * maxTokens, 64);
        for (long i = 0; i < (long) k * maxTokens; i++) {
            x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.cos(i) * 0.1f);
        }
        MemorySegment rounded = arena.allocate(PanelScratch.roundedBytes(maxTokens, k), 64);
        MemorySegment packed = arena.allocate(PanelScratch.packedBytes(maxTokens, k), 64);
        MemorySegment decoded = arena.allocate(4L * PREFILL_ROWS * k, 64);
        MemorySegment prepared = arena.allocate(Math.max(64, kernel.preparedBytes(maxTokens, k)), 64);
        MemorySegment y = arena.allocate(4L * PREFILL_ROWS * maxTokens, 64);
        // The run product reads its runs and writes its accumulators and outputs in one segment, as in a step.
        long runBytes = runs ? RunScratch.preparedBytes(kernel, maxTokens, k) : 0;
        long accBytes = runs ? RunScratch.accumulatorBytes(kernel, 1) : 0;
        MemorySegment runArena = runs ? arena.allocate(runBytes + accBytes + 4L * PREFILL_ROWS * maxTokens, 64) : null;
        HeapCounters counters = new HeapCounters();
        long[] self = {Thread.currentThread().threadId()};
        long begin = System.nanoTime();
        while (true) {
            long before = counters.allocatedBytes(self);
            for (int t : PREFILL_TOKENS) {
                if (runs && t >= RunScratch.MIN_TOKENS) {
                    runStep((TokenRunProduct) kernel, t, k, w, x, runArena, runBytes, accBytes);
                } else {
                    prefillStep(kernel, gemm, panels, t, k, w, x, rounded, packed, decoded, prepared, y);
                }
            }
            long bytes = counters.allocatedBytes(self) - before;
            if (bytes < PREFILL_SETTLED_BYTES || System.nanoTime() - begin >= PREFILL_MAX_NANOS) {
                return;
            }
        }
    }

    /** A prompt step's run product, all rows and a short range, as {@code MatmulNode} runs it. */
    private static void runStep(TokenRunProduct kernel, int t, int k, MemorySegment w, MemorySegment x,
                                MemorySegment runArena, long runBytes, long accBytes) {
        long y = runBytes + accBytes;
        kernel.prepareRuns(x, 0, k, 0, t, runArena, 0);
        kernel.multiplyRuns(w, 0, k, runArena, 0, t, y, PREFILL_ROWS, 0, PREFILL_ROWS, runBytes);
        kernel.multiplyRuns(w, 0, k, runArena, 0, t, y, PREFILL_ROWS, 0, ((InterleavedWeights) kernel).groupRows(),
                runBytes);
    }

    private static void prefillStep(MatmulKernel kernel, MatmulKernel gemm, boolean panels, int t, int k,
                                    MemorySegment w, MemorySegment x, MemorySegment rounded,
                                    MemorySegment packed, MemorySegment decoded, MemorySegment prepared,
                                    MemorySegment y) {
        if (panels && t >= PanelScratch.MIN_TOKENS) {
            ((RoundedActivations) kernel).roundRows(x, 0, k, 0, t, rounded, 0);
            gemm.prepare(rounded, 0, k, 0, t, packed, 0);
            PanelScratch.decode(kernel, gemm, w, 0, k, 0, PREFILL_ROWS, decoded, 0);
            gemm.multiply(decoded, 0, k, packed, 0, t, y, 0, PREFILL_ROWS, 0, PREFILL_ROWS);
            gemm.multiply(decoded, 0, k, packed, 0, t, y, 0, PREFILL_ROWS, 0, SHORT_RANGE_ROWS);
        } else {
            boolean prepares = kernel.preparedBytes(t, k) > 0;
            if (prepares) {
                kernel.prepare(x, 0, k, 0, t, prepared, 0);
            }
            kernel.multiply(w, 0, k, prepares ? prepared : x, 0, t, y, 0, PREFILL_ROWS, 0, PREFILL_ROWS);
            if (kernel == gemm) {
                // Other kernels may split rows only at their own groups (the interleaved ones at 16).
                kernel.multiply(w, 0, k, prepares ? prepared : x, 0, t, y, 0, PREFILL_ROWS, 0, SHORT_RANGE_ROWS);
            }
        }
    }
}
