package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.TokenRunProduct;

/**
 * Scratch of a {@link MatmulNode} whose kernel multiplies many tokens in runs ({@link TokenRunProduct}): the step's
 * activations prepared in runs, and per worker the accumulators of one run. Such a node takes this path instead of
 * the decoded panels ({@link PanelScratch}) for steps of at least {@link #MIN_TOKENS} tokens.
 *
 * @param prepared     the activations in the run layout
 * @param accumulators {@code threads} blocks of {@link TokenRunProduct#runAccumulatorBytes} bytes
 */
public record RunScratch(Buffer prepared, Buffer accumulators) {
    /** Fewest tokens in a step for which the run product runs; the kernel's own product takes fewer. */
    public static final int MIN_TOKENS = PanelScratch.MIN_TOKENS;

    /**
     * @param kernel  the node's weight kernel
     * @param maxRows most tokens a step of the node carries
     * @return whether a node with these parameters should get run scratch
     */
    public static boolean applies(MatmulKernel kernel, int maxRows) {
        return maxRows >= MIN_TOKENS && kernel instanceof TokenRunProduct runs && runs.runsSupported();
    }

    /**
     * @param kernel  a kernel for which {@link #applies}
     * @param maxRows most tokens a step carries
     * @param k       activation row length
     * @return bytes of the prepared runs
     */
    public static long preparedBytes(MatmulKernel kernel, int maxRows, int k) {
        return ((TokenRunProduct) kernel).runPreparedBytes(maxRows, k);
    }

    /**
     * @param kernel  a kernel for which {@link #applies}
     * @param threads workers of the pool
     * @return bytes of every worker's accumulators
     */
    public static long accumulatorBytes(MatmulKernel kernel, int threads) {
        return threads * ((TokenRunProduct) kernel).runAccumulatorBytes();
    }
}
