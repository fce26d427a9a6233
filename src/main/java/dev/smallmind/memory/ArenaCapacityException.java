package dev.smallmind.memory;

/**
 * Thrown when an allocation does not fit in a fixed-capacity arena or region. Arenas never grow on their own:
 * a step that needs more than was planned is a planning bug or a request beyond the configured limits.
 */
public final class ArenaCapacityException extends IllegalStateException {
    private final long requested;
    private final long available;

    /**
     * @param what      which arena or region was asked
     * @param requested bytes asked for (after alignment)
     * @param available bytes still free
     */
    public ArenaCapacityException(String what, long requested, long available) {
        super(what + ": cannot allocate " + requested + " bytes, only " + available + " bytes available");
        this.requested = requested;
        this.available = available;
    }

    private ArenaCapacityException(String message, long requested) {
        super(message);
        this.requested = requested;
        this.available = 0;
    }

    /**
     * @param what      which arena or region was asked
     * @param requested bytes asked for
     * @return the exception for memory the operating system would not provide
     */
    public static ArenaCapacityException refused(String what, long requested) {
        return new ArenaCapacityException(what + ": the system could not provide " + requested
                + " bytes of off-heap memory (a context or batch too large for this machine?)", requested);
    }

    /** @return bytes asked for */
    public long requested() {
        return requested;
    }

    /** @return bytes that were still free */
    public long available() {
        return available;
    }
}
