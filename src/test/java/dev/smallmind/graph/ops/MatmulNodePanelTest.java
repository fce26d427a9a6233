package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Graph;
import dev.smallmind.graph.GraphBuilder;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.kernels.quant.Q4_0Quantizer;
import dev.smallmind.kernels.quant.Q4_KQuantizer;
import dev.smallmind.kernels.quant.Q5_0Quantizer;
import dev.smallmind.kernels.quant.Q5_KQuantizer;
import dev.smallmind.kernels.quant.Q6_KQuantizer;
import dev.smallmind.kernels.quant.Q8_0Quantizer;
import dev.smallmind.memory.StepArena;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Shape;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The decoded-panel GEMM path (every {@link RoundedActivations} kernel) and the run product of {@link MatmulNode}
 * against the kernel's own product on the same node: two weight
 * parts whose row counts are not multiples of the panel (k = 2048 gives panels of 32 rows, so the 40-row part
 * spans two), token counts around the panel threshold (15 takes the kernel path on both sides), 1 and 2 workers.
 * Both read the same rounded activations, so they differ only in summation order.
 */
class MatmulNodePanelTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int K = 2048;
    private static final int[] ROWS = {40, 27};

    @ParameterizedTest
    @CsvSource({"Q8_0,16,1", "Q8_0,37,2", "Q4_0,16,2", "Q4_0,64,1", "Q5_0,37,1", "Q5_0,64,2", "Q4_0,15,1",
            "Q4_K,37,2", "Q4_K,16,1", "Q5_K,64,2", "Q6_K,37,1", "Q6_K,15,2", "F16,37,2",
            "BF16,16,1"})
    void panelPathMatchesTheKernelProduct(DType type, int t, int threads) {
        MatmulKernel kernel = MatmulKernels.forType(type);
        try (Arena weightsArena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            Random random = new Random(type.ordinal() * 1000L + t);
            Tensor[] weights = new Tensor[ROWS.length];
            for (int p = 0; p < ROWS.length; p++) {
                weights[p] = randomWeights(weightsArena, type, ROWS[p], random);
            }
            float[] x = new float[t * K];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextFloat() * 2 - 1;
            }
            float[] plain = run(kernel, weights, x, t, threads, pool, weightsArena, Path.KERNEL);
            float[] panels = run(kernel, weights, x, t, threads, pool, weightsArena, Path.PANELS);
            assertWithinBound(type, t, plain, panels, errorBound(kernel, weights, x, t, weightsArena));
        }
    }

    /**
     * Interleaved weights through the panel path: Q4_0 and Q8_0 decode their groups into columns for the interleaved
     * F32 GEMM where the JVM has it ({@code PanelScratch.gemmFor}), 48 rows (one tile) and 32 (two groups left over);
     * Q5_0 into rows for the row GEMM. Against the kernel's own product over the same groups.
     */
    @ParameterizedTest
    @CsvSource({"Q4_0,16,1", "Q4_0,37,2", "Q4_0,70,1", "Q8_0,37,2", "Q8_0,16,1", "Q5_0,37,2"})
    void interleavedPanelPathMatchesTheKernelProduct(DType type, int t, int threads) {
        MatmulKernel kernel = MatmulKernels.forProjection(type);
        assumeTrue(kernel instanceof InterleavedWeights, "no interleaved " + type + " kernel in this JVM");
        interleavedPathMatchesTheKernelProduct(kernel, type, t, threads, type.ordinal() * 1000L + t + 7, Path.PANELS);
    }

    /**
     * Q4_0's run product ({@link RunScratch}) against the kernel's own product over the same groups: token counts
     * within one run, across a run's end (64) and with a short last run, 1 and 2 workers. Both form the same int16
     * block sums, so they differ only in how the scales round.
     */
    @ParameterizedTest
    @CsvSource({"16,1", "37,2", "64,1", "70,2", "130,1", "129,2"})
    void runPathMatchesTheKernelProduct(int t, int threads) {
        MatmulKernel kernel = MatmulKernels.forProjection(DType.Q4_0);
        assumeTrue(RunScratch.applies(kernel, t), "no Q4_0 run product in this JVM (512-bit vectors needed)");
        interleavedPathMatchesTheKernelProduct(kernel, DType.Q4_0, t, threads, 7000L + t, Path.RUNS);
    }

    /** Parts of 48 and 32 rows (three and two groups) packed by the kernel: {@code path} against its own product. */
    private static void interleavedPathMatchesTheKernelProduct(MatmulKernel kernel, DType type, int t, int threads,
                                                               long seed, Path path) {
        int[] rows = {48, 32};
        try (Arena weightsArena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            Random random = new Random(seed);
            Tensor[] gguf = new Tensor[rows.length];
            Tensor[] weights = new Tensor[rows.length];
            for (int p = 0; p < rows.length; p++) {
                gguf[p] = randomWeights(weightsArena, type, rows[p], random);
                MemorySegment packed = weightsArena.allocate(type.rowBytes(K) * rows[p], 64);
                ((InterleavedWeights) kernel).pack(gguf[p].segment(), 0, K, rows[p], packed, 0);
                weights[p] = gguf[p].interleavedAt(packed, 0);
            }
            float[] x = new float[t * K];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextFloat() * 2 - 1;
            }
            float[] plain = run(kernel, weights, x, t, threads, pool, weightsArena, Path.KERNEL);
            float[] other = run(kernel, weights, x, t, threads, pool, weightsArena, path);
            float[] bound = errorBound(MatmulKernels.forType(type), gguf, x, t, weightsArena);
            assertWithinBound(type, t, plain, other, bound);
        }
    }

    /** Which product a node takes for many tokens. */
    private enum Path { KERNEL, PANELS, RUNS }

    /** Each output of the panel path within its bound of the kernel's own. */
    private static void assertWithinBound(DType type, int t, float[] plain, float[] panels, float[] bound) {
        assertEquals(plain.length, panels.length);
        int out = plain.length / t;
        for (int j = 0; j < t; j++) {
            for (int i = 0; i < out; i++) {
                int at = j * out + i;
                assertTrue(Math.abs(panels[at] - plain[at]) <= bound[at],
                        type + " t=" + t + " token " + j + " row " + i + ": panel " + panels[at]
                                + " vs kernel " + plain[at] + " (bound " + bound[at] + ")");
            }
        }
    }

    private static float[] run(MatmulKernel kernel, Tensor[] weights, float[] x, int t, int threads, WorkerPool pool,
                               Arena arena, Path path) {
        int rows0 = (int) weights[0].shape().dim(0);
        int out = rows0 + (int) weights[1].shape().dim(0);
        StepContext step = new StepContext(t, arena);
        step.begin(0, t);
        GraphBuilder g = new GraphBuilder();
        Buffer in = g.buffer("in", 4L * t * K);
        Buffer y = g.buffer("out", 4L * t * out);
        long prepBytes = kernel.preparedBytes(t, K);
        Buffer prepared = prepBytes == 0 ? null : g.buffer("prepared", prepBytes);
        PanelScratch panels = path == Path.PANELS
                ? new PanelScratch(g.buffer("rounded", PanelScratch.roundedBytes(t, K)),
                        g.buffer("packed", PanelScratch.packedBytes(t, K)),
                        g.buffer("decoded", PanelScratch.decodedBytes(threads, kernel, K)),
                        PanelScratch.panelRows(kernel, K))
                : null;
        RunScratch runs = path == Path.RUNS
                ? new RunScratch(g.buffer("runs", RunScratch.preparedBytes(kernel, t, K)),
                        g.buffer("accumulators", RunScratch.accumulatorBytes(kernel, threads)))
                : null;
        g.add(new MatmulNode("m", step, kernel, weights, null, new int[] {0, rows0}, in, y, out, Rows.ALL,
                prepared, t, panels, runs));
        g.plan(in, y);
        try (StepArena stepArena = new StepArena("test", 1 << 23)) {
            Graph graph = g.bind(stepArena);
            MemorySegment s = stepArena.segment();
            for (int i = 0; i < x.length; i++) {
                s.set(FLOAT, in.offset() + 4L * i, x[i]);
            }
            graph.run(pool);
            float[] result = new float[t * out];
            for (int i = 0; i < result.length; i++) {
                result[i] = s.get(FLOAT, y.offset() + 4L * i);
            }
            return result;
        }
    }

    /** Per output, 1e-5 of the sum of |product| over the row: far above reordering error, far below any slip. */
    private static float[] errorBound(MatmulKernel kernel, Tensor[] weights, float[] x, int t, Arena arena) {
        int out = (int) (weights[0].shape().dim(0) + weights[1].shape().dim(0));
        MemorySegment xs = arena.allocate(4L * t * K, 64);
        MemorySegment prep = arena.allocate(PanelScratch.roundedBytes(t, K), 64);
        MemorySegment row = arena.allocate(4L * K, 64);
        for (int i = 0; i < x.length; i++) {
            xs.set(FLOAT, 4L * i, x[i]);
        }
        ((RoundedActivations) kernel).roundRows(xs, 0, K, 0, t, prep, 0);
        float[] bound = new float[t * out];
        int i = 0;
        for (Tensor w : weights) {
            for (int r = 0; r < w.shape().dim(0); r++, i++) {
                kernel.decodeRow(w.segment(), w.offset() + r * w.type().rowBytes(K), row, 0, K);
                for (int j = 0; j < t; j++) {
                    double sum = 0;
                    for (int e = 0; e < K; e++) {
                        sum += Math.abs((double) row.get(FLOAT, 4L * e) * prep.get(FLOAT, 4L * (j * K + e)));
                    }
                    bound[j * out + i] = (float) (1e-5 * sum);
                }
            }
        }
        return bound;
    }

    /** Normal weights of std 0.02 in the given type, written by the project's quantizers. */
    private static Tensor randomWeights(Arena arena, DType type, int rows, Random random) {
        MemorySegment row = arena.allocate(4L * K, 64);
        long rowBytes = type.rowBytes(K);
        MemorySegment w = arena.allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            for (int e = 0; e < K; e++) {
                row.set(FLOAT, 4L * e, (float) (0.02 * random.nextGaussian()));
            }
            encode(type, row, w, r * rowBytes);
        }
        return Tensor.of("w" + rows, w, 0, type, Shape.of(rows, K));
    }

    private static void encode(DType type, MemorySegment row, MemorySegment w, long at) {
        switch (type) {
            case Q8_0 -> Q8_0Quantizer.quantizeRow(row, 0, w, at, K);
            case Q4_0 -> Q4_0Quantizer.quantizeRow(row, 0, w, at, K);
            case Q5_0 -> Q5_0Quantizer.quantizeRow(row, 0, w, at, K);
            case Q4_K -> Q4_KQuantizer.quantizeRow(row, 0, w, at, K);
            case Q5_K -> Q5_KQuantizer.quantizeRow(row, 0, w, at, K);
            case Q6_K -> Q6_KQuantizer.quantizeRow(row, 0, w, at, K);
            case F16 -> {
                for (int e = 0; e < K; e++) {
                    w.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * e, Float.floatToFloat16(row.get(FLOAT, 4L * e)));
                }
            }
            case BF16 -> {
                for (int e = 0; e < K; e++) {
                    int bits = Float.floatToRawIntBits(row.get(FLOAT, 4L * e));
                    w.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * e, (short) (bits >>> 16));
                }
            }
            default -> throw new IllegalArgumentException("no encoder for " + type);
        }
    }
}
