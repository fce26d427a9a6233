package dev.smallmind.graph;

import dev.smallmind.parallel.RangeTask;
import dev.smallmind.parallel.WorkerPool;

import java.lang.foreign.MemorySegment;

/**
 * One operation of a graph. A node declares the buffers it reads and writes (the planner derives lifetimes from
 * them), resolves their arena offsets once in {@link #bind}, and then runs every step, usually by handing itself
 * as a {@link RangeTask} to the worker pool. Nodes are built once and allocate nothing while running.
 */
public abstract class Node implements RangeTask {
    private final String name;
    private final OpKind kind;

    /**
     * @param name unique, human-readable (e.g. {@code blk.3.attn_q})
     * @param kind category for plans and profiles
     */
    protected Node(String name, OpKind kind) {
        this.name = name;
        this.kind = kind;
    }

    /** @return the node's name */
    public final String name() {
        return name;
    }

    /** @return the op category */
    public final OpKind kind() {
        return kind;
    }

    /** @return buffers this node reads or writes (order irrelevant) */
    protected abstract Buffer[] buffers();

    /**
     * Resolves buffer offsets into the planned arena; called once after planning.
     *
     * @param arena the step arena's segment
     */
    protected abstract void bind(MemorySegment arena);

    /**
     * Runs the node for the current step.
     *
     * @param pool workers to split the work across
     */
    protected abstract void execute(WorkerPool pool);
}
