package dev.smallmind.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The per-step scratch memory: one off-heap segment allocated once, handed out by bump allocation with 64-byte
 * alignment and recycled as a whole by {@link #reset()} at the end of every inference step.
 *
 * <p>Allocation returns offsets into {@link #segment()} rather than new {@code MemorySegment} slices, so the hot
 * path creates no objects. Not thread-safe: the session that owns the arena allocates; workers only read and write
 * the memory at offsets they were given.
 */
public final class StepArena implements AutoCloseable {
    private final String name;
    private final Arena arena;
    private final MemorySegment segment;
    private final long capacity;
    private long top;
    private long peak;
    private long allocations;

    /**
     * @param name     used in error messages
     * @param capacity bytes, fixed for the arena's life
     */
    public StepArena(String name, long capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException(name + ": capacity must be >= 0, got " + capacity);
        }
        this.name = name;
        this.capacity = Alignment.up(capacity);
        this.arena = Arena.ofShared();
        try {
            this.segment = arena.allocate(Math.max(this.capacity, Alignment.BYTES), Alignment.BYTES);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw ArenaCapacityException.refused(name, this.capacity);
        }
    }

    /**
     * Reserves {@code bytes} (rounded up to 64) and returns where they start.
     *
     * @param bytes size wanted, >= 0
     * @return byte offset into {@link #segment()}, a multiple of 64
     * @throws ArenaCapacityException when the arena is full
     */
    public long allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(name + ": negative allocation " + bytes);
        }
        long size = Alignment.up(bytes);
        // size < bytes: rounding a request within 63 bytes of Long.MAX_VALUE wrapped around to negative
        if (size < bytes || size > capacity - top) {
            throw new ArenaCapacityException(name, Math.max(size, bytes), capacity - top);
        }
        long offset = top;
        top += size;
        allocations++;
        if (top > peak) {
            peak = top;
        }
        return offset;
    }

    /** Frees everything allocated since the last reset; peak and allocation count are kept. */
    public void reset() {
        top = 0;
    }

    /** @return the backing segment; valid until {@link #close()} */
    public MemorySegment segment() {
        return segment;
    }

    /** @return fixed capacity in bytes */
    public long capacity() {
        return capacity;
    }

    /** @return bytes in use since the last reset */
    public long used() {
        return top;
    }

    /** @return the most bytes ever in use at once */
    public long peak() {
        return peak;
    }

    /** @return allocations made over the arena's life */
    public long allocationCount() {
        return allocations;
    }

    /** Frees the off-heap memory. Segments and offsets handed out become invalid. */
    @Override
    public void close() {
        arena.close();
    }
}
