package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.kernels.TokenRunProduct;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The checked operands of a {@link MatmulNode}: its weight parts, their rows laid end to end, their output columns
 * and biases, and the scratch the kernel needs. Every check of a node's shape is here, and so are all its error
 * messages, so that {@link MatmulNode}'s class holds no String constant: when C2 is first asked to compile a method
 * of a class, HotSpot resolves every String constant of that class's pool on the asking thread, which allocates them.
 * The node's first such request could come after the warm-up, inside a measured decode step: 10 strings, 976
 * bytes once (docs/architecture.md, "Zero allocation and the JIT").
 */
final class MatmulParts {
    /** Rows per unit of work: whole groups of every interleaved layout (8 or 16 rows). */
    static final int ROW_GRAIN = 16;

    final int k;
    final MemorySegment[] weights;
    final long[] weightOffsets;
    /** Part {@code p}'s first row among all parts' rows; entry {@code parts} is their total. */
    final int[] firstRow;
    final int[] columns;
    final MemorySegment[] biases;
    final long[] biasOffsets;

    /**
     * @param name      node name, for messages
     * @param kernel    kernel of the weights' type
     * @param weights   one or more {@code [n_p, k]} matrices of the kernel's type
     * @param biases    per part a {@code [n_p]} F32 bias or null (the array itself may be null)
     * @param columns   per part the first output column it writes
     * @param outStride floats per output row
     * @throws IllegalArgumentException naming the node and the operand that does not fit
     */
    MatmulParts(String name, MatmulKernel kernel, Tensor[] weights, Tensor[] biases, int[] columns, int outStride) {
        int parts = weights.length;
        if (parts == 0 || columns.length != parts || (biases != null && biases.length != parts)) {
            throw new IllegalArgumentException("node '" + name + "': " + parts + " weights need as many columns"
                    + " and biases");
        }
        this.k = (int) weights[0].shape().last();
        this.weights = new MemorySegment[parts];
        this.weightOffsets = new long[parts];
        this.firstRow = new int[parts + 1];
        this.columns = columns.clone();
        this.biases = new MemorySegment[parts];
        this.biasOffsets = new long[parts];
        int total = 0;
        for (int p = 0; p < parts; p++) {
            Tensor w = weights[p];
            if (w.type() != kernel.weightType() || w.interleaved() != kernel instanceof InterleavedWeights) {
                throw new IllegalArgumentException("node '" + name + "': kernel for " + kernel.weightType()
                        + (kernel instanceof InterleavedWeights ? " rows interleaved at load" : " GGUF rows")
                        + " given weight " + w);
            }
            if (w.shape().rank() != 2 || !w.isContiguous() || w.shape().last() != k) {
                throw new IllegalArgumentException("node '" + name + "': weight " + w
                        + " must be a contiguous matrix with " + k + " columns");
            }
            int n = (int) w.shape().dim(0);
            if (kernel instanceof InterleavedWeights iw && (n % iw.groupRows() != 0 || ROW_GRAIN % iw.groupRows() != 0)) {
                throw new IllegalArgumentException("node '" + name + "': " + n + " rows of " + w.name()
                        + " split at " + ROW_GRAIN + " rows do not keep to whole groups of " + iw.groupRows());
            }
            if (columns[p] < 0 || columns[p] + n > outStride) {
                throw new IllegalArgumentException("node '" + name + "': " + n + " outputs of " + w.name()
                        + " at column " + columns[p] + " exceed the output row of " + outStride);
            }
            Tensor b = biases == null ? null : biases[p];
            if (b != null) {
                b.requireType(DType.F32);
                if (b.shape().elements() != n) {
                    throw new IllegalArgumentException("node '" + name + "': bias " + b + " must have " + n
                            + " elements");
                }
                this.biases[p] = b.segment();
                this.biasOffsets[p] = b.offset();
            }
            this.weights[p] = w.segment();
            this.weightOffsets[p] = w.offset();
            firstRow[p] = total;
            total += n;
        }
        firstRow[parts] = total;
    }

    /**
     * @param panels   scratch of the decoded-panel GEMM path, or null
     * @param prepared scratch of prepared activations, or null
     * @param maxRows  most step rows the node processes
     * @throws IllegalArgumentException when the panel path does not suit the kernel or the prepared scratch is
     *                                  smaller than the kernel needs for {@code maxRows} rows
     */
    void requireScratch(String name, MatmulKernel kernel, PanelScratch panels, Buffer prepared, int maxRows) {
        if (panels != null && (!(kernel instanceof RoundedActivations) || panels.panelRows() % ROW_GRAIN != 0)) {
            throw new IllegalArgumentException("node '" + name + "': the panel path needs a kernel that rounds"
                    + " activations to plain rows and panels of a multiple of " + ROW_GRAIN + " rows");
        }
        long needed = kernel.preparedBytes(maxRows, k);
        if (needed > 0 && (prepared == null || prepared.bytes() < needed)) {
            throw new IllegalArgumentException("node '" + name + "': " + kernel.weightType() + " needs "
                    + needed + " bytes of prepared activations for " + maxRows + " rows, got "
                    + (prepared == null ? 0 : prepared.bytes()));
        }
    }

    /** A node takes the run product only from a kernel that has it, and not besides the decoded panels. */
    void requireRuns(String name, MatmulKernel kernel, PanelScratch panels, RunScratch runs) {
        if (runs != null && (panels != null || !(kernel instanceof TokenRunProduct product)
                || !product.runsSupported())) {
            throw new IllegalArgumentException("node '" + name + "': the run product needs a kernel that has it"
                    + " in this JVM (" + kernel.weightType() + "), and no panel scratch beside it");
        }
    }
}
