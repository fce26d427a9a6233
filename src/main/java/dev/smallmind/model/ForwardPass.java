package dev.smallmind.model;

import dev.smallmind.graph.Graph;
import dev.smallmind.graph.ops.Rows;

import java.lang.foreign.MemorySegment;

/**
 * A planned forward pass for one batch shape, bound to one session's memory: run {@link #graph()} and read the
 * logits at {@link #logitsOffset(int)} in {@link #arena()}, valid until the next run.
 *
 * @param graph        the planned graph
 * @param arena        the step arena segment holding the logits
 * @param logitsBase   byte offset of the first logits row
 * @param vocab        logits per row
 * @param logitRows    whether every step row or only the last gets logits
 * @param maxTokens    most tokens one step may carry
 */
public record ForwardPass(Graph graph, MemorySegment arena, long logitsBase, int vocab, Rows logitRows,
                         int maxTokens) {
    /**
     * @param row step row (0 when only the last row has logits)
     * @return byte offset of that row's logits in {@link #arena()}
     */
    public long logitsOffset(int row) {
        return logitsBase + 4L * row * vocab;
    }
}
