package dev.smallmind.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Native memory its first writer fills entirely, taken from the C library's {@code malloc} rather than
 * {@link Arena#allocate}, which zeroes what it hands out: for the 1.1 GB of a large model's interleaved weights that
 * zeroing took 0.6-0.7 s on the loading thread alone, before the packers (on every worker) wrote each byte anyway.
 * Large {@code malloc} blocks are fresh mappings, so the pages are first touched by those workers, in parallel.
 */
public final class UnzeroedMemory {
    private static final Allocator MALLOC = Allocator.lookup();

    private UnzeroedMemory() {
    }

    /**
     * @param arena where the memory lives: it is freed when the arena closes
     * @param bytes size, at least 1
     * @return {@code bytes} of memory aligned to {@link Alignment#BYTES} whose contents are unspecified; the caller
     *         writes every byte before anything reads it. Where the C library is not reachable, zeroed memory from
     *         {@code arena}
     * @throws OutOfMemoryError when the memory cannot be had
     */
    public static MemorySegment allocate(Arena arena, long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("allocation of " + bytes + " bytes");
        }
        if (MALLOC == null) {
            return arena.allocate(bytes, Alignment.BYTES);
        }
        long padded = bytes + Alignment.BYTES;
        MemorySegment block = MALLOC.malloc(padded);
        if (block.address() == 0) {
            throw new OutOfMemoryError("malloc of " + padded + " bytes failed");
        }
        long aligned = Alignment.up(block.address());
        return MemorySegment.ofAddress(aligned).reinterpret(bytes, arena, unused -> MALLOC.free(block));
    }

    /** {@code malloc} and {@code free} of the C library. */
    private record Allocator(MethodHandle malloc, MethodHandle free) {
        static Allocator lookup() {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            if (libc.find("malloc").isEmpty() || libc.find("free").isEmpty()) {
                return null;
            }
            return new Allocator(
                    linker.downcallHandle(libc.find("malloc").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)),
                    linker.downcallHandle(libc.find("free").orElseThrow(),
                            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS)));
        }

        MemorySegment malloc(long bytes) {
            try {
                return (MemorySegment) malloc.invokeExact(bytes);
            } catch (Throwable t) {
                throw new IllegalStateException("malloc of " + bytes + " bytes failed", t);
            }
        }

        void free(MemorySegment block) {
            try {
                free.invokeExact(block);
            } catch (Throwable t) {
                throw new IllegalStateException("free failed", t);
            }
        }
    }
}
