package dev.smallmind.kernels.matmul;

/**
 * Blocking of the dot-product form shared by the 16-bit float kernels ({@link F16Matmul}, {@link BF16Matmul}):
 * a micro-kernel takes {@value #ROWS} weight rows times {@value #TOKENS} activation rows (12 accumulators in
 * registers; each widened weight vector serves three FMAs), and activation rows are walked in tiles that stay
 * in L2 while every weight-row block of the range passes over them.
 */
final class DotTiling {
    /** Weight rows per micro-kernel. */
    static final int ROWS = 4;
    /** Activation rows per micro-kernel. */
    static final int TOKENS = 3;
    /** Target size of one tile of activation rows: well inside L2, leaving room for the weight stream. */
    static final int TILE_BYTES = 256 * 1024;

    private DotTiling() {
    }

    /**
     * @param k activation row length in floats
     * @return activation rows per tile: a multiple of {@link #TOKENS} whose rows fit in {@link #TILE_BYTES}
     */
    static int tileTokens(int k) {
        long rows = TILE_BYTES / Math.max(1L, 4L * k);
        return (int) Math.max(TOKENS, rows / TOKENS * TOKENS);
    }
}
