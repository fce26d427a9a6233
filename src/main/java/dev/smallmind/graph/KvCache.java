package dev.smallmind.graph;

import dev.smallmind.memory.Region;

import java.lang.foreign.MemorySegment;

/**
 * Keys and values of every layer for every position of one sequence, F32, off-heap in one segment: layer
 * {@code l}'s keys are {@code [contextLength][kvDim]} floats at {@link #keyOffset(int)}, its values likewise at
 * {@link #valueOffset(int)}. Owned by a session; allocated once from the session's region.
 */
public final class KvCache {
    private final MemorySegment segment;
    private final int layers;
    private final int contextLength;
    private final int kvDim;
    private final long layerBytes;

    /**
     * @param region        where the memory comes from
     * @param layers        transformer blocks
     * @param contextLength positions held
     * @param kvDim         floats per position per layer for keys (and for values)
     */
    public KvCache(Region region, int layers, int contextLength, int kvDim) {
        this.layers = layers;
        this.contextLength = contextLength;
        this.kvDim = kvDim;
        this.layerBytes = Math.multiplyExact(4L * kvDim, contextLength);
        this.segment = region.allocate(Math.multiplyExact(layerBytes, 2L * layers));
    }

    /**
     * @param layers        transformer blocks
     * @param contextLength positions
     * @param kvDim         key width per layer
     * @return bytes a cache of this shape takes
     */
    public static long bytes(int layers, int contextLength, int kvDim) {
        return Math.multiplyExact(Math.multiplyExact(4L * kvDim, contextLength), 2L * layers);
    }

    /** @return the memory of all layers */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * @param layer block index
     * @return byte offset of that layer's key for position 0
     */
    public long keyOffset(int layer) {
        return 2 * layer * layerBytes;
    }

    /**
     * @param layer block index
     * @return byte offset of that layer's value for position 0
     */
    public long valueOffset(int layer) {
        return (2L * layer + 1) * layerBytes;
    }

    /** @return bytes between consecutive positions */
    public long rowBytes() {
        return 4L * kvDim;
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
