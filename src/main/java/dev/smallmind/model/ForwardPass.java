package dev.smallmind.model;

import dev.smallmind.graph.Graph;
import dev.smallmind.graph.ops.Rows;

import java.lang.foreign.MemorySegment;

/**
 * A planned forward pass for one batch shape, bound to one session's memory: run {@link #graph()} and read the
 * logits at {@link #logitsOffset(int)} in {@link #arena()}, valid until the next run. A class rather than a record:
 * a record's class holds its component names as a String constant, which HotSpot resolves, allocating it, on the
 * thread that first asks C2 to compile one of its methods, and {@link #logitsOffset} is called every step
 * (docs/architecture.md, "Zero allocation and the JIT: String constants").
 */
public final class ForwardPass {
    private final Graph graph;
    private final MemorySegment arena;
    private final long logitsBase;
    private final int vocab;
    private final Rows logitRows;
    private final int maxTokens;

    /**
     * @param graph      the planned graph
     * @param arena      the step arena segment holding the logits
     * @param logitsBase byte offset of the first logits row
     * @param vocab      logits per row
     * @param logitRows  whether every step row or only the last gets logits
     * @param maxTokens  most tokens one step may carry
     */
    public ForwardPass(Graph graph, MemorySegment arena, long logitsBase, int vocab, Rows logitRows, int maxTokens) {
        this.graph = graph;
        this.arena = arena;
        this.logitsBase = logitsBase;
        this.vocab = vocab;
        this.logitRows = logitRows;
        this.maxTokens = maxTokens;
    }

    /** @return the planned graph */
    public Graph graph() {
        return graph;
    }

    /** @return the step arena segment holding the logits */
    public MemorySegment arena() {
        return arena;
    }

    /** @return byte offset of the first logits row */
    public long logitsBase() {
        return logitsBase;
    }

    /** @return logits per row */
    public int vocab() {
        return vocab;
    }

    /** @return whether every step row or only the last gets logits */
    public Rows logitRows() {
        return logitRows;
    }

    /** @return most tokens one step may carry */
    public int maxTokens() {
        return maxTokens;
    }

    /**
     * @param row step row (0 when only the last row has logits)
     * @return byte offset of that row's logits in {@link #arena()}
     */
    public long logitsOffset(int row) {
        return logitsBase + 4L * row * vocab;
    }
}
