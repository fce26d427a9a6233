package dev.smallmind.graph;

import dev.smallmind.kernels.CausalAttention;
import dev.smallmind.memory.Region;

import java.lang.foreign.MemorySegment;

/**
 * Keys and values of every layer for every position of one sequence, F32, off-heap in one segment. Values of layer
 * {@code l} are rows of {@code kvDim} floats per position at {@link #valueOffset(int)}. Keys are rows likewise,
 * or, when {@link #keysBlocked()} (head sizes of whole vectors), each KV head's keys in blocks of one vector of
 * positions ({@link CausalAttention#storeKey}'s layout) at {@link #keyHeadOffset(int, int)}, so attention needs
 * no horizontal sum per score, in decode as in prompt steps. Owned by a session; allocated once from the session's region.
 */
public final class KvCache {
    private final MemorySegment segment;
    private final int layers;
    private final int contextLength;
    private final int kvHeads;
    private final int headDim;
    private final int kvDim;
    private final boolean keysBlocked;
    private final long keyBytes;
    private final long valueBytes;

    /**
     * @param region        where the memory comes from
     * @param layers        transformer blocks
     * @param contextLength positions held
     * @param kvHeads       key/value heads
     * @param headDim       floats per head
     */
    public KvCache(Region region, int layers, int contextLength, int kvHeads, int headDim) {
        this.layers = layers;
        this.contextLength = contextLength;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = Math.multiplyExact(kvHeads, headDim);
        this.keysBlocked = blocksKeys(headDim);
        this.keyBytes = keyBytes(contextLength, kvDim);
        this.valueBytes = Math.multiplyExact(4L * kvDim, contextLength);
        this.segment = region.allocate(bytes(layers, contextLength, kvDim));
    }

    /**
     * @param headDim floats per head
     * @return whether a cache for such a model keeps its keys blocked: the head size is a whole number of vectors
     */
    public static boolean blocksKeys(int headDim) {
        return CausalAttention.supports(headDim);
    }

    private static long keyBytes(int contextLength, int kvDim) {
        return Math.multiplyExact(4L * kvDim, CausalAttention.paddedPositions(contextLength));
    }

    /**
     * @param layers        transformer blocks
     * @param contextLength positions
     * @param kvDim         key width per layer
     * @return bytes a cache of this shape takes (keys are sized for the blocked layout, a few positions more)
     */
    public static long bytes(int layers, int contextLength, int kvDim) {
        long layer = Math.addExact(keyBytes(contextLength, kvDim), Math.multiplyExact(4L * kvDim, contextLength));
        return Math.multiplyExact(layer, layers);
    }

    /** @return the memory of all layers */
    public MemorySegment segment() {
        return segment;
    }

    /** @return whether keys are stored in blocks of positions per KV head instead of rows */
    public boolean keysBlocked() {
        return keysBlocked;
    }

    /**
     * @param layer block index
     * @return byte offset of that layer's keys (row layout: the key of position 0)
     */
    public long keyOffset(int layer) {
        return layer * (keyBytes + valueBytes);
    }

    /**
     * @param layer  block index
     * @param kvHead key/value head
     * @return byte offset of that head's keys: blocked, the start of its blocks; rows, its part of position 0's row
     */
    public long keyHeadOffset(int layer, int kvHead) {
        long head = keysBlocked ? CausalAttention.keyBlockBytes(headDim, contextLength) : 4L * headDim;
        return keyOffset(layer) + kvHead * head;
    }

    /**
     * @param layer block index
     * @return byte offset of that layer's value for position 0
     */
    public long valueOffset(int layer) {
        return keyOffset(layer) + keyBytes;
    }

    /** @return bytes between consecutive positions of values (and of keys when they are rows) */
    public long rowBytes() {
        return 4L * kvDim;
    }

    /** @return floats per head */
    public int headDim() {
        return headDim;
    }

    /** @return key/value heads */
    public int kvHeads() {
        return kvHeads;
    }

    /** @return positions held */
    public int contextLength() {
        return contextLength;
    }

    /** @return layers held */
    public int layers() {
        return layers;
    }

    /** @return cache bytes per position, all layers, keys and values */
    public long bytesPerToken() {
        return 2L * layers * rowBytes();
    }
}
