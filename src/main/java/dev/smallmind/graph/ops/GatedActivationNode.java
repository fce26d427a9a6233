package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.Activations;
import dev.smallmind.parallel.WorkerPool;

import java.lang.foreign.MemorySegment;

/**
 * The feed-forward non-linearity: SwiGLU {@code out = silu(gate) * up} (gate and up may be two halves of one
 * fused row), or GELU {@code out = gelu(up)} when there is no gate.
 */
public final class GatedActivationNode extends Node {
    private final StepContext step;
    private final Buffer in;
    private final int gateColumn;
    private final int upColumn;
    private final int inStride;
    private final Buffer out;
    private final int width;
    private final boolean swiglu;
    private MemorySegment arena;
    private long inOffset;
    private long outOffset;

    /**
     * SwiGLU over rows that hold gate and up side by side.
     *
     * @param name       node name
     * @param step       the session's step context
     * @param in         rows holding gate and up
     * @param gateColumn float column of the gate
     * @param upColumn   float column of up
     * @param inStride   floats per input row
     * @param out        output rows of {@code width} floats
     * @param width      feed-forward width
     * @return the node
     */
    public static GatedActivationNode swiglu(String name, StepContext step, Buffer in, int gateColumn, int upColumn,
                                             int inStride, Buffer out, int width) {
        return new GatedActivationNode(name, step, in, gateColumn, upColumn, inStride, out, width, true);
    }

    /**
     * GELU (tanh approximation, as GPT-2) of every row.
     *
     * @param name  node name
     * @param step  the session's step context
     * @param in    input rows of {@code width}
     * @param out   output rows (may be {@code in})
     * @param width floats per row
     * @return the node
     */
    public static GatedActivationNode gelu(String name, StepContext step, Buffer in, Buffer out, int width) {
        return new GatedActivationNode(name, step, in, 0, 0, width, out, width, false);
    }

    private GatedActivationNode(String name, StepContext step, Buffer in, int gateColumn, int upColumn,
                                int inStride, Buffer out, int width, boolean swiglu) {
        super(name, OpKind.ELEMENTWISE);
        this.step = step;
        this.in = in;
        this.gateColumn = gateColumn;
        this.upColumn = upColumn;
        this.inStride = inStride;
        this.out = out;
        this.width = width;
        this.swiglu = swiglu;
    }

    @Override
    protected Buffer[] buffers() {
        return new Buffer[] {in, out};
    }

    @Override
    protected void bind(MemorySegment arena) {
        this.arena = arena;
        this.inOffset = in.offset();
        this.outOffset = out.offset();
    }

    @Override
    protected void execute(WorkerPool pool) {
        pool.run(this, step.count());
    }

    @Override
    public void run(int from, int to, int worker) {
        for (int j = from; j < to; j++) {
            long row = inOffset + 4L * j * inStride;
            long dst = outOffset + 4L * j * width;
            if (swiglu) {
                Activations.swiglu(arena, row + 4L * gateColumn, arena, row + 4L * upColumn, arena, dst, width);
            } else {
                Activations.gelu(arena, row, arena, dst, width);
            }
        }
    }
}
