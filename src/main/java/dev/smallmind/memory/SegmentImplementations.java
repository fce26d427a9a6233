package dev.smallmind.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Loads the JDK's heap-backed {@link MemorySegment} implementation before any kernel is compiled.
 *
 * <p>Why: C2 compiles the kernels knowing which segment classes exist (class hierarchy analysis: with only the
 * native and mapped ones loaded, their accessors are bound directly). The Vector API's fallback code, which runs
 * the first few calls of some operations (for example {@code reinterpretAsInts} in {@code VectorExp}) before they
 * are compiled, wraps a heap array in a segment; loading that class mid-run invalidates every compiled kernel
 * at once. The recompiled matmul loops came out slower (seen as a decode step 25-40% slower for the rest of the
 * process), so the class is loaded up front, when there is nothing compiled to invalidate.
 */
public final class SegmentImplementations {
    private SegmentImplementations() {
    }

    /** Loads the heap segment classes; idempotent and cheap after the first call. */
    public static void load() {
        MemorySegment.ofArray(new byte[1]).get(ValueLayout.JAVA_BYTE, 0);
    }
}
