package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.kernels.ColumnDecoding;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Scratch of a {@link MatmulNode} that runs many-token products of quantized or 16-bit weights through the F32
 * GEMM: the rounded activation rows, the same packed into GEMM panels, and per worker one panel of decoded weight
 * rows.
 *
 * <p>Why: the quantized kernels' block loops are bound by widening and converting quants (no int8 dot-product
 * instructions in the Vector API), at the same cost per weight whether one token or a hundred pass over it. The
 * F32 GEMM keeps a block of rows x one panel of tokens in registers (4 x 64 with 512-bit vectors, 6 x 16 with
 * AVX2) and runs near the FMA peak. Decoding a panel of rows once and multiplying it by every token costs one
 * decode per weight and step, and because the kernel
 * rounds the activations as its own product would ({@link RoundedActivations}), the arithmetic is the same
 * products, only summed in another order.
 *
 * <p>Interleaved Q4_0 and Q8_0 weights ({@link ColumnDecoding}) decode into columns instead, for the interleaved
 * F32 GEMM's tiles of three groups x 8 tokens ({@link #gemmFor}): no transposes back into rows, and tiles that run
 * faster than the row GEMM's. Zen 5, pp128 on 1 / 2 threads against decoded rows, JVMs alternating: medium Q8_0
 * 756 / 1069 against 596 / 948, medium Q4_0 655 / 1052 against 588 / 906, large Q8_0 73.3 / 138.9 against 66.9 /
 * 128.0, large Q4_0 74.5 / 140.0 against 64.5 / 109.0 (docs/performance.md, "Session 27").
 *
 * @param rounded   the activation rows rounded by the kernel, plain floats
 * @param packed    the rounded rows in the F32 GEMM's panel layout
 * @param decoded   {@code threads} panels of {@code panelRows} decoded weight rows
 * @param panelRows weight rows decoded at a time per worker, a multiple of 16
 */
public record PanelScratch(Buffer rounded, Buffer packed, Buffer decoded, int panelRows) {
    /**
     * Fewest tokens in a step for which the panel path runs; below it the kernel's own tiles are as fast and the
     * GEMM's panels would be mostly empty.
     */
    public static final int MIN_TOKENS = 16;
    /** Target bytes of one decoded panel: room in L2 beside the activation panels streaming past it. */
    private static final int PANEL_BYTES = 256 * 1024;
    /** Rows of a panel decoded into columns: three groups of 16, one tile of the interleaved F32 GEMM. */
    private static final int COLUMN_PANEL_ROWS = 48;
    private static final MatmulKernel F32 = MatmulKernels.forType(DType.F32);
    /** The F32 kernel of projections: over interleaved rows where this JVM has it, else {@link #F32}. */
    private static final MatmulKernel COLUMNS = MatmulKernels.forProjection(DType.F32);

    /**
     * @param kernel  the node's weight kernel
     * @param maxRows most tokens a step of the node carries
     * @return whether a node with these parameters should get panel scratch
     */
    public static boolean applies(MatmulKernel kernel, int maxRows) {
        return maxRows >= MIN_TOKENS && kernel instanceof RoundedActivations;
    }

    /**
     * @param maxRows most tokens a step carries
     * @param k       activation row length
     * @return bytes of the rounded activation rows
     */
    public static long roundedBytes(int maxRows, int k) {
        return 4L * maxRows * k;
    }

    /**
     * @param kernel the node's weight kernel
     * @param k      weight row length
     * @return rows per decoded panel: for the row GEMM as many as fit {@value #PANEL_BYTES} bytes, 16 to 64, a
     *         multiple of 16; for the interleaved F32 GEMM ({@link #gemmFor}) one tile of its groups,
     *         {@value #COLUMN_PANEL_ROWS} rows, whatever {@code k} (in 64 rows the fourth group went through its
     *         one-group kernel, and at 1536 columns 32 rows all of them)
     */
    public static int panelRows(MatmulKernel kernel, int k) {
        if (gemmFor(kernel) != F32) {
            return COLUMN_PANEL_ROWS;
        }
        long rows = PANEL_BYTES / (4L * k) / 16 * 16;
        return (int) Math.max(16, Math.min(64, rows));
    }

    /**
     * @param kernel a kernel with {@link RoundedActivations}
     * @return the F32 kernel that multiplies its decoded panels: the one over interleaved rows where the kernel
     *         decodes into its columns ({@link ColumnDecoding}) and this JVM has it, else the row GEMM
     */
    public static MatmulKernel gemmFor(MatmulKernel kernel) {
        return kernel instanceof ColumnDecoding && COLUMNS instanceof InterleavedWeights ? COLUMNS : F32;
    }

    /**
     * Decodes weight rows {@code [rowFrom, rowTo)} into the layout {@code gemm} ({@link #gemmFor}) reads: groups of
     * columns, or rows.
     *
     * @param rowFrom first row, a multiple of 16
     * @param rowTo   one past the last row, a multiple of 16
     */
    public static void decode(MatmulKernel kernel, MatmulKernel gemm, MemorySegment w, long wOffset, int k,
                              int rowFrom, int rowTo, MemorySegment dst, long dstOffset) {
        if (gemm instanceof InterleavedWeights) {
            ((ColumnDecoding) kernel).decodeColumns(w, wOffset, k, rowFrom / 16, rowTo / 16, dst, dstOffset);
        } else {
            kernel.decodeRows(w, wOffset, k, rowFrom, rowTo, dst, dstOffset);
        }
    }

    /**
     * @param maxRows most tokens a step carries
     * @param k       activation row length
     * @return bytes of the packed activation panels
     */
    public static long packedBytes(int maxRows, int k) {
        return F32.preparedBytes(maxRows, k);
    }

    /**
     * @param threads workers of the pool
     * @param kernel  the node's weight kernel
     * @param k       weight row length
     * @return bytes of every worker's decoded panel
     */
    public static long decodedBytes(int threads, MatmulKernel kernel, int k) {
        return 4L * threads * panelRows(kernel, k) * k;
    }
}
