package dev.smallmind.parallel;

/**
 * Work over a range of indices (rows, tokens, heads). Implementations are long-lived objects created once (graph
 * nodes, kernels bound to their operands), so handing one to the pool allocates nothing.
 */
@FunctionalInterface
public interface RangeTask {
    /**
     * @param from   first index, inclusive
     * @param to     last index, exclusive
     * @param worker index of the thread running this range, 0 to {@code threads - 1}; lets a task use
     *               per-worker scratch memory without sharing
     */
    void run(int from, int to, int worker);
}
