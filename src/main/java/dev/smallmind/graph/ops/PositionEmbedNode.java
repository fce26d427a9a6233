package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.ElementWise;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** Adds learned absolute position embeddings (GPT-2's {@code position_embd}, F32) to the step's rows in place. */
public final class PositionEmbedNode extends Node {
    private final StepContext step;
    private final Buffer x;
    private final MemorySegment table;
    private final long tableOffset;
    private final int dim;
    private MemorySegment arena;
    private long xOffset;

    /**
     * @param name  node name
     * @param step  the session's step context
     * @param table {@code [positions, dim]} F32
     * @param x     rows of {@code dim} floats
     */
    public PositionEmbedNode(String name, StepContext step, Tensor table, Buffer x) {
        super(name, OpKind.EMBED);
        table.requireType(DType.F32);
        this.step = step;
        this.x = x;
        this.table = table.segment();
        this.tableOffset = table.offset();
        this.dim = (int) table.shape().dim(1);
    }

    @Override
    protected Buffer[] buffers() {
        return new Buffer[] {x};
    }

    @Override
    protected void bind(MemorySegment arena) {
        this.arena = arena;
        this.xOffset = x.offset();
    }

    @Override
    protected void execute(WorkerPool pool) {
        pool.run(this, step.count());
    }

    @Override
    public void run(int from, int to, int worker) {
        int start = step.start();
        for (int j = from; j < to; j++) {
            long row = xOffset + 4L * j * dim;
            ElementWise.add(arena, row, table, tableOffset + 4L * (start + j) * dim, arena, row, dim);
        }
    }
}
