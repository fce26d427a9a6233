package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.KvCache;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.Attention;
import dev.smallmind.parallel.WorkerPool;

import java.lang.foreign.MemorySegment;

/**
 * Causal scaled dot-product attention of the step's queries over one layer's KV cache: row j (position
 * start + j) attends to positions {@code [0, start + j]}. Query head h reads KV head {@code h / (heads/kvHeads)}
 * (GQA; MQA when there is one KV head). Split across workers by (row, head) pairs; each worker has its own
 * score scratch.
 */
public final class AttentionNode extends Node {
    private final StepContext step;
    private final KvCache cache;
    private final Buffer queries;
    private final int queryColumn;
    private final int queryStride;
    private final Buffer out;
    private final Buffer scores;
    private final int heads;
    private final int group;
    private final int headDim;
    private final float scale;
    private final long keyBase;
    private final long valueBase;
    private final long scoreBytesPerWorker;
    private MemorySegment arena;
    private long qOffset;
    private long outOffset;
    private long scoresOffset;

    /**
     * @param name        node name
     * @param step        the session's step context
     * @param cache       the session's cache
     * @param layer       block index
     * @param queries     rows holding the query heads at {@code queryColumn}
     * @param queryColumn float column of head 0
     * @param queryStride floats per query row
     * @param out         output rows of {@code heads * headDim} floats
     * @param scores      scratch of {@link #scoreBytes(int, int)} bytes
     * @param heads       query heads
     * @param kvHeads     key/value heads
     * @param headDim     floats per head
     */
    public AttentionNode(String name, StepContext step, KvCache cache, int layer, Buffer queries, int queryColumn,
                         int queryStride, Buffer out, Buffer scores, int heads, int kvHeads, int headDim) {
        super(name, OpKind.ATTENTION);
        this.step = step;
        this.cache = cache;
        this.queries = queries;
        this.queryColumn = queryColumn;
        this.queryStride = queryStride;
        this.out = out;
        this.scores = scores;
        this.heads = heads;
        this.group = heads / kvHeads;
        this.headDim = headDim;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        this.keyBase = cache.keyOffset(layer);
        this.valueBase = cache.valueOffset(layer);
        this.scoreBytesPerWorker = 4L * cache.contextLength();
    }

    /**
     * @param threads       workers of the pool
     * @param contextLength cache positions
     * @return scratch bytes the node needs
     */
    public static long scoreBytes(int threads, int contextLength) {
        return 4L * threads * contextLength;
    }

    @Override
    protected Buffer[] buffers() {
        return new Buffer[] {queries, out, scores};
    }

    @Override
    protected void bind(MemorySegment arena) {
        this.arena = arena;
        this.qOffset = queries.offset() + 4L * queryColumn;
        this.outOffset = out.offset();
        this.scoresOffset = scores.offset();
    }

    @Override
    protected void execute(WorkerPool pool) {
        pool.run(this, step.count() * heads);
    }

    @Override
    public void run(int from, int to, int worker) {
        MemorySegment kv = cache.segment();
        long rowBytes = cache.rowBytes();
        int start = step.start();
        long scratch = scoresOffset + worker * scoreBytesPerWorker;
        for (int pair = from; pair < to; pair++) {
            int j = pair / heads;
            int h = pair - j * heads;
            long headBytes = 4L * (h / group) * headDim;
            Attention.attend(arena, qOffset + 4L * ((long) j * queryStride + (long) h * headDim),
                    kv, keyBase + headBytes, rowBytes, kv, valueBase + headBytes, rowBytes,
                    headDim, start + j + 1, scale, arena, scratch,
                    arena, outOffset + 4L * ((long) j * heads * headDim + (long) h * headDim));
        }
    }
}
