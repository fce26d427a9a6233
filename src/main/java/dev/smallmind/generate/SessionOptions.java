package dev.smallmind.generate;

/**
 * Per-session sizes.
 *
 * @param contextLength positions the KV cache holds; 0 picks the model's training context capped at
 *                      {@link #DEFAULT_CONTEXT_CAP}
 * @param batchSize     most prompt tokens evaluated in one prefill step
 */
public record SessionOptions(int contextLength, int batchSize) {
    /** Cap of the automatic context length, so long-context models do not reserve gigabytes of KV cache. */
    public static final int DEFAULT_CONTEXT_CAP = 4096;
    /** Default prefill batch. */
    public static final int DEFAULT_BATCH = 256;

    /** Automatic context, default batch. */
    public static final SessionOptions DEFAULTS = new SessionOptions(0, DEFAULT_BATCH);

    /**
     * @throws IllegalArgumentException for negative or zero sizes
     */
    public SessionOptions {
        if (contextLength < 0) {
            throw new IllegalArgumentException("context length must be >= 0 (0 = automatic), got " + contextLength);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
    }
}
