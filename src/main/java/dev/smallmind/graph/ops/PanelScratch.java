package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.kernels.RoundedActivations;
import dev.smallmind.tensor.DType;

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
    private static final MatmulKernel F32 = MatmulKernels.forType(DType.F32);

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
     * @param k weight row length
     * @return rows per decoded panel: as many as fit {@value #PANEL_BYTES} bytes, 16 to 64, a multiple of 16
     */
    public static int panelRows(int k) {
        long rows = PANEL_BYTES / (4L * k) / 16 * 16;
        return (int) Math.max(16, Math.min(64, rows));
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
     * @param k       weight row length
     * @return bytes of every worker's decoded panel
     */
    public static long decodedBytes(int threads, int k) {
        return 4L * threads * panelRows(k) * k;
    }
}
