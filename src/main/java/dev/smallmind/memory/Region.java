package dev.smallmind.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Long-lived off-heap memory: KV caches, repacked weights, anything that lives as long as a model or a session.
 * Allocations are 64-byte aligned, zero-filled, counted against a fixed budget, and freed together on
 * {@link #close()}. Thread-safe for allocation (it is not on a hot path).
 */
public final class Region implements AutoCloseable {
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final long budget;
    private long allocated;

    /**
     * @param name   used in error messages
     * @param budget maximum bytes this region may hand out
     */
    public Region(String name, long budget) {
        this.name = name;
        this.budget = budget;
    }

    /**
     * @param bytes size wanted
     * @return a zeroed segment of exactly {@code bytes}, 64-byte aligned
     * @throws ArenaCapacityException when the budget would be exceeded
     */
    public synchronized MemorySegment allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + ": negative allocation " + bytes);
        }
        long size = Alignment.up(bytes);
        // size < bytes: rounding a request within 63 bytes of Long.MAX_VALUE wrapped around to negative
        if (size < bytes || size > budget - allocated) {
            throw new ArenaCapacityException(name, Math.max(size, bytes), budget - allocated);
        }
        MemorySegment segment;
        try {
            segment = arena.allocate(Math.max(bytes, 1), Alignment.BYTES);
        } catch (OutOfMemoryError e) {
            throw ArenaCapacityException.refused(name, bytes);
        }
        allocated += size;
        return segment.asSlice(0, bytes);
    }

    /** @return bytes handed out so far */
    public synchronized long allocated() {
        return allocated;
    }

    /** @return the budget in bytes */
    public long budget() {
        return budget;
    }

    /** Frees every segment this region handed out. */
    @Override
    public void close() {
        arena.close();
    }
}
