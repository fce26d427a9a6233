package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.KvCache;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.Attention;
import dev.smallmind.kernels.CausalAttention;
import dev.smallmind.parallel.RangeTask;
import dev.smallmind.parallel.WorkerPool;

import java.lang.foreign.MemorySegment;

/**
 * Causal scaled dot-product attention of the step's queries over one layer's KV cache: row j (position
 * start + j) attends to positions {@code [0, start + j]}. Query head h reads KV head {@code h / (heads/kvHeads)}
 * (GQA; MQA when there is one KV head). When the cache keeps its keys in blocks ({@link KvCache#keysBlocked()}),
 * steps of {@link CausalAttention#ROWS} rows or more attend blocks of that many consecutive rows of one head, dealt
 * to workers early and late alternately since a late row attends to more positions; shorter steps (decode) attend,
 * per token, up to {@link CausalAttention#ROWS} query heads sharing a KV head at once, the positions split into one
 * part per worker ({@link CausalAttention#attendPart}) that the calling thread then combines: a token has few KV
 * heads (medium: 3, for 2 workers), and at a context of 1024 attention was half of a decode step. Otherwise (head
 * sizes that are not whole vectors) each (row, head) pair attends alone ({@link Attention}). Each worker has its
 * own score scratch.
 */
public final class AttentionNode extends Node {
    /** Fewest positions a worker's part of a decode step's attention covers. */
    private static final int MIN_PART = 32;
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
    private final int kvHeads;
    private final int layer;
    private final boolean blocked;
    private final int chunks;
    private final int threads;
    private final long partsOffset;
    private final long partBytes;
    private final long valueHeadBytes;
    private final RangeTask attendBlocks = this::attendBlocks;
    private final RangeTask attendParts = this::attendParts;
    private int blocks;
    private int parts;
    private int partLength;
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
     * @param scores      scratch of {@link #scoreBytes} bytes
     * @param heads       query heads
     * @param kvHeads     key/value heads
     * @param headDim     floats per head
     * @param threads     workers of the pool that runs the node
     */
    public AttentionNode(String name, StepContext step, KvCache cache, int layer, Buffer queries, int queryColumn,
                         int queryStride, Buffer out, Buffer scores, int heads, int kvHeads, int headDim,
                         int threads) {
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
        this.kvHeads = kvHeads;
        this.layer = layer;
        this.blocked = KvCache.blocksKeys(headDim);
        if (blocked != cache.keysBlocked() || headDim != cache.headDim() || kvHeads != cache.kvHeads()) {
            throw NodeText.cacheMismatch(name, kvHeads, headDim, cache);
        }
        this.chunks = (group + CausalAttention.ROWS - 1) / CausalAttention.ROWS;
        this.threads = threads;
        int ctx = cache.contextLength();
        this.scoreBytesPerWorker = blocked ? CausalAttention.scoreBytes(ctx) : 4L * ctx;
        this.partsOffset = threads * scoreBytesPerWorker;
        this.partBytes = blocked ? CausalAttention.partBytes(headDim) : 0;
        this.valueHeadBytes = cache.elementBytes() * headDim;
        long needed = scoreBytes(threads, ctx, heads, kvHeads, headDim);
        if (scores.bytes() < needed) {
            throw NodeText.scoreScratch(name, scores, needed);
        }
    }

    /**
     * @param threads       workers of the pool
     * @param contextLength cache positions
     * @param heads         query heads
     * @param kvHeads       key/value heads
     * @param headDim       floats per head
     * @return scratch bytes the node needs: per worker one row of scores, or a block of score rows for
     *         {@link CausalAttention}, and then the parts of a step of fewer than {@link CausalAttention#ROWS} tokens
     */
    public static long scoreBytes(int threads, int contextLength, int heads, int kvHeads, int headDim) {
        if (!KvCache.blocksKeys(headDim)) {
            return 4L * threads * contextLength;
        }
        int chunks = (heads / kvHeads + CausalAttention.ROWS - 1) / CausalAttention.ROWS;
        long partRows = (long) (CausalAttention.ROWS - 1) * kvHeads * chunks * CausalAttention.ROWS * threads;
        return threads * CausalAttention.scoreBytes(contextLength) + partRows * CausalAttention.partBytes(headDim);
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
        int count = step.count();
        if (!blocked) {
            pool.run(this, count * heads);
        } else if (count >= CausalAttention.ROWS) {
            blocks = (count + CausalAttention.ROWS - 1) / CausalAttention.ROWS;
            pool.run(attendBlocks, blocks * heads);
        } else {
            attendInParts(pool, count);
        }
    }

    /**
     * Parts of at least {@link #MIN_PART} positions, one per worker at most, all starting at whole key blocks; the
     * shortest row (token 0) may leave the last part empty.
     */
    private void attendInParts(WorkerPool pool, int count) {
        int longest = step.start() + count;
        parts = Math.max(1, Math.min(Math.min(threads, pool.threads()), longest / MIN_PART));
        partLength = CausalAttention.paddedPositions((longest + parts - 1) / parts);
        parts = (longest + partLength - 1) / partLength;
        pool.run(attendParts, count * kvHeads * chunks * parts);
        long partStride = CausalAttention.ROWS * partBytes;
        long headBytes = 4L * headDim;
        for (int j = 0; j < count; j++) {
            for (int h = 0; h < heads; h++) {
                int g = h / group;
                int inGroup = h - g * group;
                int unit = ((j * kvHeads + g) * chunks + inGroup / CausalAttention.ROWS) * parts;
                long first = scoresOffset + partsOffset
                        + ((long) unit * CausalAttention.ROWS + inGroup % CausalAttention.ROWS) * partBytes;
                CausalAttention.combine(arena, first, partStride, parts, headDim, arena,
                        outOffset + headBytes * ((long) j * heads + h));
            }
        }
    }

    /** Unit u: head {@code u % heads} of block {@code 0, last, 1, last - 1, ...} for u / heads = 0, 1, 2, 3, .... */
    private void attendBlocks(int from, int to, int worker) {
        MemorySegment kv = cache.segment();
        long rowBytes = cache.rowBytes();
        int start = step.start();
        int count = step.count();
        long scratch = scoresOffset + worker * scoreBytesPerWorker;
        long qRowBytes = 4L * queryStride;
        long outRowBytes = 4L * heads * headDim;
        for (int u = from; u < to; u++) {
            int i = u / heads;
            int h = u - i * heads;
            int block = (i & 1) == 0 ? i >> 1 : blocks - 1 - (i >> 1);
            int j = block * CausalAttention.ROWS;
            int rows = Math.min(CausalAttention.ROWS, count - j);
            int g = h / group;
            CausalAttention.attendRows(arena, qOffset + 4L * ((long) j * queryStride + (long) h * headDim), qRowBytes,
                    rows, start + j + 1, kv, cache.keyHeadOffset(layer, g), kv, valueBase + valueHeadBytes * g,
                    rowBytes, headDim, scale, arena, scratch, arena, outOffset + j * outRowBytes + 4L * h * headDim,
                    outRowBytes, cache.elementBytes());
        }
    }

    /**
     * Unit u: part {@code u % parts} of token {@code u / (kvHeads * chunks * parts)}, KV head, and up to ROWS of the
     * query heads sharing it; consecutive units are the parts of one head, so each worker keeps to its share of
     * the positions from token to token.
     */
    private void attendParts(int from, int to, int worker) {
        MemorySegment kv = cache.segment();
        long rowBytes = cache.rowBytes();
        int start = step.start();
        long scratch = scoresOffset + worker * scoreBytesPerWorker;
        long headBytes = 4L * headDim;
        int perToken = kvHeads * chunks * parts;
        for (int u = from; u < to; u++) {
            int j = u / perToken;
            int rest = u - j * perToken;
            int c = rest % parts;
            int set = rest / parts;
            int g = set / chunks;
            int first = (set - g * chunks) * CausalAttention.ROWS;
            int h = g * group + first;
            int rows = Math.min(CausalAttention.ROWS, group - first);
            int partFrom = c * partLength;
            int partTo = Math.min(start + j + 1, partFrom + partLength);
            CausalAttention.attendPart(arena, qOffset + 4L * ((long) j * queryStride + (long) h * headDim), headBytes,
                    rows, partFrom, partTo, kv, cache.keyHeadOffset(layer, g), kv, valueBase + valueHeadBytes * g,
                    rowBytes, headDim, scale, arena, scratch, arena,
                    scoresOffset + partsOffset + (long) u * CausalAttention.ROWS * partBytes, cache.elementBytes());
        }
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
