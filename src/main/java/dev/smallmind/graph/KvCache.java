package dev.smallmind.graph;

import dev.smallmind.kernels.CausalAttention;
import dev.smallmind.tensor.DType;
import dev.smallmind.memory.Region;

import java.lang.foreign.MemorySegment;

/**
 * Keys and values of every layer for every position of one sequence, off-heap in one segment. Values of layer
 * {@code l} are rows of {@code kvDim} elements per position at {@link #valueOffset(int)}. Keys are rows likewise,
 * or, when {@link #keysBlocked()} (head sizes of whole vectors), each KV head's keys in blocks of one vector of
 * positions ({@link CausalAttention#storeKey}'s layout) at {@link #keyHeadOffset(int, int)}, so attention needs
 * no horizontal sum per score, in decode as in prompt steps. A blocked cache holds F16 by default, as
 * llama.cpp's does ({@code -ctk f16}): decode at depth reads the whole cache every token, and at half the bytes
 * attention took 0.6-0.7x the time; F32 on request. Row caches (head sizes that are not whole vectors, tiny models)
 * are F32. Owned by a session; allocated once from the session's region.
 */
public final class KvCache {
    private final MemorySegment segment;
    private final int layers;
    private final int contextLength;
    private final int kvHeads;
    private final int headDim;
    private final int kvDim;
    private final boolean keysBlocked;
    private final int elementBytes;
    private final long keyBytes;
    private final long valueBytes;

    /**
     * @param region        where the memory comes from
     * @param layers        transformer blocks
     * @param contextLength positions held
     * @param kvHeads       key/value heads
     * @param headDim       floats per head
     * @param type          {@link DType#F16} or {@link DType#F32}: the element type of a blocked cache
     */
    public KvCache(Region region, int layers, int contextLength, int kvHeads, int headDim, DType type) {
        this.layers = layers;
        this.contextLength = contextLength;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = Math.multiplyExact(kvHeads, headDim);
        this.keysBlocked = blocksKeys(headDim);
        this.elementBytes = elementBytes(headDim, type);
        this.keyBytes = keyBytes(contextLength, kvDim, elementBytes);
        this.valueBytes = Math.multiplyExact((long) elementBytes * kvDim, contextLength);
        this.segment = region.allocate(bytes(layers, contextLength, kvHeads, headDim, type));
    }

    /**
     * @param headDim floats per head
     * @return whether a cache for such a model keeps its keys blocked: the head size is a whole number of vectors
     */
    public static boolean blocksKeys(int headDim) {
        return CausalAttention.supports(headDim);
    }

    /**
     * @param headDim floats per head
     * @param type    the type asked for, F16 or F32
     * @return the type such a cache stores: F16 only where its keys are blocked ({@link #blocksKeys}), else F32
     * @throws IllegalArgumentException for another type
     */
    public static DType storedType(int headDim, DType type) {
        if (type != DType.F16 && type != DType.F32) {
            throw GraphText.cacheType(type);
        }
        return blocksKeys(headDim) ? type : DType.F32;
    }

    private static int elementBytes(int headDim, DType type) {
        return storedType(headDim, type) == DType.F16 ? CausalAttention.HALF_BYTES : Float.BYTES;
    }

    private static long keyBytes(int contextLength, int kvDim, int elementBytes) {
        return Math.multiplyExact((long) elementBytes * kvDim, CausalAttention.paddedPositions(contextLength));
    }

    /**
     * @param layers        transformer blocks
     * @param contextLength positions
     * @param kvHeads       key/value heads
     * @param headDim       floats per head (whether the cache is blocked, and so of {@code type}, depends on it)
     * @param type          {@link DType#F16} or {@link DType#F32}
     * @return bytes a cache of this shape takes (keys are sized for the blocked layout, a few positions more)
     */
    public static long bytes(int layers, int contextLength, int kvHeads, int headDim, DType type) {
        int elementBytes = elementBytes(headDim, type);
        int kvDim = Math.multiplyExact(kvHeads, headDim);
        long layer = Math.addExact(keyBytes(contextLength, kvDim, elementBytes),
                Math.multiplyExact((long) elementBytes * kvDim, contextLength));
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
        long head = keysBlocked ? CausalAttention.keyBlockBytes(headDim, contextLength, elementBytes)
                : 4L * headDim;
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
        return (long) elementBytes * kvDim;
    }

    /** @return bytes of one cached element: {@link CausalAttention#HALF_BYTES} (F16) or 4 (F32) */
    public int elementBytes() {
        return elementBytes;
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
