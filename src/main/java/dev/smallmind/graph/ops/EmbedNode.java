package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** Looks up (and dequantizes) the embedding row of every token of the step. */
public final class EmbedNode extends Node {
    private final StepContext step;
    private final MatmulKernel decoder;
    private final MemorySegment table;
    private final long tableOffset;
    private final long rowBytes;
    private final int rows;
    private final int dim;
    private final Buffer out;
    private MemorySegment arena;
    private long outOffset;

    /**
     * @param name    node name
     * @param step    the session's step context (token ids)
     * @param decoder kernel of the table's type, used for its row decoding
     * @param table   embedding table {@code [vocab, dim]}
     * @param out     {@code [tokens, dim]} floats
     */
    public EmbedNode(String name, StepContext step, MatmulKernel decoder, Tensor table, Buffer out) {
        super(name, OpKind.EMBED);
        this.step = step;
        this.decoder = decoder;
        this.table = table.segment();
        this.tableOffset = table.offset();
        this.rowBytes = table.rowBytes();
        this.rows = (int) table.shape().dim(0);
        this.dim = (int) table.shape().dim(1);
        this.out = out;
    }

    @Override
    protected Buffer[] buffers() {
        return new Buffer[] {out};
    }

    @Override
    protected void bind(MemorySegment arena) {
        this.arena = arena;
        this.outOffset = out.offset();
    }

    @Override
    protected void execute(WorkerPool pool) {
        int n = step.count();
        for (int i = 0; i < n; i++) {
            int token = step.token(i);
            if (token < 0 || token >= rows) {
                throw NodeText.tokenOutsideVocabulary(token, rows);
            }
        }
        pool.run(this, n);
    }

    @Override
    public void run(int from, int to, int worker) {
        for (int i = from; i < to; i++) {
            decoder.decodeRow(table, tableOffset + step.token(i) * rowBytes, arena, outOffset + 4L * i * dim, dim);
        }
    }
}
