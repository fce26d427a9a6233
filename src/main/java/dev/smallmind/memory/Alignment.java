package dev.smallmind.memory;

/** The one alignment rule of the engine: every tensor starts on a cache line (64 bytes, one AVX-512 vector). */
public final class Alignment {
    /** Byte alignment of every tensor allocation. Misaligned 512-bit loads halve L1 throughput on Zen. */
    public static final long BYTES = 64;

    private Alignment() {
    }

    /**
     * @param bytes a size or offset, non-negative
     * @return {@code bytes} rounded up to a multiple of {@link #BYTES}
     */
    public static long up(long bytes) {
        return (bytes + BYTES - 1) & -BYTES;
    }
}
