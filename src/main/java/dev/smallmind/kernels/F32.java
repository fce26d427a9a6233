package dev.smallmind.kernels;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * How kernels read and write F32 elements: little-endian like GGUF files, and without an alignment requirement
 * for scalar access (vector loads never require one).
 */
final class F32 {
    /** Byte order of every float in a kernel operand. */
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** Layout for scalar float access at any byte offset. */
    static final ValueLayout.OfFloat LAYOUT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    private F32() {
    }
}
