package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.Rope;
import dev.smallmind.kernels.RopeTable;
import dev.smallmind.parallel.WorkerPool;

import java.lang.foreign.MemorySegment;

/** Rotates queries or keys in place by their position (row j of the step sits at position start + j). */
public final class RopeNode extends Node {
    private final StepContext step;
    private final Buffer x;
    private final int column;
    private final int stride;
    private final int heads;
    private final int headDim;
    private final RopeTable table;
    private MemorySegment arena;
    private long base;

    /**
     * @param name    node name
     * @param step    the session's step context
     * @param x       rows holding the heads
     * @param column  float column where the first head starts in each row
     * @param stride  floats per row
     * @param heads   heads per row
     * @param headDim floats per head
     * @param table   cos/sin table (its rotary width and pairing apply)
     */
    public RopeNode(String name, StepContext step, Buffer x, int column, int stride, int heads, int headDim,
                    RopeTable table) {
        super(name, OpKind.ROPE);
        this.step = step;
        this.x = x;
        this.column = column;
        this.stride = stride;
        this.heads = heads;
        this.headDim = headDim;
        this.table = table;
    }

    @Override
    protected Buffer[] buffers() {
        return new Buffer[] {x};
    }

    @Override
    protected void bind(MemorySegment arena) {
        this.arena = arena;
        this.base = x.offset() + 4L * column;
    }

    @Override
    protected void execute(WorkerPool pool) {
        pool.run(this, step.count());
    }

    @Override
    public void run(int from, int to, int worker) {
        int start = step.start();
        for (int j = from; j < to; j++) {
            long row = base + 4L * j * stride;
            Rope.rotate(table, arena, row, arena, row, heads, headDim, start + j);
        }
    }
}
