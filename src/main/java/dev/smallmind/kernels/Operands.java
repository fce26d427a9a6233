package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Up-front checks of kernel operands, so that a bad call fails with a message naming the operand before any
 * memory is written (a vector loop would otherwise throw half-way, leaving a partly written output). The checks
 * are O(1) and build strings only on failure, so kernels stay allocation-free.
 */
final class Operands {
    private Operands() {
    }

    /**
     * @param name    operand name used in the message
     * @param segment memory holding the operand
     * @param offset  byte offset of the first float
     * @param count   number of floats the kernel will touch
     * @throws IllegalArgumentException when {@code [offset, offset + 4 * count)} is not inside the segment
     */
    static void requireFloats(String name, MemorySegment segment, long offset, long count) {
        if (offset < 0 || count < 0 || count > (Long.MAX_VALUE - offset) / Float.BYTES
                || offset + count * Float.BYTES > segment.byteSize()) {
            throw new IllegalArgumentException(name + ": " + count + " floats at byte offset " + offset
                    + " do not fit in a segment of " + segment.byteSize() + " bytes");
        }
    }

    /**
     * @param name         operand name used in the message
     * @param segment      memory holding the operand
     * @param offset       byte offset of the first element
     * @param count        number of elements the kernel will touch
     * @param elementBytes bytes per element (2 for F16, 4 for F32)
     * @throws IllegalArgumentException when {@code [offset, offset + elementBytes * count)} is not inside the
     *                                  segment
     */
    static void requireElements(String name, MemorySegment segment, long offset, long count, int elementBytes) {
        if (offset < 0 || count < 0 || count > (Long.MAX_VALUE - offset) / elementBytes
                || offset + count * elementBytes > segment.byteSize()) {
            throw new IllegalArgumentException(name + ": " + count + " elements of " + elementBytes
                    + " bytes at byte offset " + offset + " do not fit in a segment of " + segment.byteSize()
                    + " bytes");
        }
    }

    /**
     * @param name  what the count counts, used in the message
     * @param count a length that must be positive
     * @throws IllegalArgumentException when {@code count < 1}
     */
    static void requirePositive(String name, long count) {
        if (count < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + count);
        }
    }
}
