package dev.smallmind.graph;

/**
 * An intermediate tensor of a graph: a named byte range of the step arena whose offset the {@link Planner} assigns
 * from its lifetime. Buffers exist only while a graph is being built and planned; nodes resolve their offsets once
 * in {@link Node#bind} and keep plain {@code long}s for the hot path.
 */
public final class Buffer {
    private final String name;
    private final long bytes;
    private int firstUse = -1;
    private int lastUse = -1;
    private long offset = -1;
    private long relative = -1;

    Buffer(String name, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("buffer '" + name + "': negative size " + bytes);
        }
        this.name = name;
        this.bytes = bytes;
    }

    /** @return name for plans and errors */
    public String name() {
        return name;
    }

    /** @return size in bytes */
    public long bytes() {
        return bytes;
    }

    /** @return index of the first node that touches it */
    public int firstUse() {
        return firstUse;
    }

    /** @return index of the last node that touches it */
    public int lastUse() {
        return lastUse;
    }

    /**
     * @return byte offset in the step arena
     * @throws IllegalStateException before planning
     */
    public long offset() {
        if (offset < 0) {
            throw new IllegalStateException("buffer '" + name + "' has not been planned");
        }
        return offset;
    }

    void touch(int node) {
        if (firstUse < 0 || node < firstUse) {
            firstUse = node;
        }
        if (node > lastUse) {
            lastUse = node;
        }
    }

    void placeRelative(long offset) {
        this.relative = offset;
    }

    long relativeOffset() {
        return relative;
    }

    void place(long offset) {
        this.offset = offset;
    }

    boolean overlapsInTime(Buffer o) {
        return firstUse <= o.lastUse && o.firstUse <= lastUse;
    }
}
