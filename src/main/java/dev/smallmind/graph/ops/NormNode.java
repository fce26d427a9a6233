package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.Norms;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** RMSNorm (weight) or LayerNorm (weight and bias) of every step row. */
public final class NormNode extends Node {
    private final StepContext step;
    private final boolean layerNorm;
    private final Buffer in;
    private final Buffer out;
    private final MemorySegment weight;
    private final long weightOffset;
    private final MemorySegment bias;
    private final long biasOffset;
    private final int dim;
    private final float eps;
    private final Rows rows;
    private MemorySegment arena;
    private long inOffset;
    private long outOffset;

    /**
     * @param name   node name
     * @param step   the session's step context
     * @param in     input rows of {@code dim} floats
     * @param weight {@code [dim]} F32
     * @param bias   {@code [dim]} F32 for LayerNorm, null for RMSNorm
     * @param out    output rows (may be {@code in})
     * @param eps    epsilon
     * @param rows   which step rows to normalize (each written to the same row of {@code out})
     */
    public NormNode(String name, StepContext step, Buffer in, Tensor weight, Tensor bias, Buffer out, float eps,
                    Rows rows) {
        super(name, OpKind.NORM);
        weight.requireType(DType.F32);
        this.dim = (int) weight.shape().elements();
        if (bias != null) {
            bias.requireType(DType.F32);
            if (bias.shape().elements() != dim) {
                throw NodeText.biasLength(name, bias, dim);
            }
        }
        this.step = step;
        this.layerNorm = bias != null;
        this.in = in;
        this.out = out;
        this.weight = weight.segment();
        this.weightOffset = weight.offset();
        this.bias = bias == null ? null : bias.segment();
        this.biasOffset = bias == null ? 0 : bias.offset();
        this.eps = eps;
        this.rows = rows;
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
        int count = step.count();
        if (rows == Rows.LAST) {
            run(count - 1, count, 0);
        } else {
            pool.run(this, count);
        }
    }

    @Override
    public void run(int from, int to, int worker) {
        for (int r = from; r < to; r++) {
            long src = inOffset + 4L * r * dim;
            long dst = outOffset + 4L * r * dim;
            if (layerNorm) {
                Norms.layerNorm(arena, src, weight, weightOffset, bias, biasOffset, arena, dst, dim, eps);
            } else {
                Norms.rmsNorm(arena, src, weight, weightOffset, arena, dst, dim, eps);
            }
        }
    }
}
