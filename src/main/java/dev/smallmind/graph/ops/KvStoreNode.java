package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.KvCache;
import dev.smallmind.graph.Node;
import dev.smallmind.graph.OpKind;
import dev.smallmind.graph.StepContext;
import dev.smallmind.kernels.CausalAttention;
import dev.smallmind.parallel.WorkerPool;

import java.lang.foreign.MemorySegment;

/**
 * Copies the step's keys and values of one layer into the KV cache at their positions (keys into their blocks
 * when the cache keeps them blocked, see {@link KvCache#keysBlocked()}).
 */
public final class KvStoreNode extends Node {
    private final StepContext step;
    private final KvCache cache;
    private final Buffer keys;
    private final Buffer values;
    private final int keyColumn;
    private final int valueColumn;
    private final int stride;
    private final long keyBase;
    private final long valueBase;
    private final int layer;
    private MemorySegment arena;
    private long keysOffset;
    private long valuesOffset;

    /**
     * @param name        node name
     * @param step        the session's step context
     * @param cache       the session's cache
     * @param layer       block index
     * @param keys        rows holding the keys at {@code keyColumn}
     * @param keyColumn   float column of the keys
     * @param values      rows holding the values at {@code valueColumn}
     * @param valueColumn float column of the values
     * @param stride      floats per row of {@code keys} and {@code values}
     */
    public KvStoreNode(String name, StepContext step, KvCache cache, int layer, Buffer keys, int keyColumn,
                       Buffer values, int valueColumn, int stride) {
        super(name, OpKind.KV_STORE);
        this.step = step;
        this.cache = cache;
        this.keys = keys;
        this.values = values;
        this.keyColumn = keyColumn;
        this.valueColumn = valueColumn;
        this.stride = stride;
        this.keyBase = cache.keyOffset(layer);
        this.valueBase = cache.valueOffset(layer);
        this.layer = layer;
    }

    @Override
    protected Buffer[] buffers() {
        return new Buffer[] {keys, values};
    }

    @Override
    protected void bind(MemorySegment arena) {
        this.arena = arena;
        this.keysOffset = keys.offset() + 4L * keyColumn;
        this.valuesOffset = values.offset() + 4L * valueColumn;
    }

    @Override
    protected void execute(WorkerPool pool) {
        run(0, step.count(), 0);
    }

    @Override
    public void run(int from, int to, int worker) {
        MemorySegment dst = cache.segment();
        long rowBytes = cache.rowBytes();
        int start = step.start();
        for (int j = from; j < to; j++) {
            long position = start + j;
            long key = keysOffset + 4L * j * stride;
            if (cache.keysBlocked()) {
                int headDim = cache.headDim();
                for (int g = 0; g < cache.kvHeads(); g++) {
                    CausalAttention.storeKey(arena, key + 4L * g * headDim, headDim, (int) position, dst,
                            cache.keyHeadOffset(layer, g), cache.elementBytes());
                }
            } else {
                MemorySegment.copy(arena, key, dst, keyBase + position * rowBytes, rowBytes);
            }
            long values = valuesOffset + 4L * j * stride;
            if (cache.keysBlocked()) {
                CausalAttention.storeValues(arena, values, cache.kvHeads() * cache.headDim(), (int) position, dst,
                        valueBase + position * rowBytes, cache.elementBytes());
            } else {
                MemorySegment.copy(arena, values, dst, valueBase + position * rowBytes, rowBytes);
            }
        }
    }
}
