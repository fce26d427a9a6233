package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.ElementWise;
import dev.smallmind.parallel.WorkerPool;

import java.lang.foreign.MemorySegment;

/** {@code out = a + b} over every step row of {@code width} floats: the residual connection. */
public final class AddNode extends Node {
    private final StepContext step;
    private final Buffer a;
    private final Buffer b;
    private final Buffer out;
    private final int width;
    private MemorySegment arena;
    private long aOffset;
    private long bOffset;
    private long outOffset;

    /**
     * @param name  node name
     * @param step  the session's step context
     * @param a     first operand rows
     * @param b     second operand rows
     * @param out   result rows (may be {@code a} or {@code b})
     * @param width floats per row
     */
    public AddNode(String name, StepContext step, Buffer a, Buffer b, Buffer out, int width) {
        super(name, OpKind.ELEMENTWISE);
        this.step = step;
        this.a = a;
        this.b = b;
        this.out = out;
        this.width = width;
    }

    @Override
    protected Buffer[] buffers() {
        return new Buffer[] {a, b, out};
    }

    @Override
    protected void bind(MemorySegment arena) {
        this.arena = arena;
        this.aOffset = a.offset();
        this.bOffset = b.offset();
        this.outOffset = out.offset();
    }

    @Override
    protected void execute(WorkerPool pool) {
        pool.run(this, step.count());
    }

    @Override
    public void run(int from, int to, int worker) {
        long skip = 4L * from * width;
        ElementWise.add(arena, aOffset + skip, arena, bOffset + skip, arena, outOffset + skip, (to - from) * width);
    }
}
