package dev.smallmind.generate;

import dev.smallmind.tensor.DType;

/**
 * Per-session sizes.
 *
 * @param contextLength positions the KV cache holds; 0 picks the model's training context capped at
 *                      {@link #DEFAULT_CONTEXT_CAP}
 * @param batchSize     most prompt tokens evaluated in one prefill step
 * @param kvType        element type of the KV cache, {@link DType#F16} (the default, as llama.cpp's) or
 *                      {@link DType#F32}; models whose head size is not a whole number of vectors keep F32
 */
public record SessionOptions(int contextLength, int batchSize, DType kvType) {
    /** Cap of the automatic context length, so long-context models do not reserve gigabytes of KV cache. */
    public static final int DEFAULT_CONTEXT_CAP = 4096;
    /** Default prefill batch. */
    public static final int DEFAULT_BATCH = 256;

    /**
     * @param type the KV cache's element type
     * @return these options with that KV type
     */
    public SessionOptions withKvType(DType type) {
        return new SessionOptions(contextLength, batchSize, type);
    }

    /** Automatic context, default batch. */
    public static final SessionOptions DEFAULTS = new SessionOptions(0, DEFAULT_BATCH);

    /**
     * An F16 KV cache.
     *
     * @param contextLength positions the KV cache holds; 0 picks the model's training context capped at
     *                      {@link #DEFAULT_CONTEXT_CAP}
     * @param batchSize     most prompt tokens evaluated in one prefill step
     */
    public SessionOptions(int contextLength, int batchSize) {
        this(contextLength, batchSize, DType.F16);
    }

    /**
     * @throws IllegalArgumentException for negative or zero sizes, or a KV type other than F16 and F32
     */
    public SessionOptions {
        if (contextLength < 0) {
            throw new IllegalArgumentException("context length must be >= 0 (0 = automatic), got " + contextLength);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (kvType != DType.F16 && kvType != DType.F32) {
            throw new IllegalArgumentException("KV cache type must be F16 or F32, got " + kvType);
        }
    }
}
