package dev.smallmind.graph;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What changes from one step of a graph to the next: the tokens fed in and where they sit in the sequence. One
 * context belongs to one session; its graphs' nodes read it while they run. Token ids live off-heap so feeding a
 * step allocates nothing.
 */
public final class StepContext {
    private final int capacity;
    private final MemorySegment tokenIds;
    private int start;
    private int count;

    /**
     * @param capacity most tokens one step may carry
     * @param arena    owner of the token id memory
     */
    public StepContext(int capacity, Arena arena) {
        this.capacity = capacity;
        this.tokenIds = arena.allocate(4L * capacity, 64);
    }

    /**
     * Sets up the next step.
     *
     * @param start position of the first token in the sequence
     * @param count tokens in this step, 1 to {@link #capacity()}
     */
    public void begin(int start, int count) {
        if (count < 1 || count > capacity) {
            throw GraphText.stepTokens(capacity, count);
        }
        this.start = start;
        this.count = count;
    }

    /**
     * @param i     index within the step
     * @param token token id
     */
    public void setToken(int i, int token) {
        tokenIds.setAtIndex(ValueLayout.JAVA_INT, i, token);
    }

    /**
     * @param i index within the step
     * @return its token id
     */
    public int token(int i) {
        return tokenIds.getAtIndex(ValueLayout.JAVA_INT, i);
    }

    /** @return position of the step's first token */
    public int start() {
        return start;
    }

    /** @return tokens in the step */
    public int count() {
        return count;
    }

    /** @return most tokens per step */
    public int capacity() {
        return capacity;
    }
}
