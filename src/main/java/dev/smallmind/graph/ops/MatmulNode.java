package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.ElementWise;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.kernels.TokenRunProduct;
import dev.smallmind.parallel.RangeTask;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Projections of one activation matrix by one or more weight matrices of the same type and input width, written
 * side by side into one output row: {@code out[j][column_p + i] = dot(W_p[i], in[j]) (+ bias_p[i])}. Several
 * parts (q, k and v; or gate and up) make one node, so the activations are prepared once and the workers meet at
 * one barrier instead of several. Quantized weights first convert the activations into their prepared form
 * (split over token rows), then the multiplication is split over the concatenated weight rows of all parts.
 * Steps of at least {@link PanelScratch#MIN_TOKENS} tokens over a kernel that can round its activations to plain
 * floats ({@link RoundedActivations}) go through {@link PanelScratch}: each worker decodes a panel of the weight
 * rows it claimed and multiplies it by all tokens with the F32 GEMM. Kernels that multiply many tokens in int16 runs
 * ({@link TokenRunProduct}) go through {@link RunScratch} instead: the activations prepared in runs (split over
 * token rows), then each worker's weight rows times every run. Steps of one token split the weight rows equally
 * between the workers; steps of several let the workers claim them a chunk at a time ({@link WorkerPool#runClaimed}),
 * a decoded panel or {@link #PROMPT_CHUNK_ROWS} rows.
 */
public final class MatmulNode extends Node {
    private static final int ROW_GRAIN = MatmulParts.ROW_GRAIN;
    /**
     * Weight rows a worker claims at a time in a step of several tokens, where a node does not decode panels: three
     * groups of 16, one tile of the interleaved F32 GEMM (the run product takes any number of groups). Claimed, not
     * split: one vCPU of two often runs such a product a quarter to a half slower than the other, and an equal split
     * made the faster one wait (docs/performance.md, "Session 34").
     */
    private static final int PROMPT_CHUNK_ROWS = 3 * ROW_GRAIN;

    private final StepContext step;
    private final MatmulKernel kernel;
    private final int k;
    private final Buffer in;
    private final Buffer out;
    private final Buffer prepared;
    private final int outStride;
    private final Rows rows;
    private final int parts;
    private final MemorySegment[] weights;
    private final long[] weightOffsets;
    private final int[] firstRow;
    private final int[] columns;
    private final MemorySegment[] biases;
    private final long[] biasOffsets;
    private final int totalRows;
    private final PanelScratch panels;
    private final RunScratch runs;
    private final TokenRunProduct runProduct;
    private final RangeTask prepareRuns = this::prepareRunRows;
    private final RoundedActivations rounding;
    private final MatmulKernel gemm;
    private final RangeTask prepare = this::prepareRows;
    private final RangeTask preparePanels = this::preparePanelRows;
    private MemorySegment arena;
    private long inOffset;
    private long outOffset;
    private long preparedOffset;
    private int t;
    private long actRowOffset;
    private boolean usePrepared;
    private boolean usePanels;
    private long roundedOffset;
    private long packedOffset;
    private long decodedOffset;
    private long runsOffset;
    private long accumulatorsOffset;
    private boolean useRuns;

    /**
     * @param name      node name
     * @param step      the session's step context
     * @param kernel    kernel of the weights' type
     * @param weights   one or more {@code [n_p, k]} matrices of the kernel's type
     * @param biases    per part a {@code [n_p]} F32 bias or null (the array itself may be null)
     * @param columns   per part the first output column it writes
     * @param in        activations, step rows of {@code k} floats
     * @param out       output rows of {@code outStride} floats
     * @param outStride floats per output row
     * @param rows      which step rows to compute
     * @param prepared  scratch of {@code kernel.preparedBytes(maxRows, k)} bytes, or null when that is 0
     * @param maxRows   most step rows the node processes
     * @param panels    scratch of the decoded-panel GEMM path, or null
     * @param runs      scratch of the run product, or null; with neither, steps use the kernel's own product
     * @throws IllegalArgumentException when an operand does not fit the others ({@link MatmulParts})
     */
    public MatmulNode(String name, StepContext step, MatmulKernel kernel, Tensor[] weights, Tensor[] biases,
                      int[] columns, Buffer in, Buffer out, int outStride, Rows rows, Buffer prepared, int maxRows,
                      PanelScratch panels, RunScratch runs) {
        super(name, OpKind.MATMUL);
        MatmulParts checked = new MatmulParts(name, kernel, weights, biases, columns, outStride);
        checked.requireScratch(name, kernel, panels, prepared, maxRows);
        checked.requireRuns(name, kernel, panels, runs);
        this.parts = weights.length;
        this.step = step;
        this.kernel = kernel;
        this.k = checked.k;
        this.weights = checked.weights;
        this.weightOffsets = checked.weightOffsets;
        this.firstRow = checked.firstRow;
        this.columns = checked.columns;
        this.biases = checked.biases;
        this.biasOffsets = checked.biasOffsets;
        this.totalRows = checked.firstRow[parts];
        this.panels = panels;
        this.runs = runs;
        this.runProduct = runs == null ? null : (TokenRunProduct) kernel;
        this.rounding = panels == null ? null : (RoundedActivations) kernel;
        this.gemm = panels == null ? MatmulKernels.forType(DType.F32) : PanelScratch.gemmFor(kernel);
        this.in = in;
        this.out = out;
        this.outStride = outStride;
        this.rows = rows;
        this.prepared = prepared;
    }

    @Override
    protected Buffer[] buffers() {
        if (runs != null) {
            return prepared == null
                    ? new Buffer[] {in, out, runs.prepared(), runs.accumulators()}
                    : new Buffer[] {in, out, prepared, runs.prepared(), runs.accumulators()};
        }
        if (panels != null) {
            return prepared == null
                    ? new Buffer[] {in, out, panels.rounded(), panels.packed(), panels.decoded()}
                    : new Buffer[] {in, out, prepared, panels.rounded(), panels.packed(), panels.decoded()};
        }
        return prepared == null ? new Buffer[] {in, out} : new Buffer[] {in, out, prepared};
    }

    @Override
    protected void bind(MemorySegment arena) {
        this.arena = arena;
        this.inOffset = in.offset();
        this.outOffset = out.offset();
        this.preparedOffset = prepared == null ? 0 : prepared.offset();
        this.roundedOffset = panels == null ? 0 : panels.rounded().offset();
        this.packedOffset = panels == null ? 0 : panels.packed().offset();
        this.decodedOffset = panels == null ? 0 : panels.decoded().offset();
        this.runsOffset = runs == null ? 0 : runs.prepared().offset();
        this.accumulatorsOffset = runs == null ? 0 : runs.accumulators().offset();
    }

    @Override
    protected void execute(WorkerPool pool) {
        int count = step.count();
        if (rows == Rows.LAST) {
            t = 1;
            actRowOffset = 4L * k * (count - 1);
        } else {
            t = count;
            actRowOffset = 0;
        }
        useRuns = runs != null && t >= RunScratch.MIN_TOKENS;
        usePanels = panels != null && t >= PanelScratch.MIN_TOKENS;
        usePrepared = kernel.preparedBytes(t, k) > 0;
        if (useRuns) {
            pool.run(prepareRuns, t);
        } else if (usePanels) {
            pool.run(preparePanels, t);
        } else if (usePrepared) {
            pool.run(prepare, t);
        }
        if (t == 1) {
            pool.run(this, totalRows, ROW_GRAIN);
        } else {
            pool.runClaimed(this, totalRows, usePanels ? panels.panelRows() : PROMPT_CHUNK_ROWS);
        }
    }

    private void prepareRows(int from, int to, int worker) {
        kernel.prepare(arena, inOffset + actRowOffset, k, from, to, arena, preparedOffset);
    }

    private void prepareRunRows(int from, int to, int worker) {
        runProduct.prepareRuns(arena, inOffset + actRowOffset, k, from, to, arena, runsOffset);
    }

    private void preparePanelRows(int from, int to, int worker) {
        rounding.roundRows(arena, inOffset + actRowOffset, k, from, to, arena, roundedOffset);
        gemm.prepare(arena, roundedOffset, k, from, to, arena, packedOffset);
    }

    @Override
    public void run(int from, int to, int worker) {
        MemorySegment act = arena;
        long actOffset = usePrepared ? preparedOffset : inOffset + actRowOffset;
        for (int p = 0; p < parts; p++) {
            int lo = Math.max(from, firstRow[p]);
            int hi = Math.min(to, firstRow[p + 1]);
            if (lo >= hi) {
                continue;
            }
            int rowFrom = lo - firstRow[p];
            int rowTo = hi - firstRow[p];
            long y = outOffset + 4L * columns[p];
            if (useRuns) {
                runProduct.multiplyRuns(weights[p], weightOffsets[p], k, arena, runsOffset, t, y, outStride, rowFrom,
                        rowTo, accumulatorsOffset + worker * runProduct.runAccumulatorBytes());
            } else if (usePanels) {
                multiplyPanels(p, rowFrom, rowTo, y, worker);
            } else {
                kernel.multiply(weights[p], weightOffsets[p], k, act, actOffset, t, arena, y, outStride, rowFrom,
                        rowTo);
            }
            if (biases[p] != null) {
                for (int j = 0; j < t; j++) {
                    long row = y + 4L * ((long) j * outStride + rowFrom);
                    ElementWise.add(arena, row, biases[p], biasOffsets[p] + 4L * rowFrom, arena, row, rowTo - rowFrom);
                }
            }
        }
    }

    /**
     * Rows {@code [rowFrom, rowTo)} of part {@code p}, a panel at a time: decode the rows (into columns where
     * {@link PanelScratch#gemmFor} says so), then the F32 GEMM.
     */
    private void multiplyPanels(int p, int rowFrom, int rowTo, long y, int worker) {
        int panelRows = panels.panelRows();
        long scratch = decodedOffset + 4L * worker * panelRows * k;
        for (int r0 = rowFrom; r0 < rowTo; r0 += panelRows) {
            int n = Math.min(panelRows, rowTo - r0);
            PanelScratch.decode(kernel, gemm, weights[p], weightOffsets[p], k, r0, r0 + n, arena, scratch);
            gemm.multiply(arena, scratch, k, arena, packedOffset, t, arena, y + 4L * r0, outStride, 0, n);
        }
    }
}
