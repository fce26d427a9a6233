package dev.smallmind.graph;

/**
 * What the planner decided for one graph.
 *
 * @param nodes        number of nodes
 * @param buffers      number of intermediate buffers
 * @param peakBytes    step arena bytes the graph needs (the highest end offset of any buffer)
 * @param totalBytes   sum of all intermediate buffer sizes (what a planner without reuse would need)
 */
public record Plan(int nodes, int buffers, long peakBytes, long totalBytes) {
    /** @return 1 - peak/total: the share of intermediate memory saved by reusing buffers whose lifetimes differ */
    public double reuseRatio() {
        return totalBytes == 0 ? 0 : 1.0 - (double) peakBytes / totalBytes;
    }
}
