package dev.smallmind.graph;

import dev.smallmind.tensor.DType;

/**
 * The failure messages of {@link Graph}, {@link StepContext} and {@link KvCache}, kept out of those classes: they run
 * in every step, and HotSpot resolves, and so allocates, every String constant of a class on the thread that first
 * asks C2 to compile one of its methods, which can be a decode step long after the warm-up (docs/architecture.md,
 * "Zero allocation and the JIT: String constants").
 */
final class GraphText {
    private GraphText() {
    }

    static IllegalArgumentException repeats(int repeats) {
        return new IllegalArgumentException("repeats must be at least 1, got " + repeats);
    }

    static IllegalArgumentException stepTokens(int capacity, int count) {
        return new IllegalArgumentException("a step carries 1 to " + capacity + " tokens, got " + count);
    }

    static IllegalArgumentException cacheType(DType type) {
        return new IllegalArgumentException("KV cache type must be F16 or F32, got " + type);
    }
}
